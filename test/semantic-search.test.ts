// Semantic search against a real HTTP embeddings endpoint (the fixture server on 127.0.0.1): the OpenAI-compatible
// embedder (batching, auth, errors without the key, timeouts) and the semantic index on the SQLite store across
// a restart (no embedding request for unchanged tools).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createOpenAiEmbedder } from "../src/adapters/embed/openai-embedder.ts";
import { createSqliteEmbeddingStore } from "../src/adapters/storage/sqlite/sqlite-embedding-store.ts";
import { SemanticSearchSchema } from "../src/config/discovery-schema.ts";
import { EventBus } from "../src/core/events.ts";
import { EmbedderError } from "../src/ports/embedder.ts";
import { rrf } from "../src/services/search/rank-fusion.ts";
import { createSemanticIndex, type SemanticDocument } from "../src/services/search/semantic-index.ts";
import { type FixtureEmbeddingServer, startFixtureEmbeddingServer } from "./fixtures/fixture-embedding-server.ts";

const KEY = "sk-fixture-0123456789abcdef";
/** No subscribers: the index's failures are not logged here. */
const silent = new EventBus();

let server: FixtureEmbeddingServer;
let dir = "";
before(async () => {
  server = await startFixtureEmbeddingServer({ apiKey: KEY });
  dir = await mkdtemp(join(tmpdir(), "switchboard-semantic-"));
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** The configured defaults of batch size and time limit. */
const { batchSize, timeoutMs } = SemanticSearchSchema.parse({});
const configured = { batchSize, timeoutMs };

const embedder = (options: Partial<Parameters<typeof createOpenAiEmbedder>[0]> = {}) =>
  createOpenAiEmbedder({ url: server.url, model: "fixture-model", apiKey: KEY, ...configured, ...options });

async function rejection(promise: Promise<unknown>): Promise<EmbedderError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EmbedderError, `expected an EmbedderError, got ${String(error)}`);
    return error;
  }
  throw new Error("expected a rejection");
}

describe("OpenAI-compatible embedder", () => {
  test("batches requests, sends the key and dimensions, places vectors by index, normalised", async () => {
    const requestsBefore = server.stats.requests;
    const texts = ["read a file", "write a file", "weather in Paris", "stock price", "list directory"];
    const vectors = await embedder({ batchSize: 2, dimensions: 32 }).embed(texts);
    assert.deepEqual(server.stats.batches.slice(-3), [2, 2, 1]);
    assert.equal(server.stats.requests - requestsBefore, 3);
    assert.deepEqual(server.stats.authorizations.slice(-3), Array(3).fill(`Bearer ${KEY}`));
    assert.deepEqual(server.stats.bodies.at(-1), { model: "fixture-model", input: ["list directory"], dimensions: 32 });
    assert.equal(vectors.length, 5);
    for (const [i, vector] of vectors.entries()) {
      assert.equal(vector.length, 32);
      assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5);
      assert.deepEqual(vector, new Float32Array(server.vectorOf(texts[i] as string, 32)));
    }
    assert.deepEqual(await embedder().embed([]), []);
  });

  test("the model identity includes a requested dimension count", () => {
    assert.equal(embedder().model, "fixture-model");
    assert.equal(embedder({ dimensions: 256 }).model, "fixture-model@256");
  });

  test("a rejected key is reported with its status, never with the key", async () => {
    const wrong = "sk-wrong-fedcba9876543210";
    const error = await rejection(embedder({ apiKey: wrong }).embed(["hello"]));
    assert.equal(error.reason, "http");
    assert.equal(error.status, 401);
    assert.match(error.message, /answered 401: .*Incorrect API key provided: \[redacted\]/);
    assert.ok(!error.message.includes(wrong));
    const missing = await rejection(embedder({ apiKey: undefined }).embed(["hello"]));
    assert.equal(missing.status, 401);
    assert.equal(server.stats.authorizations.at(-1), undefined);
  });

  test("an error status is reported with an excerpt of the body", async () => {
    server.fail(500, `{"error":{"message":"model overloaded ${"x".repeat(1000)}"}}`);
    const error = await rejection(embedder().embed(["hello"]));
    assert.equal(error.reason, "http");
    assert.equal(error.status, 500);
    assert.match(
      error.message,
      /^embeddings endpoint http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings answered 500: .*overloaded/,
    );
    assert.ok(error.message.length < 500, "the body is cut");
  });

  test("a body that is not a list of vectors for the texts is an invalid response", async () => {
    server.fail(200, "<html>proxy error</html>");
    assert.equal((await rejection(embedder().embed(["a"]))).reason, "invalid_response");
    server.fail(200, JSON.stringify({ data: [{ index: 0, embedding: [1, 0] }] }));
    const short = await rejection(embedder().embed(["a", "b"]));
    assert.equal(short.reason, "invalid_response");
    assert.match(short.message, /no list of 2 embeddings/);
  });

  test("an endpoint that does not answer times out; the caller's abort is its own reason", async () => {
    server.hang(true);
    try {
      const timedOut = await rejection(embedder({ timeoutMs: 200 }).embed(["hello"]));
      assert.equal(timedOut.reason, "timeout");
      assert.match(timedOut.message, /did not answer within 200 ms/);
      const controller = new AbortController();
      const pending = embedder().embed(["hello"], controller.signal);
      controller.abort();
      assert.equal((await rejection(pending)).reason, "aborted");
    } finally {
      server.hang(false);
    }
  });

  test("an endpoint that is not listening is a network failure", async () => {
    const gone = await startFixtureEmbeddingServer();
    await gone.close();
    const error = await rejection(createOpenAiEmbedder({ url: gone.url, model: "m", ...configured }).embed(["hello"]));
    assert.equal(error.reason, "network");
    assert.match(error.message, /unreachable: ECONNREFUSED/);
  });
});

const tool = (id: string, description: string, version = 1): SemanticDocument => ({
  id,
  hash: `${id}#${version}`,
  text: `${id.split("__")[1]?.replaceAll("_", " ")}: ${description}`,
});

const TOOLS = [
  tool("fs__read_file", "Read the complete contents of a file from the file system"),
  tool("fs__write_file", "Create a new file or overwrite an existing file with new content"),
  tool("fs__list_directory", "List the files and directories in a directory"),
  tool("weather__get_forecast", "Get the weather forecast for a city"),
  tool("market__stock_quote", "Current stock price of a ticker symbol"),
  tool("memory__create_entities", "Create entities in the knowledge graph"),
];

describe("semantic index on the SQLite store", () => {
  test("a restarted gateway embeds nothing again; a changed definition is embedded alone", async () => {
    const file = join(dir, "state.db");
    const first = await createSqliteEmbeddingStore(file);
    const index = createSemanticIndex({ embedder: embedder({ batchSize: 4 }), store: first, events: silent });
    const texts = server.stats.texts.length;
    await index.sync(TOOLS);
    assert.equal(server.stats.texts.length - texts, TOOLS.length);
    await index.close();
    await first.close();

    const reopened = await createSqliteEmbeddingStore(file);
    const restarted = createSemanticIndex({ embedder: embedder({ batchSize: 4 }), store: reopened, events: silent });
    const requests = server.stats.requests;
    await restarted.sync(TOOLS);
    assert.equal(server.stats.requests, requests, "no embedding request after the restart");
    assert.equal(restarted.status().state, "ready");
    const hits = await restarted.rank("get the weather forecast for Paris", 3);
    assert.equal(hits[0]?.id, "weather__get_forecast");
    assert.equal(server.stats.texts.at(-1), "get the weather forecast for Paris");

    const changed = tool("market__stock_quote", "Current and historical stock prices of a ticker symbol", 2);
    await restarted.sync([...TOOLS.slice(0, 4), changed, TOOLS[5] as SemanticDocument]);
    assert.deepEqual(server.stats.texts.slice(-1), [changed.text]);
    await restarted.close();
    await reopened.close();
  });

  test("an endpoint failing leaves the index degraded with semantic results absent, then it recovers", async () => {
    const index = createSemanticIndex({ embedder: embedder(), events: silent });
    server.fail(503, '{"error":{"message":"unavailable"}}');
    await index.sync(TOOLS);
    assert.equal(index.status().state, "degraded");
    assert.match(index.status().lastError ?? "", /answered 503/);
    const lexical = ["fs__read_file", "fs__write_file"];
    const semantic = await index.rank("read a file", 5);
    assert.equal(semantic.length, 0);
    assert.deepEqual(rrf([lexical, semantic.map((hit) => hit.id)]), lexical, "the lexical ranking stands alone");
    await index.sync(TOOLS);
    assert.equal(index.status().state, "ready");
    assert.equal((await index.rank("read a file", 1))[0]?.id, "fs__read_file");
    server.fail(503, '{"error":{"message":"unavailable"}}');
    assert.deepEqual(await index.rank("list a directory", 1), [], "a query that cannot be embedded finds nothing");
    assert.equal(index.status().state, "degraded");
    assert.equal((await index.rank("list a directory", 1))[0]?.id, "fs__list_directory");
    assert.equal(index.status().state, "ready");
    await index.close();
  });
});

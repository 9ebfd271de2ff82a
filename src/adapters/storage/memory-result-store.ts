// The ResultStore port in process memory: bounded by count and bytes, TTL-expiring.
import { LRUCache } from "lru-cache";
import type { Clock } from "../../ports/clock.ts";
import type { ResultStore } from "../../ports/result-store.ts";

export const DEFAULT_MAX_RESULTS = 1_000;
export const DEFAULT_RESULTS_MAX_BYTES = 128 * 1024 * 1024;

export interface MemoryResultStoreOptions {
  /** Most results kept; past it the least recently used is forgotten. Default 1,000. */
  maxResults?: number;
  /** Most bytes kept (UTF-8 length of handles plus values); default 128 MiB. */
  maxBytes?: number;
  /** Time source for expiry; only tests replace it. */
  clock?: Pick<Clock, "now">;
}

export function createMemoryResultStore(options: MemoryResultStoreOptions = {}): ResultStore {
  const maxBytes = options.maxBytes ?? DEFAULT_RESULTS_MAX_BYTES;
  const results = new LRUCache<string, string>({
    max: options.maxResults ?? DEFAULT_MAX_RESULTS,
    maxSize: maxBytes,
    sizeCalculation: (value, handle) => sizeOf(handle, value),
    ...(options.clock ? { perf: options.clock } : {}),
  });
  return {
    async put(handle, value, ttlMs) {
      // Unlike a cache miss, a result that silently vanished would break paging: refuse it out loud instead.
      const bytes = sizeOf(handle, value);
      if (bytes > maxBytes) throw new RangeError(`result of ${bytes} bytes exceeds the store's ${maxBytes} bytes`);
      results.set(handle, value, { ttl: Math.max(1, Math.ceil(ttlMs)) });
    },
    async get(handle) {
      return results.get(handle);
    },
    async delete(handle) {
      results.delete(handle);
    },
    async close() {
      results.clear();
    },
  };
}

function sizeOf(handle: string, value: string): number {
  return Math.max(1, Buffer.byteLength(handle) + Buffer.byteLength(value));
}

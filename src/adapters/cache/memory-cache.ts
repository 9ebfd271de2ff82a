// The Cache port in process memory: an LRU bounded by entry count and by bytes, with a TTL per entry.
import { LRUCache } from "lru-cache";
import type { Cache, CacheStats } from "../../ports/cache.ts";
import type { Clock } from "../../ports/clock.ts";

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used go first. */
  maxEntries: number;
  /** Most bytes kept (UTF-8 length of keys plus values). A larger value is simply not cached. */
  maxBytes: number;
  /** Time source for expiry; only tests replace it. */
  clock?: Pick<Clock, "now">;
}

export function createMemoryCache(options: MemoryCacheOptions): Cache {
  const entries = new LRUCache<string, string>({
    max: options.maxEntries,
    maxSize: options.maxBytes,
    // Bytes as Redis would store them: a fair, cheap measure, and the same budget whichever adapter is used.
    sizeCalculation: (value, key) => Math.max(1, Buffer.byteLength(key) + Buffer.byteLength(value)),
    ...(options.clock ? { perf: options.clock } : {}),
  });
  const counts: CacheStats = { hits: 0, misses: 0 };
  return {
    async get(key) {
      const value = entries.get(key);
      if (value === undefined) counts.misses++;
      else counts.hits++;
      return value;
    },
    async set(key, value, ttlMs) {
      // lru-cache wants a positive integer; a value too large for the budget replaces (deletes) the old one.
      entries.set(key, value, { ttl: Math.max(1, Math.ceil(ttlMs)) });
    },
    async delete(key) {
      entries.delete(key);
    },
    stats: () => ({ ...counts }),
    async close() {
      entries.clear();
    },
  };
}

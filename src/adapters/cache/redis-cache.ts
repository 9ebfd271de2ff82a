// The Cache port on Redis: `<prefix>cache:<key>` string values with PX expiry; hits and misses counted here.
import type { Cache, CacheStats } from "../../ports/cache.ts";
import { type RedisStoreOptions, toPxMs } from "../redis/connection.ts";

/** The connection belongs to its creator (it is shared): `close()` leaves it open. */
export function createRedisCache(options: RedisStoreOptions): Cache {
  const { redis } = options;
  const keyOf = (key: string) => `${options.prefix}cache:${key}`;
  // Per process, like the memory cache: metrics are scraped per replica.
  const counts: CacheStats = { hits: 0, misses: 0 };
  return {
    async get(key) {
      const value = await redis.get(keyOf(key));
      if (value === null) {
        counts.misses++;
        return undefined;
      }
      counts.hits++;
      return value;
    },
    async set(key, value, ttlMs) {
      await redis.set(keyOf(key), value, "PX", toPxMs(ttlMs));
    },
    async delete(key) {
      await redis.del(keyOf(key));
    },
    stats: () => ({ ...counts }),
    async close() {},
  };
}

// The ResultStore port on Redis: `<prefix>result:<handle>` string values with PX expiry, readable by every replica.
import type { ResultStore } from "../../ports/result-store.ts";
import { type RedisStoreOptions, toPxMs } from "../redis/connection.ts";

/** The connection belongs to its creator (it is shared): `close()` leaves it open. */
export function createRedisResultStore(options: RedisStoreOptions): ResultStore {
  const { redis } = options;
  const keyOf = (handle: string) => `${options.prefix}result:${handle}`;
  return {
    async put(handle, value, ttlMs) {
      await redis.set(keyOf(handle), value, "PX", toPxMs(ttlMs));
    },
    async get(handle) {
      return (await redis.get(keyOf(handle))) ?? undefined;
    },
    async delete(handle) {
      await redis.del(keyOf(handle));
    },
    async close() {},
  };
}

// The SessionStore port on Redis: `<prefix>session:<id>` JSON records with PX expiry, so any replica can serve them.
import type { SessionRecord, SessionStore } from "../../ports/session-store.ts";
import { type RedisStoreOptions, toPxMs } from "../redis/connection.ts";

/** The connection belongs to its creator (it is shared): `close()` leaves it open. */
export function createRedisSessionStore(options: RedisStoreOptions): SessionStore {
  const { redis } = options;
  const keyOf = (id: string) => `${options.prefix}session:${id}`;
  return {
    async put(record, ttlMs) {
      await redis.set(keyOf(record.id), JSON.stringify(record), "PX", toPxMs(ttlMs));
    },
    async get(id) {
      const json = await redis.get(keyOf(id));
      return json === null ? undefined : decode(json);
    },
    async delete(id) {
      await redis.del(keyOf(id));
    },
    async close() {},
  };
}

/** JSON drops `undefined` fields; the record comes back with every field present, as it was put. */
function decode(json: string): SessionRecord | undefined {
  let raw: Partial<SessionRecord>;
  try {
    raw = JSON.parse(json) as Partial<SessionRecord>;
  } catch {
    return undefined; // unreadable (written by something else): the session is unknown, the client starts anew
  }
  if (typeof raw.id !== "string" || typeof raw.endpoint !== "string" || typeof raw.createdAt !== "string") {
    return undefined;
  }
  return {
    id: raw.id,
    endpoint: raw.endpoint,
    protocolVersion: raw.protocolVersion ?? undefined,
    clientInfo: raw.clientInfo ?? undefined,
    clientCapabilities: raw.clientCapabilities ?? undefined,
    logLevel: raw.logLevel ?? undefined,
    createdAt: raw.createdAt,
  };
}

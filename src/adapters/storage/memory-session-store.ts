// The SessionStore port in process memory: bounded by count (least recently used evicted first), TTL-expiring.
import { LRUCache } from "lru-cache";
import type { Clock } from "../../ports/clock.ts";
import type { SessionRecord, SessionStore } from "../../ports/session-store.ts";

export interface MemorySessionStoreOptions {
  /** Most sessions kept; past it the least recently used is forgotten (its client gets 404). */
  maxSessions: number;
  /** Time source for expiry; only tests replace it. */
  clock?: Pick<Clock, "now">;
}

export function createMemorySessionStore(options: MemorySessionStoreOptions): SessionStore {
  const records = new LRUCache<string, SessionRecord>({
    max: options.maxSessions,
    ...(options.clock ? { perf: options.clock } : {}),
  });
  return {
    async put(record, ttlMs) {
      // Copies in and out, so callers see the same value semantics as with a shared store.
      records.set(record.id, structuredClone(record), { ttl: Math.max(1, Math.ceil(ttlMs)) });
    },
    async get(id) {
      const record = records.get(id);
      return record === undefined ? undefined : structuredClone(record);
    },
    async delete(id) {
      records.delete(id);
    },
    async close() {
      records.clear();
    },
  };
}

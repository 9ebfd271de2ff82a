// Degradation: Cache, SessionStore and ResultStore that use Redis while it is reachable and this replica's memory
// while it is not, going back to Redis by themselves when it returns.
//
// What a Redis outage costs (nothing crashes; calls keep succeeding against memory):
// - What lives in Redis is out of reach: sessions created on other replicas (their clients get 404 here and must
//   initialize again), results paged from other replicas, and everything this replica wrote before the outage
//   (cache entries become misses and are recomputed; its own sessions and result handles are unknown).
// - Writes during the outage are memory-only on this replica: other replicas never see them, a restart of this
//   process loses them, and the memory adapters' bounds (LRU) may evict them in a long outage.
// - Deletes during the outage reach memory only: if Redis kept its data (a partition rather than a restart), an
//   ended session or dropped result is visible again afterwards until its TTL runs out.
// - A Redis that restarts without persistence has lost everything, for every replica.
// After recovery a Redis miss falls through to memory, so this replica still serves what it wrote during the
// outage; the next write of such a key moves it to Redis (and drops the memory copy).
import type { Redis } from "ioredis";
import type { Cache, CacheStats } from "../../ports/cache.ts";
import type { Logger } from "../../ports/logger.ts";
import type { ResultStore } from "../../ports/result-store.ts";
import type { SessionStore } from "../../ports/session-store.ts";

/**
 * - `healthy`: the Redis connection is ready; state goes to Redis.
 * - `degraded`: Redis is unreachable (connecting, reconnecting or closed); state goes to this replica's memory.
 */
export type StateHealth = "healthy" | "degraded";

export type WithStatus<T> = T & { status(): StateHealth };

export interface FallbackOptions<T> {
  /** The Redis adapter. */
  primary: T;
  /** The in-memory adapter used while Redis is unreachable (and for keys written then). */
  memory: T;
  /** The shared connection, whose state decides the route. */
  connection: Pick<Redis, "status">;
  logger: Logger;
}

export function cacheWithFallback(options: FallbackOptions<Cache>): WithStatus<Cache> {
  const { primary, memory } = options;
  const route = createRoute(options);
  const counts: CacheStats = { hits: 0, misses: 0 };
  return {
    async get(key) {
      const value = await route.read(
        () => primary.get(key),
        () => memory.get(key),
      );
      if (value === undefined) counts.misses++;
      else counts.hits++;
      return value;
    },
    set: (key, value, ttlMs) =>
      route.write(
        () => primary.set(key, value, ttlMs),
        () => memory.set(key, value, ttlMs),
        () => memory.delete(key),
      ),
    delete: (key) =>
      route.remove(
        () => primary.delete(key),
        () => memory.delete(key),
      ),
    stats: () => ({ ...counts }),
    close: () => closeBoth(primary, memory),
    status: route.status,
  };
}

export function sessionStoreWithFallback(options: FallbackOptions<SessionStore>): WithStatus<SessionStore> {
  const { primary, memory } = options;
  const route = createRoute(options);
  return {
    get: (id) =>
      route.read(
        () => primary.get(id),
        () => memory.get(id),
      ),
    put: (record, ttlMs) =>
      route.write(
        () => primary.put(record, ttlMs),
        () => memory.put(record, ttlMs),
        () => memory.delete(record.id),
      ),
    delete: (id) =>
      route.remove(
        () => primary.delete(id),
        () => memory.delete(id),
      ),
    close: () => closeBoth(primary, memory),
    status: route.status,
  };
}

export function resultStoreWithFallback(options: FallbackOptions<ResultStore>): WithStatus<ResultStore> {
  const { primary, memory } = options;
  const route = createRoute(options);
  return {
    get: (handle) =>
      route.read(
        () => primary.get(handle),
        () => memory.get(handle),
      ),
    put: (handle, value, ttlMs) =>
      route.write(
        () => primary.put(handle, value, ttlMs),
        () => memory.put(handle, value, ttlMs),
        () => memory.delete(handle),
      ),
    delete: (handle) =>
      route.remove(
        () => primary.delete(handle),
        () => memory.delete(handle),
      ),
    close: () => closeBoth(primary, memory),
    status: route.status,
  };
}

type Op<T> = () => Promise<T>;

/** The one routing rule all three wrappers share. A failed Redis call is answered from memory, never thrown. */
function createRoute(options: FallbackOptions<unknown>) {
  const healthy = () => options.connection.status === "ready";
  // A call caught by a disconnect is already told by the connection's own log line; one failing on a live
  // connection (a timeout, an error reply) is news.
  const failed = (error: unknown) =>
    options.logger[healthy() ? "warn" : "debug"]({ err: error }, "redis call failed; answered from memory instead");
  return {
    status: (): StateHealth => (healthy() ? "healthy" : "degraded"),
    async read<T>(fromRedis: Op<T | undefined>, fromMemory: Op<T | undefined>): Promise<T | undefined> {
      if (!healthy()) return fromMemory();
      try {
        return (await fromRedis()) ?? (await fromMemory());
      } catch (error) {
        failed(error);
        return fromMemory();
      }
    },
    async write(toRedis: Op<void>, toMemory: Op<void>, forgetMemory: Op<void>): Promise<void> {
      if (!healthy()) return toMemory();
      try {
        await toRedis();
      } catch (error) {
        failed(error);
        return toMemory();
      }
      // Reads fall through to memory on a Redis miss: an outage-era copy left there would reappear once the Redis
      // copy expires or is deleted by another replica.
      await forgetMemory();
    },
    async remove(fromRedis: Op<void>, fromMemory: Op<void>): Promise<void> {
      await fromMemory();
      if (!healthy()) return;
      try {
        await fromRedis();
      } catch (error) {
        failed(error);
      }
    },
  };
}

async function closeBoth(primary: { close(): Promise<void> }, memory: { close(): Promise<void> }): Promise<void> {
  await Promise.all([primary.close(), memory.close()]);
}

// Redis going away under load: the fallback-wrapped stores keep answering from memory, report "degraded", and go
// back to Redis when it returns. Uses its own redis-server on a free port (never the machine's shared one).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as delay, setImmediate as yieldToEventLoop } from "node:timers/promises";
import { Redis } from "ioredis";
import { createMemoryCache } from "../src/adapters/cache/memory-cache.ts";
import { createRedisCache } from "../src/adapters/cache/redis-cache.ts";
import { createPinoLogger } from "../src/adapters/observability/pino-logger.ts";
import { closeRedisConnection, createRedisConnection, redisReady } from "../src/adapters/redis/connection.ts";
import {
  cacheWithFallback,
  resultStoreWithFallback,
  sessionStoreWithFallback,
} from "../src/adapters/redis/fallback.ts";
import { createMemoryResultStore } from "../src/adapters/storage/memory-result-store.ts";
import { createMemorySessionStore } from "../src/adapters/storage/memory-session-store.ts";
import { createRedisResultStore } from "../src/adapters/storage/redis-result-store.ts";
import { createRedisSessionStore } from "../src/adapters/storage/redis-session-store.ts";
import type { SessionRecord } from "../src/ports/session-store.ts";
import { CACHE_LIMITS, MAX_SESSIONS } from "./helpers/config-defaults.ts";
import {
  freePort,
  killRedisServers,
  recordCrashes,
  startRedisServer,
  stopRedisServer,
} from "./helpers/redis-server.ts";

const logger = createPinoLogger({ level: (process.env.TEST_LOG_LEVEL as "info") ?? "silent", json: false });
const PREFIX = "degradation:";
const TTL_MS = 60_000;

after(killRedisServers);

test("Redis dies under load and comes back: no crash, degraded on memory, healthy on Redis again", async (t) => {
  const crashes = recordCrashes(t);

  const dir = await mkdtemp(join(tmpdir(), "switchboard-redis-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  let server = await startRedisServer(port, dir);

  const redis = createRedisConnection({
    url: `redis://127.0.0.1:${port}`,
    logger,
    commandTimeoutMs: 500,
    maxReconnectDelayMs: 200,
  });
  t.after(() => closeRedisConnection(redis));
  await redisReady(redis, 5_000);
  const stores = createStores(redis);
  t.after(() => Promise.all([stores.cache.close(), stores.sessions.close(), stores.results.close()]));
  assert.deepEqual(statuses(stores), ["healthy", "healthy", "healthy"]);

  const load = startLoad(stores);
  t.after(load.stop); // a failed assertion must not leave the workers spinning
  await waitFor(() => load.counts.healthy >= 200, 10_000, "load on a healthy Redis");

  await stopRedisServer(server, "SIGKILL");
  await waitFor(() => statuses(stores).every((s) => s === "degraded"), 5_000, "status degraded");
  const degradedBefore = load.counts.degraded;
  await waitFor(() => load.counts.degraded >= degradedBefore + 200, 10_000, "load while degraded");

  // Read-your-writes on this replica holds during the outage (memory).
  await stores.cache.set("outage", "memory-only", TTL_MS);
  assert.equal(await stores.cache.get("outage"), "memory-only");

  server = await startRedisServer(port, dir);
  await waitFor(() => statuses(stores).every((s) => s === "healthy"), 10_000, "status healthy again");
  const healthyBefore = load.counts.healthy;
  await waitFor(() => load.counts.healthy >= healthyBefore + 200, 10_000, "load on the returned Redis");
  await load.stop();

  assert.deepEqual(load.failures, [], "every operation succeeded");
  assert.deepEqual(crashes, [], "no unhandled rejection or uncaught exception");

  // New writes land in the (restarted, empty) Redis, as a separate client sees.
  await stores.cache.set("after", "in-redis", TTL_MS);
  await stores.sessions.put(session("after"), TTL_MS);
  await stores.results.put("after", "result-in-redis", TTL_MS);
  const checker = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 1 });
  t.after(() => (checker.status === "end" ? undefined : checker.disconnect()));
  await checker.connect();
  assert.equal(await checker.get(`${PREFIX}cache:after`), "in-redis");
  assert.equal(JSON.parse((await checker.get(`${PREFIX}session:after`)) ?? "null")?.id, "after");
  assert.equal(await checker.get(`${PREFIX}result:after`), "result-in-redis");

  // What was written during the outage stayed on this replica only, still readable here.
  assert.equal(await checker.get(`${PREFIX}cache:outage`), null);
  assert.equal(await stores.cache.get("outage"), "memory-only");
  // Writing it again moves it to Redis; the memory copy goes, so it cannot reappear once Redis drops the key.
  await stores.cache.set("outage", "moved", TTL_MS);
  assert.equal(await checker.get(`${PREFIX}cache:outage`), "moved");
  await checker.del(`${PREFIX}cache:outage`);
  assert.equal(await stores.cache.get("outage"), undefined);

  await checker.quit();
  await Promise.all([stores.cache.close(), stores.sessions.close(), stores.results.close()]);
  await closeRedisConnection(redis);
  await stopRedisServer(server, "SIGTERM");
});

type Stores = ReturnType<typeof createStores>;

function createStores(redis: Redis) {
  const shared = { connection: redis, logger };
  return {
    cache: cacheWithFallback({
      ...shared,
      primary: createRedisCache({ redis, prefix: PREFIX }),
      memory: createMemoryCache(CACHE_LIMITS),
    }),
    sessions: sessionStoreWithFallback({
      ...shared,
      primary: createRedisSessionStore({ redis, prefix: PREFIX }),
      memory: createMemorySessionStore({ maxSessions: MAX_SESSIONS }),
    }),
    results: resultStoreWithFallback({
      ...shared,
      primary: createRedisResultStore({ redis, prefix: PREFIX }),
      memory: createMemoryResultStore(),
    }),
  };
}

const statuses = (stores: Stores) => [stores.cache.status(), stores.sessions.status(), stores.results.status()];

/** Four workers writing and reading all three stores until stopped; counts rounds by the status they began in. */
function startLoad(stores: Stores) {
  const counts = { healthy: 0, degraded: 0 };
  const failures: unknown[] = [];
  let stopped = false;
  const deadline = Date.now() + 60_000; // bounded even if nobody calls stop()
  const worker = async (w: number) => {
    for (let i = 0; !stopped && Date.now() < deadline; i++) {
      const status = stores.cache.status();
      const key = `load-${w}-${i % 500}`;
      try {
        await Promise.all([
          stores.cache.set(key, `v${i}`, TTL_MS),
          stores.sessions.put(session(key), TTL_MS),
          stores.results.put(key, `r${i}`, TTL_MS),
        ]);
        await Promise.all([stores.cache.get(key), stores.sessions.get(key), stores.results.get(key)]);
        counts[status]++;
      } catch (error) {
        failures.push(error);
      }
      // Memory answers in microtasks only; let timers and sockets run.
      await yieldToEventLoop();
    }
  };
  const running = Promise.all([0, 1, 2, 3].map(worker));
  return {
    counts,
    failures,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

function session(id: string): SessionRecord {
  return {
    id,
    endpoint: "aggregate",
    protocolVersion: "2025-11-25",
    clientInfo: { name: "load", version: "1" },
    clientCapabilities: {},
    logLevel: undefined,
    createdAt: new Date().toISOString(),
  };
}

async function waitFor(condition: () => boolean, limitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out after ${limitMs} ms waiting for: ${what}`);
    await delay(20);
  }
}

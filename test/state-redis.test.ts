// The state contracts against a real Redis (SWITCHBOARD_TEST_REDIS_URL, default 127.0.0.1:6379), bare and behind the memory
// fallback. Every run writes under its own random prefix and deletes its keys afterwards. No Redis is a failure,
// not a skip: CI starts one.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import type { Redis } from "ioredis";
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
import { cacheContract } from "./contracts/cache.contract.ts";
import { resultStoreContract } from "./contracts/result-store.contract.ts";
import { sessionStoreContract } from "./contracts/session-store.contract.ts";
import { CACHE_LIMITS, MAX_SESSIONS } from "./helpers/config-defaults.ts";

const url = process.env.SWITCHBOARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const logger = createPinoLogger({ level: (process.env.TEST_LOG_LEVEL as "info") ?? "silent", json: false });
const runPrefix = `switchboard-test:${randomBytes(6).toString("hex")}:`;
const redis = createRedisConnection({ url, logger });

before(() => redisReady(redis, 5_000));

after(async () => {
  try {
    await deleteByPrefix(redis, runPrefix);
    assert.deepEqual(await keysUnder(redis, runPrefix), [], "the run left keys behind");
  } finally {
    await closeRedisConnection(redis);
  }
});

/** A store under `<run prefix><variant>:<namespace>:`, whose cleanup deletes exactly those keys. */
function namespaced<T extends { close(): Promise<void> }>(variant: string, build: (prefix: string) => T) {
  return async (namespace: string) => {
    const prefix = `${runPrefix}${variant}:${namespace}:`;
    const store = build(prefix);
    return {
      store,
      cleanup: async () => {
        await store.close();
        await deleteByPrefix(redis, prefix);
      },
    };
  };
}

cacheContract(
  "redis",
  namespaced("bare", (prefix) => createRedisCache({ redis, prefix })),
);
sessionStoreContract(
  "redis",
  namespaced("bare", (prefix) => createRedisSessionStore({ redis, prefix })),
);
resultStoreContract(
  "redis",
  namespaced("bare", (prefix) => createRedisResultStore({ redis, prefix })),
);

const wrapped = { connection: redis, logger };
cacheContract(
  "redis with memory fallback",
  namespaced("fallback", (prefix) =>
    cacheWithFallback({
      ...wrapped,
      primary: createRedisCache({ redis, prefix }),
      memory: createMemoryCache(CACHE_LIMITS),
    }),
  ),
);
sessionStoreContract(
  "redis with memory fallback",
  namespaced("fallback", (prefix) =>
    sessionStoreWithFallback({
      ...wrapped,
      primary: createRedisSessionStore({ redis, prefix }),
      memory: createMemorySessionStore({ maxSessions: MAX_SESSIONS }),
    }),
  ),
);
resultStoreContract(
  "redis with memory fallback",
  namespaced("fallback", (prefix) =>
    resultStoreWithFallback({
      ...wrapped,
      primary: createRedisResultStore({ redis, prefix }),
      memory: createMemoryResultStore(),
    }),
  ),
);

async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${escapeGlob(prefix)}*`, "COUNT", 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found;
}

async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(client, prefix);
  if (keys.length > 0) await client.del(...keys);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

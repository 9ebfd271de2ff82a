// Rate limits shared through Redis: the RateLimiter contract on the Redis adapter (alone and behind its
// fallback), two `switchboard serve` processes enforcing one per-client and one global limit together
// (SWITCHBOARD_TEST_REDIS_URL, own key prefix per run), and a private redis-server that dies and comes back
// while calls keep being answered under limits this replica enforces alone.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { createPinoLogger } from "../src/adapters/observability/pino-logger.ts";
import { rateLimiterWithFallback } from "../src/adapters/rate-limit/fallback-rate-limiter.ts";
import { createMemoryRateLimiter } from "../src/adapters/rate-limit/memory-rate-limiter.ts";
import { createRedisRateLimiter } from "../src/adapters/rate-limit/redis-rate-limiter.ts";
import { closeRedisConnection, createRedisConnection, redisReady } from "../src/adapters/redis/connection.ts";
import { hashCredential } from "../src/fronts/http/client-key.ts";
import { systemClock } from "../src/ports/clock.ts";
import { rateLimiterContract } from "./contracts/rate-limiter.contract.ts";
import { type ServeProcess, startServe, writeConfig } from "./helpers/cli-process.ts";
import { MAX_CLIENT_BUCKETS } from "./helpers/config-defaults.ts";
import { callTool, fixtureServer, startTestGateway, type TestGateway, tempDir, waitUntil } from "./helpers/gateway.ts";
import {
  freePort,
  killRedisServers,
  recordCrashes,
  startRedisServer,
  stopRedisServer,
} from "./helpers/redis-server.ts";

const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const RUN = `sb-ratelimit-${randomBytes(4).toString("hex")}`;
const logger = createPinoLogger({ level: "silent", json: true });
const SERVERS = { fixture: fixtureServer() };
const ECHO = "fixture__echo";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

after(killRedisServers);
after(async () => {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${RUN}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const shared = createRedisConnection({ url: REDIS_URL, logger });
after(() => closeRedisConnection(shared));

rateLimiterContract("redis", async (limits, namespace) => {
  await redisReady(shared, 5_000);
  return {
    limiter: createRedisRateLimiter({ redis: shared, limits, prefix: `${RUN}:contract:${namespace}:` }),
    cleanup: async () => {},
  };
});

rateLimiterContract("redis behind its fallback", async (limits, namespace) => {
  await redisReady(shared, 5_000);
  return {
    limiter: rateLimiterWithFallback({
      primary: createRedisRateLimiter({ redis: shared, limits, prefix: `${RUN}:fallback:${namespace}:` }),
      memory: createMemoryRateLimiter({ limits, clock: systemClock, maxClients: MAX_CLIENT_BUCKETS }),
      connection: shared,
      logger,
    }),
    cleanup: async () => {},
  };
});

describe("two gateway processes sharing Redis", () => {
  const prefix = `${RUN}:serve:`;
  const dirs = [tempDir("switchboard-ratelimit-a-"), tempDir("switchboard-ratelimit-b-")];
  const serves: ServeProcess[] = [];
  before(async () => {
    const gateway = {
      redis: { url: REDIS_URL, keyPrefix: prefix },
      // Slow refill: nothing comes back during the test.
      // Clients here are told apart by their credential (the default key is the address).
      rateLimit: {
        perMinute: 1,
        burst: 3,
        global: { perMinute: 1, burst: 5 },
        clientKey: { header: "authorization" },
      },
    };
    for (const dir of dirs) serves.push(await startServe(writeConfig(dir, SERVERS, gateway)));
  });
  after(async () => {
    for (const serve of serves) {
      if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill("SIGTERM");
      await serve.exited;
    }
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("a client's limit and the global limit hold across both processes", async () => {
    const [a, b] = serves.map((serve) => serve.url) as [string, string];
    const status = async (url: string, token: string) => (await callTool(url, ECHO, {}, bearer(token))).status;
    // Client "alpha" spends its 3 tokens across both processes; the 4th is refused on either.
    assert.deepEqual([await status(a, "alpha"), await status(b, "alpha"), await status(a, "alpha")], [200, 200, 200]);
    const refused = await callTool(b, ECHO, {}, bearer("alpha"));
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.data.scope, "client");
    assert.ok(Number(refused.headers.get("retry-after")) > 0);
    assert.equal(await status(a, "alpha"), 429);
    // "beta" has its own bucket, but only 2 of the 5 global tokens are left.
    assert.deepEqual([await status(b, "beta"), await status(a, "beta")], [200, 200]);
    const global = await callTool(a, ECHO, {}, bearer("gamma"));
    assert.equal(global.status, 429);
    assert.equal(global.body.error.data.scope, "global");
    assert.equal(await status(b, "gamma"), 429);

    const redis = new Redis(REDIS_URL);
    try {
      const keys = (await redis.keys(`${prefix}ratelimit:*`)).sort();
      assert.deepEqual(keys, [
        `${prefix}ratelimit:client:h:${hashCredential("Bearer alpha")}`,
        `${prefix}ratelimit:client:h:${hashCredential("Bearer beta")}`,
        `${prefix}ratelimit:global`,
      ]);
      assert.ok((await redis.pttl(`${prefix}ratelimit:global`)) > 0, "buckets expire");
    } finally {
      await redis.quit();
    }
    for (const serve of serves) assert.ok(!/alpha|beta|gamma/.test(serve.stderr()), "no credential in the logs");
  });
});

describe("Redis going away", () => {
  let gw: TestGateway | undefined;
  after(() => gw?.close());

  it("calls keep being answered under per-replica limits, and limits are shared again when Redis returns", async (t) => {
    const crashes = recordCrashes(t);
    const dir = await mkdtemp(join(tmpdir(), "switchboard-ratelimit-redis-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    let server = await startRedisServer(port, dir);
    const prefix = `${RUN}:outage:`;
    gw = await startTestGateway(SERVERS, {
      gateway: {
        redis: { url: `redis://127.0.0.1:${port}`, keyPrefix: prefix },
        rateLimit: { perMinute: 1, burst: 3, clientKey: { header: "authorization" } },
      },
    });
    const connection = gw.gateway.state.redis as Redis;
    const checker = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 1 });
    t.after(() => checker.disconnect());
    const clientKey = (token: string) => `${prefix}ratelimit:client:h:${hashCredential(`Bearer ${token}`)}`;
    const statuses = async (token: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await callTool(gw?.url as string, ECHO, {}, bearer(token))).status);
      return out;
    };

    assert.deepEqual(await statuses("alpha", 2), [200, 200]);
    assert.equal(await checker.exists(clientKey("alpha")), 1, "the bucket is in Redis");

    await stopRedisServer(server, "SIGKILL");
    checker.disconnect();
    // Every call is answered: this replica's own buckets take over (fresh, so alpha has 3 again here).
    assert.deepEqual(await statuses("alpha", 5), [200, 200, 200, 429, 429]);
    assert.notEqual(connection.status, "ready");

    server = await startRedisServer(port, dir);
    await waitUntil(() => connection.status === "ready", 10_000);
    // The restarted Redis (no persistence) starts with full buckets, shared again.
    assert.deepEqual(await statuses("alpha", 4), [200, 200, 200, 429]);
    await checker.connect();
    assert.equal(await checker.exists(clientKey("alpha")), 1, "the bucket is back in Redis");
    assert.deepEqual(crashes, [], "no unhandled rejection or uncaught exception");
    await gw.close();
    gw = undefined;
    await stopRedisServer(server, "SIGTERM");
  });
});

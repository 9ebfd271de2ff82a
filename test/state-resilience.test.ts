// State under failure, with real processes: what GET /audit acknowledged (and the registry learned) survives a
// kill -9 of the gateway on SQLite and on PostgreSQL; a PostgreSQL outage leaves the catalog and calls working,
// reports itself and loses no audit record; Redis killed and restarted under load costs no call.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, type TestContext, test } from "node:test";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { Redis } from "ioredis";
import { createPostgresRegistryStore } from "../src/adapters/storage/postgres/pg-registry-store.ts";
import { createSqliteRegistryStore } from "../src/adapters/storage/sqlite/sqlite-registry-store.ts";
import type { AuditRecord } from "../src/ports/audit-log.ts";
import type { RegistryStore } from "../src/ports/registry-store.ts";
import { describeRun, reapRecordedChildren, runCli, waitGone } from "./helpers/cli.ts";
import { startServe, writeConfig } from "./helpers/cli-process.ts";
import {
  callTool,
  fixtureServer,
  openSession,
  post,
  request,
  resultText,
  startTestGateway,
  tempDir,
  waitUntil,
} from "./helpers/gateway.ts";
import { POOL_DEFAULTS, testDatabases } from "./helpers/postgres.ts";
import {
  freePort,
  killRedisServers,
  recordCrashes,
  startRedisServer,
  stopRedisServer,
} from "./helpers/redis-server.ts";
import { startTcpProxy } from "./helpers/tcp-proxy.ts";

const CALLS = 20;
const databases = testDatabases();
after(async () => {
  killRedisServers();
  await databases.dropAll();
});

const getJson = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};
const health = async (url: string) => (await getJson(`${url}/health`)).body;

/** Polls GET /health until `check` accepts it; returns that report (or fails showing the last one). */
async function healthUntil(
  url: string,
  check: (report: Record<string, any>) => boolean,
  timeoutMs: number,
): Promise<Record<string, any>> {
  let report: Record<string, any> = {};
  await waitUntil(
    async () => {
      report = await health(url);
      return check(report);
    },
    timeoutMs,
    100,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last health: ${JSON.stringify(report)}`);
  });
  return report;
}

/** The aggregated tools/list of a gateway (stateless), sorted names. */
async function toolNames(url: string): Promise<string[]> {
  const reply = await post(`${url}/mcp`, request("tools/list"));
  assert.equal(reply.status, 200, reply.text);
  return (reply.body.result.tools as { name: string }[]).map((tool) => tool.name).sort();
}

/** Correlation ids of `ids` missing from `records`. */
const missing = (ids: readonly string[], records: readonly AuditRecord[]) => {
  const stored = new Set(records.map((record) => record.correlationId));
  return ids.filter((id) => !stored.has(id));
};

/** Makes one fx__echo call per id, concurrently, each carrying its id as X-Request-Id; all must succeed. */
async function echoCalls(url: string, ids: readonly string[]): Promise<void> {
  const replies = await Promise.all(
    ids.map((id) => callTool(url, "fx__echo", { message: id }, { "x-request-id": id })),
  );
  assert.deepEqual(replies.map(resultText), ids, "every call answered");
}

/** Polls GET /audit until every id is listed (a record GET /audit returns is durable). */
async function acknowledged(url: string, ids: readonly string[], timeoutMs = 10_000): Promise<AuditRecord[]> {
  let records: AuditRecord[] = [];
  await waitUntil(
    async () => {
      const reply = await getJson(`${url}/audit?limit=1000`);
      records = reply.status === 200 ? reply.body.records : [];
      return missing(ids, records).length === 0;
    },
    timeoutMs,
    100,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; not listed: ${missing(ids, records).join(", ")}`);
  });
  return records;
}

/**
 * Runs `switchboard serve` on a fresh state directory, makes CALLS calls, waits until GET /audit lists them and
 * the registry holds the fixture's tools, SIGKILLs the gateway and reads both back from the store it left.
 */
async function killNineKeepsAcknowledgedWrites(
  t: TestContext,
  label: string,
  gateway: Record<string, unknown>,
  openRegistry: (stateDir: string) => Promise<RegistryStore>,
): Promise<void> {
  const dir = tempDir(`switchboard-kill9-${label}-`);
  const stateDir = join(dir, "state");
  const config = writeConfig(dir, { fx: fixtureServer() }, gateway);
  t.after(() => {
    reapRecordedChildren(stateDir);
    rmSync(dir, { recursive: true, force: true });
  });
  const serve = await startServe(config);
  t.after(() => {
    if (serve.child.exitCode === null && serve.child.signalCode === null)
      process.kill(serve.child.pid as number, "SIGKILL");
  });

  const ids = Array.from({ length: CALLS }, (_, i) => `kill9-${label}-${i}`);
  await echoCalls(serve.url, ids);
  // The server's tools (the gateway's own read_result is listed beside them).
  const tools = (await toolNames(serve.url)).filter((name) => name !== "read_result");
  assert.ok(tools.includes("fx__echo"), tools.join(", "));
  await acknowledged(serve.url, ids);
  await waitUntil(async () => {
    const { body } = await getJson(`${serve.url}/servers/fx/registry`);
    const learned = (body.items as { kind: string; key: string }[]).filter((item) => item.kind === "tool");
    return learned.length === tools.length;
  });
  const fixturePid = ((await getJson(`${serve.url}/servers`)).body as { name: string; pid: number | null }[]).find(
    (server) => server.name === "fx",
  )?.pid;
  assert.equal(typeof fixturePid, "number", "the fixture server runs");

  process.kill(serve.child.pid as number, "SIGKILL");
  assert.deepEqual(await serve.exited, { code: null, signal: "SIGKILL" });

  // With the gateway dead: the audit log straight from the configured store, the registry opened directly.
  const listed = await runCli(["audit", "--config", config, "--json", "--limit", "1000"]);
  assert.equal(listed.code, 0, describeRun(listed));
  const records = JSON.parse(listed.stdout) as AuditRecord[];
  assert.deepEqual(missing(ids, records), [], "every acknowledged record survived");
  for (const id of ids) {
    const record = records.find((r) => r.correlationId === id);
    assert.deepEqual([record?.server, record?.tool, record?.outcome], ["fx", "echo", "ok"], id);
  }
  const registry = await openRegistry(stateDir);
  try {
    const manifest = await registry.getManifest("fx");
    assert.ok(manifest, "the fixture's manifest survived");
    assert.deepEqual(manifest.tools.map((tool) => `fx__${tool.name}`).sort(), tools);
  } finally {
    await registry.close();
  }

  // A new gateway on the same state: the killed one's server process is gone (it exits when its stdin closes,
  // and the new gateway reaps what a dead owner left), and the records are still listed.
  const again = await startServe(config);
  t.after(() => {
    if (again.child.exitCode === null && again.child.signalCode === null)
      process.kill(again.child.pid as number, "SIGKILL");
  });
  await waitGone([fixturePid as number]);
  await acknowledged(again.url, ids);
  process.kill(again.child.pid as number, "SIGTERM");
  assert.equal((await again.exited).code, 0, again.stderr());
}

describe("kill -9 of the gateway keeps every acknowledged audit record and the registry", () => {
  test("SQLite (the default store in the state directory)", async (t) => {
    await killNineKeepsAcknowledgedWrites(t, "sqlite", {}, (stateDir) =>
      createSqliteRegistryStore(join(stateDir, "switchboard.db")),
    );
  });

  test("PostgreSQL (gateway.database.url)", async (t) => {
    const url = await databases.create("kill9");
    await killNineKeepsAcknowledgedWrites(t, "postgres", { database: { url } }, () =>
      createPostgresRegistryStore({ ...POOL_DEFAULTS, url }),
    );
  });
});

test("PostgreSQL outage while running: catalog and calls keep working, health and GET /audit say so, no record lost", async (t) => {
  const target = new URL(await databases.create("outage"));
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  t.after(() => proxy.close());
  const proxied = new URL(target.href);
  proxied.host = `127.0.0.1:${proxy.port}`;
  const gw = await startTestGateway(
    { fx: fixtureServer() },
    { gateway: { database: { url: proxied.href, connectTimeoutMs: 1000 } } },
  );
  t.after(() => gw.close());

  // Before the outage: the server starts, the catalog learns its tools, a call is recorded.
  await echoCalls(gw.url, ["outage-before"]);
  const tools = await toolNames(gw.url);
  assert.ok(tools.includes("fx__echo"));
  await acknowledged(gw.url, ["outage-before"]);
  const healthy = await health(gw.url);
  assert.equal(healthy.status, "healthy", JSON.stringify(healthy));
  assert.equal(healthy.dependencies.database.status, "up");

  await proxy.down();
  assert.deepEqual(await toolNames(gw.url), tools, "the catalog is served from what was learned");
  const during = Array.from({ length: 10 }, (_, i) => `outage-during-${i}`);
  await echoCalls(gw.url, during.slice(0, 5));

  const down = await health(gw.url);
  assert.equal(down.status, "degraded", JSON.stringify(down));
  assert.equal(down.dependencies.database.status, "down");
  assert.equal(down.dependencies.database.backend, "postgres");

  const refused = await getJson(`${gw.url}/audit`);
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.equal(refused.body.success, false);
  assert.equal(refused.body.error.code, "storage_unavailable");
  assert.match(refused.body.message, /^PostgreSQL unavailable: /);

  const pendingBefore = (await health(gw.url)).audit.pending as number;
  assert.ok(pendingBefore >= 5, `pending ${pendingBefore}`);
  await echoCalls(gw.url, during.slice(5));
  const backedUp = (await health(gw.url)).audit;
  assert.ok(backedUp.pending >= pendingBefore + 5, `pending grew: ${JSON.stringify(backedUp)}`);
  assert.equal(backedUp.dropped, 0);
  assert.equal(typeof backedUp.error, "string", "the write error is reported");

  await proxy.up();
  // The recorder's own retry (with backoff capped at 30 s) writes the queue; health clears by itself.
  const report = await healthUntil(gw.url, (r) => r.status === "healthy", 45_000);
  assert.equal(report.dependencies.database.status, "up");
  assert.deepEqual([report.audit.pending, report.audit.dropped, report.audit.error], [0, 0, undefined]);
  const records = await acknowledged(gw.url, ["outage-before", ...during], 5_000);
  for (const id of ["outage-before", ...during]) {
    assert.equal(records.filter((record) => record.correlationId === id).length, 1, `${id} stored once`);
  }
});

test("Redis killed and restarted under load through the gateway: degraded, then healthy, no failed call", async (t) => {
  const crashes = recordCrashes(t);

  const dir = tempDir("switchboard-resilience-redis-");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const redisUrl = `redis://127.0.0.1:${port}`;
  const keyPrefix = `resilience-${process.pid}:`;
  let server = await startRedisServer(port, dir);
  // The load opens a session per round from one address: past the per-client limit on opening sessions.
  const gw = await startTestGateway(
    { fx: fixtureServer() },
    { gateway: { redis: { url: redisUrl, keyPrefix }, limits: { sessionCreation: { perMinute: 0 } } } },
  );
  t.after(() => gw.close());
  await healthUntil(gw.url, (r) => r.status === "healthy", 10_000);

  const load = startLoad(gw.url);
  t.after(load.stop); // a failed assertion must not leave the clients running
  await waitUntil(() => load.counts.up >= 200, 30_000);

  load.phase = "down";
  await stopRedisServer(server, "SIGKILL");
  const degraded = await healthUntil(
    gw.url,
    (r) => r.status === "degraded" && r.dependencies.redis.status === "degraded",
    10_000,
  );
  assert.match(degraded.dependencies.redis.detail, /memory/);
  const downBefore = load.counts.down;
  await waitUntil(() => load.counts.down >= downBefore + 200, 30_000);

  server = await startRedisServer(port, dir);
  load.phase = "back";
  await healthUntil(gw.url, (r) => r.status === "healthy" && r.dependencies.redis.status === "up", 15_000);
  await waitUntil(() => load.counts.back >= 200, 30_000);
  await load.stop();

  assert.deepEqual(load.failures, [], "every initialize and call succeeded");
  assert.deepEqual(crashes, [], "no unhandled rejection or uncaught exception");

  // Sessions go to the restarted Redis again.
  const checker = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 1 });
  t.after(() => (checker.status === "end" ? undefined : checker.disconnect()));
  await checker.connect();
  const session = await openSession(`${gw.url}/mcp`);
  await waitUntil(async () => (await checker.exists(`${keyPrefix}session:${session}`)) === 1, 5_000);
  await checker.quit();

  await gw.close();
  await stopRedisServer(server, "SIGTERM");
});

type Phase = "up" | "down" | "back";

/**
 * Four clients, each repeating: initialize a fresh session, call fx__echo in it, call it statelessly, end the
 * session; until stopped or after MAX_ROUNDS rounds each. Counts rounds by the phase they began in.
 */
function startLoad(url: string) {
  const MAX_ROUNDS = 5_000;
  const counts: Record<Phase, number> = { up: 0, down: 0, back: 0 };
  const failures: string[] = [];
  const state = { phase: "up" as Phase, stopped: false };
  const expectEcho = (reply: Awaited<ReturnType<typeof callTool>>, message: string, what: string) => {
    if (reply.status !== 200 || resultText(reply) !== message)
      throw new Error(`${what}: ${reply.status} ${reply.text}`);
  };
  const client = async (c: number) => {
    for (let i = 0; !state.stopped && i < MAX_ROUNDS; i++) {
      const phase = state.phase;
      const message = `load-${c}-${i}`;
      try {
        const session = await openSession(`${url}/mcp`);
        const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
        expectEcho(await callTool(url, "fx__echo", { message }, headers), message, "call in session");
        expectEcho(await callTool(url, "fx__echo", { message }), message, "stateless call");
        const ended = await fetch(`${url}/mcp`, { method: "DELETE", headers });
        await ended.body?.cancel();
        if (ended.status !== 200 && ended.status !== 204) throw new Error(`DELETE session: ${ended.status}`);
        counts[phase]++;
      } catch (error) {
        failures.push(`[${phase}] client ${c} round ${i}: ${(error as Error).message}`);
      }
      await yieldToEventLoop();
    }
  };
  const running = Promise.all([0, 1, 2, 3].map(client));
  return {
    counts,
    failures,
    get phase() {
      return state.phase;
    },
    set phase(value: Phase) {
      state.phase = value;
    },
    stop: async () => {
      state.stopped = true;
      await running;
    },
  };
}

// Two gateway replicas sharing PostgreSQL (registry, audit) and Redis (sessions, cache), as behind a load
// balancer: a session opened on one is served by the other, a DELETE on one ends it on both, and a manifest
// refreshed by one reaches the other without starting the server there. Real PostgreSQL and Redis, own
// database and key prefix per run.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import {
  callTool,
  fixtureServer,
  openSession,
  post,
  request,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from "./helpers/gateway.ts";
import { testDatabases } from "./helpers/postgres.ts";

const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `sb-replicas-${randomBytes(4).toString("hex")}:`;

describe("replicas sharing PostgreSQL and Redis", () => {
  const databases = testDatabases();
  let a: TestGateway;
  let b: TestGateway;
  before(async () => {
    const settings = {
      database: { url: await databases.create("replicas") },
      redis: { url: REDIS_URL, keyPrefix: PREFIX },
      cache: { ttlMs: { manifest: 1_000 } },
      // Revalidation of shared sessions runs every quarter of this (1 s).
      sessionIdleTimeoutMs: 4_000,
    };
    // Replicas run the same configuration; the working directory is part of a server's identity.
    // fx redescribes a tool below: accepted here (approvals across replicas: test/integrity-replicas.test.ts).
    const servers = { fx: fixtureServer({}, { cwd: tmpdir(), onChange: "accept" }) };
    a = await startTestGateway(servers, { gateway: settings });
    // A learns the fixture's tools before B starts, so B reads them from the shared registry.
    assert.equal((await callTool(a.url, "fx__echo", { message: "hi" })).body.result.content[0].text, "hi");
    await waitUntil(async () => {
      const registry = (await (await fetch(`${a.url}/servers/fx/registry`)).json()) as { items: unknown[] };
      return registry.items.length > 0;
    });
    b = await startTestGateway(servers, { gateway: settings });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await databases.dropAll();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  test("the other replica knows the server's tools from the registry without starting it", async () => {
    const listed = await post(`${b.url}/mcp`, request("tools/list"));
    assert.ok(listed.body.result.tools.some((tool: { name: string }) => tool.name === "fx__echo"));
    assert.equal(b.gateway.supervisor.get("fx").status().status, "asleep");
    const cacheOf = async () => ((await (await fetch(`${b.url}/health`)).json()) as { cache: any }).cache;
    const first = await cacheOf();
    assert.equal(first.backend, "redis");
    assert.ok(first.hits >= 1, "B read the manifest A cached in Redis");
    await post(`${b.url}/mcp`, request("tools/list"));
    assert.equal((await cacheOf()).lists.hits, first.lists.hits + 1, "the built list was served again");
  });

  test("a session opened on one replica is served by the other; an unknown id is still 404", async () => {
    const session = await openSession(`${a.url}/mcp`);
    const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    const level = await post(`${b.url}/mcp`, request("logging/setLevel", { level: "error" }), headers);
    assert.equal(level.status, 200, level.text);
    const called = await post(
      `${b.url}/mcp`,
      request("tools/call", { name: "fx__echo", arguments: { message: "b" } }),
      headers,
    );
    assert.equal(called.body.result.content[0].text, "b");
    const adopted = b.gateway.sessions.get(session);
    assert.equal(adopted?.protocolVersion, "2025-11-25", "the record carried the negotiated version");
    assert.equal(adopted?.logLevel, "error");
    const unknown = await post(`${b.url}/mcp`, request("tools/list"), {
      ...headers,
      "mcp-session-id": "no-such-session",
    });
    assert.equal(unknown.status, 404);
  });

  test("DELETE on one replica ends the session there at once and on the other within a revalidation", async () => {
    const session = await openSession(`${a.url}/mcp`);
    const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    assert.equal((await post(`${b.url}/mcp`, request("ping"), headers)).status, 200);
    const deleted = await fetch(`${b.url}/mcp`, { method: "DELETE", headers });
    assert.equal(deleted.status, 200);
    assert.equal((await post(`${b.url}/mcp`, request("ping"), headers)).status, 404);
    // A still holds its copy; using it past the revalidation period finds the record gone.
    await waitUntil(async () => (await post(`${a.url}/mcp`, request("ping"), headers)).status === 404, 10_000, 250);
  });

  test("a manifest refreshed on one replica reaches the other without starting the server there", async () => {
    // The earlier calls on B started its own fx, which speaks for itself while it runs; put it to sleep.
    await b.gateway.supervisor.get("fx").stop("requested");
    await callTool(a.url, "fx__redescribe", { description: "Echo, as replica A now describes it" });
    await waitUntil(
      async () => {
        const listed = await post(`${b.url}/mcp`, request("tools/list"));
        const echo = listed.body.result.tools.find((tool: { name: string }) => tool.name === "fx__echo");
        return echo?.description === "Echo, as replica A now describes it";
      },
      10_000,
      200,
    );
    assert.equal(b.gateway.supervisor.get("fx").status().status, "asleep");
  });
});

// The REST admin API over a real gateway and real fixture processes: health, the server list, start and stop
// (with the process really running or really gone), restarts after a crash, and errors for unknown names.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  fixtureServer,
  isAlive,
  post,
  REPO_ROOT,
  request,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from "./helpers/gateway.ts";

const VERSION = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, "utf8")).version as string;

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

async function postJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: "POST" });
  return { status: response.status, body: await response.json() };
}

describe("admin API", () => {
  let t: TestGateway;
  const pids: number[] = [];
  before(async () => {
    t = await startTestGateway({
      fx: fixtureServer(),
      fy: fixtureServer({}, { description: "second fixture", tags: ["spare"] }),
      crashy: fixtureServer({}, { restart: { initialDelayMs: 10, maxDelayMs: 20 } }),
    });
  });
  after(async () => {
    await t.close();
    // Nothing the gateway started may outlive it.
    for (const pid of pids) await waitUntil(() => !isAlive(pid), 5_000);
  });

  /** The number of tools the server itself lists, read through its own endpoint (without the gateway's read_result). */
  const toolCount = async (name: string) =>
    ((await post(`${t.url}/mcp/${name}`, request("tools/list"))).body.result.tools as { name: string }[]).filter(
      (tool) => tool.name !== "read_result",
    ).length;

  const server = async (name: string) => {
    const { body } = await getJson(`${t.url}/servers`);
    return (body as any[]).find((s) => s.name === name);
  };

  it("GET /health reports a healthy gateway with its version, uptime and server counts", async () => {
    const { status, body } = await getJson(`${t.url}/health`);
    assert.equal(status, 200);
    assert.equal(body.status, "healthy");
    assert.equal(body.version, VERSION);
    assert.equal(typeof body.uptime_seconds, "number");
    assert.ok(body.uptime_seconds >= 0);
    assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
    assert.deepEqual(body.servers, { total: 3, ready: 0, asleep: 3, starting: 0, backoff: 0, failed: 0, disabled: 0 });
    assert.equal(typeof body.sessions, "number");
    assert.equal(body.in_flight, 0);
  });

  it("GET /servers lists every server asleep, with no pid and no activity before first use", async () => {
    const { status, body } = await getJson(`${t.url}/servers`);
    assert.equal(status, 200);
    assert.deepEqual(
      (body as any[]).map((s) => s.name),
      ["fx", "fy", "crashy"],
    );
    for (const s of body as any[]) {
      assert.equal(s.status, "asleep");
      assert.equal(s.pid, null);
      assert.equal(s.lastActivity, null);
      assert.equal(s.restarts, 0);
      assert.equal(s.tools, null, "catalog unknown before the first start");
    }
    const fy = (body as any[]).find((s) => s.name === "fy");
    assert.equal(fy.description, "second fixture");
    assert.deepEqual(fy.tags, ["spare"]);
  });

  it("POST /servers/{name}/start starts the server: ready, with a live pid, then its tools are counted", async () => {
    const { status, body } = await postJson(`${t.url}/servers/fx/start`);
    assert.equal(status, 200);
    assert.equal(body.success, true);
    assert.equal(body.server.name, "fx");
    assert.equal(body.server.status, "ready");
    const pid = body.server.pid;
    assert.equal(typeof pid, "number");
    pids.push(pid);
    assert.ok(isAlive(pid), `process ${pid} is running`);

    // The listed server agrees, and its tools are counted once the catalog is read.
    await waitUntil(async () => typeof (await server("fx")).tools === "number");
    const tools = await toolCount("fx");
    assert.ok(tools > 0);
    assert.equal((await server("fx")).tools, tools);
    const listed = await server("fx");
    assert.equal(listed.status, "ready");
    assert.equal(listed.pid, pid);

    // The pid is really the process that answers calls.
    const reply = await post(`${t.url}/mcp/fx`, request("tools/call", { name: "pid", arguments: {} }));
    assert.equal(reply.body.result.content[0].text, String(pid));
    const afterCall = await server("fx");
    assert.ok(!Number.isNaN(Date.parse(afterCall.lastActivity)), "a call counts as activity");

    const health = await getJson(`${t.url}/health`);
    assert.equal(health.body.servers.ready, 1);
    assert.equal(health.body.servers.asleep, 2);
  });

  it("POST start on a running server is a no-op that keeps the same process", async () => {
    const first = await postJson(`${t.url}/servers/fx/start`);
    const second = await postJson(`${t.url}/servers/fx/start`);
    assert.equal(second.status, 200);
    assert.equal(second.body.success, true);
    assert.equal(second.body.server.pid, first.body.server.pid);
  });

  it("POST /servers/{name}/stop stops the server: asleep, no pid, the process is gone", async () => {
    const running = await server("fx");
    const pid = running.pid as number;
    assert.ok(isAlive(pid));
    const { status, body } = await postJson(`${t.url}/servers/fx/stop`);
    assert.equal(status, 200);
    assert.equal(body.success, true);
    assert.equal(body.server.status, "asleep");
    assert.equal(body.server.pid, null);
    await waitUntil(() => !isAlive(pid), 5_000);
    const listed = await server("fx");
    assert.equal(listed.status, "asleep");
    assert.equal(listed.pid, null);
    assert.equal(listed.tools, await toolCount("fx"), "the catalog is remembered while asleep");
    assert.equal((await server("fx")).status, "asleep", "listing the tools did not wake it");

    // Stopping an asleep server is harmless; starting again gives a new process.
    const again = await postJson(`${t.url}/servers/fx/stop`);
    assert.equal(again.status, 200);
    const restarted = await postJson(`${t.url}/servers/fx/start`);
    assert.equal(restarted.body.server.status, "ready");
    pids.push(restarted.body.server.pid);
    assert.notEqual(restarted.body.server.pid, pid);
    assert.ok(isAlive(restarted.body.server.pid));
  });

  it("counts a restart after a crash", async () => {
    const started = await postJson(`${t.url}/servers/crashy/start`);
    const pid = started.body.server.pid as number;
    pids.push(pid);
    const crash = await post(`${t.url}/mcp/crashy`, request("tools/call", { name: "crash", arguments: { code: 1 } }));
    assert.ok(crash.body.error, "the crashed call fails");
    await waitUntil(() => !isAlive(pid), 5_000);
    const afterCrash = await server("crashy");
    assert.notEqual(afterCrash.status, "ready");
    assert.equal(afterCrash.pid, null);
    assert.match(afterCrash.lastError, /crashy/);

    const restarted = await postJson(`${t.url}/servers/crashy/start`);
    assert.equal(restarted.status, 200);
    assert.equal(restarted.body.server.status, "ready");
    assert.equal(restarted.body.server.restarts, 1);
    pids.push(restarted.body.server.pid);
  });

  it("answers unknown server names with 404 and success:false", async () => {
    for (const action of ["start", "stop"]) {
      const { status, body } = await postJson(`${t.url}/servers/nope/${action}`);
      assert.equal(status, 404, action);
      assert.equal(body.success, false);
      assert.equal(body.error.code, "server_not_found");
      assert.match(body.message, /nope/);
    }
    const one = await getJson(`${t.url}/servers/nope`);
    assert.equal(one.status, 404);
    assert.equal(one.body.success, false);
  });

  it("GET /servers/{name} shows one server", async () => {
    const { status, body } = await getJson(`${t.url}/servers/fy`);
    assert.equal(status, 200);
    assert.equal(body.name, "fy");
    assert.equal(body.status, "asleep");
  });

  it("answers unknown routes with 404", async () => {
    for (const path of ["/nope", "/servers/fx/bogus", "/health/extra", "/api/servers"]) {
      const response = await fetch(`${t.url}${path}`);
      assert.equal(response.status, 404, path);
      await response.arrayBuffer();
    }
  });

  it("answers a malformed percent-encoded server name with a client error, not a 500", async () => {
    const { status, body } = await postJson(`${t.url}/servers/%E0%A4%A/start`);
    assert.ok(status === 400 || status === 404, `status ${status}`);
    assert.equal(body.success, false);
  });
});

describe("admin API with a server that cannot start", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      fx: fixtureServer(),
      broken: fixtureServer({ FIXTURE_CRASH_ON_START: "1" }, { restart: { maxRestarts: 0 } }),
    });
  });
  after(() => t.close());

  it("reports the failed start (503, success:false), the server as failed and the gateway as degraded", async () => {
    const { status, body } = await postJson(`${t.url}/servers/broken/start`);
    assert.equal(status, 503);
    assert.equal(body.success, false);
    assert.match(body.message, /broken/);

    const listed = (await getJson(`${t.url}/servers`)).body.find((s: any) => s.name === "broken");
    assert.equal(listed.status, "failed");
    assert.equal(listed.pid, null);
    assert.match(listed.lastError, /code 3/);

    const health = await getJson(`${t.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.body.status, "degraded");
    assert.equal(health.body.servers.failed, 1);

    // The other server is unaffected.
    const reply = await post(`${t.url}/mcp/fx`, request("tools/call", { name: "echo", arguments: { message: "ok" } }));
    assert.equal(reply.body.result.content[0].text, "ok");
  });
});

describe("admin API and the aggregated catalog agree after a first start", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ fx: fixtureServer() });
    // Widen the (normally sub-millisecond) window in which the manifest cache file is being written: the
    // gateway's manifest store is the one its catalog writes to.
    const store = t.gateway.state.manifests;
    const save = store.save.bind(store);
    store.save = async (manifest) => {
      await new Promise((r) => setTimeout(r, 300));
      await save(manifest);
    };
  });
  after(() => t.close());

  it("routes a tool on /mcp as soon as GET /servers counts it", async () => {
    assert.equal((await getJson(`${t.url}/servers`)).body[0].tools, null);
    const started = await postJson(`${t.url}/servers/fx/start`);
    assert.equal(started.status, 200);
    const pid = started.body.server.pid as number;
    await waitUntil(async () => typeof (await getJson(`${t.url}/servers`)).body[0].tools === "number");

    const own = await post(`${t.url}/mcp/fx`, request("tools/list"));
    assert.ok(own.body.result.tools.some((tool: { name: string }) => tool.name === "pid"));
    const reply = await post(`${t.url}/mcp`, request("tools/call", { name: "fx__pid", arguments: {} }));
    assert.equal(reply.body.result?.content?.[0]?.text, String(pid), reply.text);
  });
});

describe("admin API: explicit start of an idle server", () => {
  it("counts as client activity: not stopped for idleness right after, tools counted in the reply", async () => {
    const idleTimeoutMs = 1_500;
    const t = await startTestGateway({
      fx: fixtureServer({}, { idleTimeoutMs, healthCheckIntervalMs: 0 }),
      fresh: fixtureServer(),
    });
    try {
      // A server whose catalog was never read: the start reply counts its tools all the same.
      const first = await postJson(`${t.url}/servers/fresh/start`);
      assert.equal(first.body.server.status, "ready");
      assert.equal(typeof first.body.server.tools, "number", "the first start reply counts the tools");
      const stops: { reason: string; at: number }[] = [];
      t.gateway.events.on("server-stopped", ({ reason }) => stops.push({ reason, at: Date.now() }));
      // A call, then the server sleeps after idleTimeoutMs: its last activity is now long ago.
      await post(`${t.url}/mcp/fx`, request("tools/call", { name: "pid", arguments: {} }));
      await waitUntil(() => stops.length === 1, 10_000);
      const begun = Date.now();
      const { body } = await postJson(`${t.url}/servers/fx/start`);
      assert.equal(body.server.status, "ready");
      assert.equal(typeof body.server.tools, "number", "the start reply counts the tools");
      assert.ok(body.server.tools > 0);
      assert.equal((await getJson(`${t.url}/servers/fx`)).body.status, "ready");
      // The idle stop comes, but not before idleTimeoutMs after the explicit start.
      await waitUntil(() => stops.length === 2, 10_000);
      assert.equal(stops[1]?.reason, "idle");
      assert.ok((stops[1]?.at as number) - begun >= idleTimeoutMs - 2, "the idle clock started at the start");
    } finally {
      await t.close();
    }
  });
});

// Health endpoints over a real gateway and real fixture processes: the documented shape of GET /health (every
// field and its type), counts that follow the calls made, asleep servers that are not unhealthy, a crashed and a
// failed server, the breakers' own circuit states, /health/servers/{name}, /health/live and
// /health/ready (503 before start() finished and while the gateway drains for shutdown).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createPinoLogger } from "../src/adapters/observability/pino-logger.ts";
import { createGateway } from "../src/app/index.ts";
import { normalizeConfig } from "../src/config/load.ts";
import { callDeadline } from "../src/core/deadline.ts";
import { SwitchboardError } from "../src/core/errors.ts";
import { startHttpFront } from "../src/fronts/http/http-front.ts";
import { SteppedClock } from "./helpers/fake-clock.ts";
import {
  fixtureServer,
  post,
  request,
  startTestGateway,
  type TestGateway,
  tempDir,
  waitUntil,
} from "./helpers/gateway.ts";

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

const call = (url: string, server: string, name: string, args: Record<string, unknown> = {}) =>
  post(`${url}/mcp/${server}`, request("tools/call", { name, arguments: args }));

const isNumber = (value: unknown) => typeof value === "number" && Number.isFinite(value);
const isIso = (value: unknown) => typeof value === "string" && !Number.isNaN(Date.parse(value));

/** Asserts a `metrics` / `recent` block: every documented field with its type. */
function assertCallMetrics(metrics: any, where: string): void {
  for (const key of ["request_count", "error_count", "error_rate", "average_response_time_ms"])
    assert.ok(isNumber(metrics[key]), `${where}.${key} is a number: ${metrics[key]}`);
  const recent = metrics.recent;
  assert.deepEqual(Object.keys(recent).sort(), [
    "average_response_time_ms",
    "error_count",
    "error_rate",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "request_count",
    "requests_per_second",
    "window_seconds",
  ]);
  for (const key of ["window_seconds", "request_count", "error_count", "requests_per_second", "error_rate"])
    assert.ok(isNumber(recent[key]), `${where}.recent.${key} is a number`);
  for (const key of ["average_response_time_ms", "p50_ms", "p95_ms", "p99_ms"])
    assert.ok(recent[key] === null || isNumber(recent[key]), `${where}.recent.${key} is a number or null`);
}

/** Asserts one entry of `upstreams` (also the body of /health/servers/{name}). */
function assertServerHealth(server: any, name: string): void {
  assert.deepEqual(Object.keys(server).sort(), [
    "circuit_breaker_state",
    "confinement",
    "consecutive_failures",
    "in_flight",
    "last_activity",
    "last_call_error",
    "last_error",
    "lifecycle",
    "metrics",
    "name",
    "pid",
    "restarts",
    "started_at",
    "state",
    "status",
    "transport",
  ]);
  assert.equal(server.name, name);
  assert.ok(["healthy", "asleep", "disabled", "degraded", "unhealthy"].includes(server.status), server.status);
  assert.ok(
    ["asleep", "starting", "ready", "stopping", "backoff", "failed", "disabled"].includes(server.state),
    server.state,
  );
  assert.ok(["closed", "open", "half-open"].includes(server.circuit_breaker_state));
  for (const key of ["in_flight", "restarts", "consecutive_failures"]) assert.ok(isNumber(server[key]), key);
  assert.ok(server.pid === null || isNumber(server.pid));
  if (server.state !== "ready") assert.equal(server.confinement, null, "a confinement only while running");
  for (const key of ["last_activity", "started_at"]) assert.ok(server[key] === null || isIso(server[key]), key);
  assert.ok(server.last_error === null || typeof server.last_error === "string");
  assert.ok(
    server.last_call_error === null ||
      (typeof server.last_call_error.kind === "string" && isIso(server.last_call_error.at)),
  );
  assertCallMetrics(server.metrics, `upstreams.${name}.metrics`);
}

describe("GET /health", () => {
  let t: TestGateway;
  // Durations and cooldowns are measured on a clock that moves only when a test steps it.
  const clock = new SteppedClock();
  before(async () => {
    t = await startTestGateway(
      {
        // One gateway-side failure opens these breakers, for 100 ms (a server's JSON-RPC errors never count).
        fx: fixtureServer({}, { circuitBreaker: { consecutiveFailures: 1, cooldownMs: 100 } }),
        sleepy: fixtureServer({}, { circuitBreaker: { consecutiveFailures: 1, cooldownMs: 100 } }),
        crashy: fixtureServer({}, { restart: { initialDelayMs: 10, maxDelayMs: 20 } }),
        off: fixtureServer({}, { enabled: false }),
      },
      { clock },
    );
  });
  after(() => t.close());

  it("has the documented shape: seed 003's fields, the gateway's own members, one entry per server", async () => {
    const { status, body } = await getJson(`${t.url}/health`);
    assert.equal(status, 200);
    assert.equal(body.status, "healthy");
    assert.equal(body.server_name, "switchboard");
    assert.equal(typeof body.version, "string");
    assert.ok(isIso(body.timestamp));
    assert.ok(isNumber(body.uptime_seconds) && body.uptime_seconds >= 0);
    assert.equal(body.ready, true);
    assert.equal(body.phase, "serving");

    const metrics = body.metrics;
    assert.ok(isNumber(metrics.memory_usage_mb) && metrics.memory_usage_mb > 0);
    assert.ok(isNumber(metrics.active_connections) && metrics.active_connections >= 1, "this request's connection");
    assertCallMetrics(metrics, "metrics");
    assert.equal(metrics.circuit_breaker_state, "closed");
    assert.equal(metrics.request_count, 0);
    assert.equal(metrics.average_response_time_ms, 0);
    assert.equal(metrics.recent.p95_ms, null, "no call yet");

    assert.deepEqual(body.servers, { total: 4, ready: 0, asleep: 3, starting: 0, backoff: 0, failed: 0, disabled: 1 });
    assert.deepEqual(Object.keys(body.upstreams), ["fx", "sleepy", "crashy", "off"]);
    for (const [name, server] of Object.entries(body.upstreams)) assertServerHealth(server, name);
    assert.equal(body.upstreams.off.status, "disabled");
    assert.equal(typeof body.sessions, "number");
    assert.equal(body.in_flight, 0);
    assert.equal(body.unconfined, 0, "no server runs yet");
    assert.equal(body.dependencies.database.status, "up");
    assert.equal(typeof body.cache, "object");
    assert.equal(typeof body.audit.pending, "number");
  });

  it("counts the calls made, ok and failed, per server and in total, and their mean duration", async () => {
    // Each call sleeps upstream; while it is in flight the gateway's clock moves by a known step, which is then
    // the duration the gateway measures for it. fx is started first: a first call would otherwise start it to
    // have its lists reviewed, and that start would be the call in flight the loop waits for.
    const started = await fetch(`${t.url}/servers/fx/start`, { method: "POST" });
    assert.equal(started.status, 200);
    await started.arrayBuffer();
    for (const stepMs of [100, 200, 600]) {
      const reply = call(t.url, "fx", "sleep", { ms: 500 });
      await waitUntil(() => t.gateway.supervisor.inFlight() === 1, 10_000, 2);
      clock.step(stepMs);
      assert.equal((await reply).body.result.content[0].text, "slept 500");
    }
    const refused = await call(t.url, "fx", "no-such-tool"); // the clock does not move: 0 ms
    assert.ok(refused.body.error, "the server answers an unknown tool with an error");

    const { body } = await getJson(`${t.url}/health`);
    const fx = body.upstreams.fx;
    assert.equal(fx.status, "healthy");
    assert.equal(fx.state, "ready");
    assert.ok(isNumber(fx.pid));
    assert.equal(fx.metrics.request_count, 4);
    assert.equal(fx.metrics.error_count, 1);
    assert.equal(fx.metrics.error_rate, 0.25);
    assert.equal(fx.metrics.average_response_time_ms, (100 + 200 + 600 + 0) / 4);
    assert.equal(fx.metrics.recent.request_count, 4);
    assert.equal(fx.metrics.recent.error_count, 1);
    assert.ok(fx.metrics.recent.requests_per_second > 0);
    assert.ok(isNumber(fx.metrics.recent.p95_ms), "a percentile once calls were made");
    assert.equal(fx.last_call_error.kind, "jsonrpc_error");
    assert.ok(isIso(fx.last_activity));
    // The gateway's totals include every server's calls.
    assert.equal(body.metrics.request_count, 4);
    assert.equal(body.metrics.error_count, 1);
    assert.equal(body.metrics.error_rate, 0.25);
    assert.equal(body.metrics.average_response_time_ms, 225);
    assert.equal(body.upstreams.sleepy.metrics.request_count, 0);
  });

  it("reports a server never called as asleep, and the gateway as healthy with it", async () => {
    const { body } = await getJson(`${t.url}/health`);
    assert.equal(body.upstreams.sleepy.status, "asleep");
    assert.equal(body.upstreams.sleepy.state, "asleep");
    assert.equal(body.upstreams.sleepy.pid, null);
    assert.equal(body.status, "healthy");
    const one = await getJson(`${t.url}/health/servers/sleepy`);
    assert.equal(one.status, 200);
    assertServerHealth(one.body, "sleepy");
    assert.equal(one.body.status, "asleep");
  });

  it("shows a server that crashed mid-call: degraded with the failed call and its exit, healthy after a restart", async () => {
    const crashed = await call(t.url, "crashy", "crash", { code: 7 });
    assert.ok(crashed.body.error, "the call fails");
    await waitUntil(async () => (await getJson(`${t.url}/health`)).body.upstreams.crashy.state === "asleep");
    const { body } = await getJson(`${t.url}/health`);
    const crashy = body.upstreams.crashy;
    assert.equal(crashy.status, "degraded", "a crash is not a normal sleep");
    assert.equal(crashy.consecutive_failures, 1);
    assert.equal(crashy.pid, null);
    assert.equal(crashy.metrics.error_count, 1);
    assert.equal(crashy.last_call_error.kind, "upstream_closed");
    assert.match(crashy.last_error, /exited with code 7/);
    assert.equal(body.status, "degraded");
    assert.equal(body.metrics.error_count, 2);
    assert.ok(
      crashy.metrics.recent.p95_ms <= crashy.metrics.recent.average_response_time_ms + 0.1,
      "one call: the estimate does not exceed it",
    );

    // The next call restarts it: counted as a restart, healthy again.
    assert.equal((await call(t.url, "crashy", "echo", { message: "back" })).body.result.content[0].text, "back");
    const again = (await getJson(`${t.url}/health`)).body;
    assert.equal(again.upstreams.crashy.status, "healthy");
    assert.equal(again.upstreams.crashy.restarts, 1);
    assert.equal(again.status, "healthy");
  });

  it("shows the breakers' own states, per server and as the worst overall", async () => {
    const circuit = async () => {
      const { body } = await getJson(`${t.url}/health`);
      return [body.upstreams.fx.circuit_breaker_state, body.metrics.circuit_breaker_state, body.status];
    };
    const one = async () => getJson(`${t.url}/health/servers/fx`);
    // Outcomes go through the gateway's own breakers, as a failing upstream's calls would (test/policies.test.ts
    // opens one with a crash-looping server); a pending attempt holds a half-open probe out as long as needed.
    const signal = new AbortController().signal;
    const forwarded = { jsonrpc: "2.0" as const, id: 1, method: "tools/call", params: { name: "echo" } };
    const through = (server: string, attempt: () => Promise<unknown>) =>
      t.gateway.policies.run(server, forwarded, callDeadline(clock, 5_000, signal), attempt);
    const fail = () => Promise.reject(new SwitchboardError("upstream_closed", "gone"));
    const cooledDown = (server: string) => {
      assert.equal(t.gateway.policies.state(server).retryAfterMs, 100, "open for the whole cooldown");
      clock.step(100);
      assert.equal(t.gateway.policies.state(server).retryAfterMs, 0);
    };
    assert.equal((await getJson(`${t.url}/health`)).body.status, "healthy");

    await assert.rejects(through("fx", fail));
    assert.deepEqual(await circuit(), ["open", "open", "degraded"]);
    const open = await one();
    assert.equal(open.status, 503);
    assert.equal(open.body.status, "unhealthy");

    cooledDown("fx");
    let answer: (value: unknown) => void = () => {};
    const probe = through("fx", () => new Promise((resolve) => (answer = resolve)));
    assert.deepEqual(await circuit(), ["half-open", "half-open", "degraded"]);
    assert.equal((await one()).body.status, "degraded");

    await assert.rejects(through("sleepy", fail));
    answer("ok");
    await probe;
    assert.deepEqual(await circuit(), ["closed", "open", "degraded"], "the worst breaker is sleepy's");
    cooledDown("sleepy");
    await through("sleepy", () => Promise.resolve("ok"));
    assert.deepEqual(await circuit(), ["closed", "closed", "healthy"]);
  });

  it("answers unknown servers with 404 and other methods with 405", async () => {
    const unknown = await getJson(`${t.url}/health/servers/nope`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, "server_not_found");
    const posted = await fetch(`${t.url}/health`, { method: "POST" });
    assert.equal(posted.status, 405);
    await posted.arrayBuffer();
    for (const path of ["/health/extra", "/health/servers", "/health/servers/fx/more"]) {
      const response = await fetch(`${t.url}${path}`);
      assert.equal(response.status, 404, path);
      await response.arrayBuffer();
    }
  });
});

describe("GET /health with a server that cannot start", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      fx: fixtureServer(),
      broken: fixtureServer({ FIXTURE_CRASH_ON_START: "1" }, { restart: { maxRestarts: 0 } }),
    });
  });
  after(() => t.close());

  it("shows it failed (unhealthy, its last error) and the gateway degraded, still answering 200", async () => {
    const started = await fetch(`${t.url}/servers/broken/start`, { method: "POST" });
    assert.equal(started.status, 503);
    await started.arrayBuffer();
    const { status, body } = await getJson(`${t.url}/health`);
    assert.equal(status, 200);
    assert.equal(body.status, "degraded");
    assert.equal(body.upstreams.broken.status, "unhealthy");
    assert.equal(body.upstreams.broken.state, "failed");
    assert.match(body.upstreams.broken.last_error, /code 3/);
    assert.equal(body.upstreams.fx.status, "asleep");
    const one = await getJson(`${t.url}/health/servers/broken`);
    assert.equal(one.status, 503);
    assert.equal(one.body.state, "failed");
    assert.equal((await getJson(`${t.url}/health/ready`)).status, 200, "a failed server does not make it unready");
  });
});

describe("GET /health/live and /health/ready", () => {
  it("are not ready before start() finished, then ready", async () => {
    const stateDir = tempDir();
    const config = normalizeConfig(
      { gateway: { port: 0, stateDir }, servers: { fx: fixtureServer() } },
      join(stateDir, "switchboard.json"),
    );
    const gateway = await createGateway(config, { logger: createPinoLogger({ level: "silent", json: false }) });
    const front = await startHttpFront(gateway, { port: 0 });
    try {
      const early = await getJson(`${front.url}/health/ready`);
      assert.deepEqual([early.status, early.body], [503, { status: "not_ready", reason: "starting" }]);
      const health = await getJson(`${front.url}/health`);
      assert.deepEqual([health.status, health.body.status, health.body.ready], [503, "unhealthy", false]);
      assert.equal((await getJson(`${front.url}/health/live`)).status, 200);
      await gateway.start();
      const ready = await getJson(`${front.url}/health/ready`);
      assert.deepEqual([ready.status, ready.body], [200, { status: "ready" }]);
    } finally {
      await front.close();
      await gateway.close();
    }
  });

  it("turn not ready while the gateway drains for shutdown, live until it is gone", async () => {
    const t = await startTestGateway({ fx: fixtureServer() });
    try {
      assert.equal((await getJson(`${t.url}/health/ready`)).status, 200);
      await call(t.url, "fx", "echo", { message: "up" }); // the server is running before the drain begins
      const slow = call(t.url, "fx", "sleep", { ms: 3_000 });
      await waitUntil(() => t.gateway.supervisor.inFlight() === 1);
      const closing = t.gateway.close();

      const ready = await getJson(`${t.url}/health/ready`);
      assert.deepEqual([ready.status, ready.body], [503, { status: "not_ready", reason: "draining" }]);
      const live = await getJson(`${t.url}/health/live`);
      assert.deepEqual([live.status, live.body], [200, { status: "alive" }]);
      const health = await getJson(`${t.url}/health`);
      assert.deepEqual([health.status, health.body.status, health.body.phase], [503, "unhealthy", "draining"]);
      assert.equal(health.body.in_flight, 1);

      // The drain lets the call in flight finish.
      assert.equal((await slow).body.result.content[0].text, "slept 3000");
      await closing;
    } finally {
      await t.close();
    }
  });
});

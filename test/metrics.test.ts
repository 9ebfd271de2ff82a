// GET /metrics over a real gateway with real fixture processes: the exposition parses, reflects the calls made
// (per server, tool, method and status; durations; a cold start; sessions), the lifecycle and policy events, the
// caches and token savings; label cardinality stays bounded; each gateway has its own registry.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CATALOG_SERVER } from "./helpers/catalog-upstreams.ts";
import {
  callTool,
  fixtureServer,
  openSession,
  post,
  REPO_ROOT,
  request,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from "./helpers/gateway.ts";
import { type Family, parseExposition, samples, value } from "./helpers/prom-text.ts";

const SLICE = join(REPO_ROOT, "test/fixtures/livemcpbench-slice.jsonl");
const CATALOG_TOOLS = 12;
const TOOL_CAP = 3;

async function scrape(url: string): Promise<{ contentType: string; families: Map<string, Family>; text: string }> {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  const text = await response.text();
  return { contentType: response.headers.get("content-type") ?? "", families: parseExposition(text), text };
}

describe("GET /metrics", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway(
      {
        fx: fixtureServer(),
        sleepy: fixtureServer({}, { idleTimeoutMs: 200 }),
        cat: {
          command: process.execPath,
          args: [CATALOG_SERVER, "--catalog", SLICE, "--limit", String(CATALOG_TOOLS)],
        },
      },
      { gateway: { metrics: { maxToolsPerServer: TOOL_CAP }, discovery: { mode: "full" } } },
    );
  });
  after(() => t.close());

  it("serves the text exposition format with its content type; every family has HELP and TYPE", async () => {
    const { contentType, families } = await scrape(t.url);
    assert.match(contentType, /^text\/plain; version=0\.0\.4; charset=utf-8$/);
    for (const family of families.values()) {
      assert.notEqual(family.type, "untyped", `${family.name} has a TYPE`);
      assert.ok(family.help.length > 0, `${family.name} has a HELP`);
    }
    // Process metrics from the gateway's own registry, the gateway's metrics under the default prefix.
    assert.ok(value(families, "process_cpu_user_seconds_total") !== undefined);
    assert.ok((value(families, "process_resident_memory_bytes") ?? 0) > 0);
    assert.ok(samples(families, "nodejs_heap_size_used_bytes").length === 1);
    assert.equal(value(families, "switchboard_build_info", {}), 1);
    // Every configured server has its state, in-flight and circuit series before any call.
    for (const server of ["fx", "sleepy", "cat"]) {
      assert.equal(value(families, "switchboard_upstream_state", { server, state: "asleep" }), 1);
      assert.equal(value(families, "switchboard_upstream_state", { server, state: "ready" }), 0);
      assert.equal(value(families, "switchboard_upstream_in_flight", { server }), 0);
      assert.equal(value(families, "switchboard_circuit_state", { server, state: "closed" }), 1);
      assert.equal(value(families, "switchboard_upstream_cold_starts_total", { server }), 0);
    }
  });

  it("counts calls by server, tool, method and status, with durations, a cold start and the session", async () => {
    const session = await openSession(`${t.url}/mcp`);
    const headers = { "mcp-session-id": session };
    for (let i = 0; i < 3; i++)
      assert.equal((await callTool(t.url, "fx__echo", { message: `m${i}` }, headers)).status, 200);
    await callTool(t.url, "fx__fail", {}, headers); // a result with isError
    await post(`${t.url}/mcp/fx`, request("tools/list")); // served from the catalog: not a forwarded request
    await post(`${t.url}/mcp/fx`, request("no/such-method")); // the server's error reply, an unlisted method
    const { families } = await scrape(t.url);
    const calls = (where: Record<string, string>) =>
      value(families, "switchboard_requests_total", { server: "fx", ...where });
    assert.equal(calls({ method: "tools/call", tool: "echo", status: "ok" }), 3);
    assert.equal(calls({ method: "tools/call", tool: "fail", status: "error", error_kind: "tool_error" }), 1);
    assert.equal(calls({ method: "tools/list", tool: "", status: "ok" }), undefined);
    assert.equal(calls({ method: "other", tool: "", status: "error", error_kind: "jsonrpc_error" }), 1);
    // The histogram: cumulative buckets ending in +Inf = _count = the calls made.
    const where = { server: "fx", method: "tools/call", tool: "echo" };
    const buckets = samples(families, "switchboard_request_duration_seconds_bucket", where);
    assert.equal(buckets.at(-1)?.labels.le, "+Inf");
    assert.equal(buckets.at(-1)?.value, 3);
    for (let i = 1; i < buckets.length; i++) assert.ok((buckets[i]?.value ?? 0) >= (buckets[i - 1]?.value ?? 0));
    assert.equal(value(families, "switchboard_request_duration_seconds_count", where), 3);
    assert.ok((value(families, "switchboard_request_duration_seconds_sum", where) ?? 0) > 0);
    // One cold start (the first call), its duration observed, the server now ready.
    assert.equal(value(families, "switchboard_upstream_cold_starts_total", { server: "fx" }), 1);
    assert.equal(
      value(families, "switchboard_upstream_start_duration_seconds_count", { server: "fx", cold: "true" }),
      1,
    );
    assert.equal(value(families, "switchboard_upstream_state", { server: "fx", state: "ready" }), 1);
    assert.equal(value(families, "switchboard_sessions_active"), 1);
    // The aggregated list: built once (a miss), then served from the list cache (a hit) while nothing changed.
    const lists = async () => {
      const { families: now } = await scrape(t.url);
      return [
        value(now, "switchboard_cache_hits_total", { cache: "lists" }) ?? 0,
        value(now, "switchboard_cache_misses_total", { cache: "lists" }) ?? 0,
      ];
    };
    const [hitsBefore = 0, missesBefore = 0] = await lists();
    for (let i = 0; i < 2; i++) assert.ok((await post(`${t.url}/mcp`, request("tools/list"), headers)).body.result);
    const [hits = 0, misses = 0] = await lists();
    assert.equal(hits + misses - hitsBefore - missesBefore, 2, "each list counted once");
    assert.ok(hits > hitsBefore, `the second list was a hit (${hitsBefore} → ${hits})`);
  });

  it("counts idle stops and requested stops by reason", async () => {
    // An earlier test may have woken the sleepy server: count from a moment it is asleep.
    const asleep = () => t.gateway.supervisor.get("sleepy").currentState === "asleep";
    await waitUntil(asleep, 10_000);
    const idleStops = async () =>
      value((await scrape(t.url)).families, "switchboard_upstream_stops_total", { server: "sleepy", reason: "idle" }) ??
      0;
    const before = await idleStops();
    await callTool(t.url, "sleepy__echo", { message: "x" });
    await waitUntil(asleep, 10_000);
    await fetch(`${t.url}/servers/fx/stop`, { method: "POST" });
    const { families } = await scrape(t.url);
    assert.equal(await idleStops(), before + 1);
    assert.equal(value(families, "switchboard_upstream_stops_total", { server: "fx", reason: "requested" }), 1);
    assert.equal(value(families, "switchboard_upstream_state", { server: "fx", state: "asleep" }), 1);
  });

  it("caps the tool label per server; tools unknown to the catalog count as _other", async () => {
    const listed = await post(`${t.url}/mcp/cat`, request("tools/list"));
    const names = (listed.body.result.tools as { name: string }[])
      .map((tool) => tool.name)
      .filter((n) => n !== "read_result");
    assert.equal(names.length, CATALOG_TOOLS);
    for (const name of names) await post(`${t.url}/mcp/cat`, request("tools/call", { name, arguments: {} }));
    await post(`${t.url}/mcp/cat`, request("tools/call", { name: "not-a-listed-tool", arguments: {} }));
    const { families } = await scrape(t.url);
    const series = samples(families, "switchboard_requests_total", { server: "cat", method: "tools/call" });
    const tools = new Set(series.map((s) => s.labels.tool));
    assert.equal(tools.size, TOOL_CAP + 1, `tools labelled: ${[...tools].join(", ")}`);
    assert.ok(tools.has("_other"));
    const total = series.reduce((sum, s) => sum + s.value, 0);
    assert.equal(total, CATALOG_TOOLS + 1, "every call is counted, under its own tool or _other");
    const histogramTools = new Set(
      samples(families, "switchboard_request_duration_seconds_count", { server: "cat", method: "tools/call" }).map(
        (s) => s.labels.tool,
      ),
    );
    assert.deepEqual(histogramTools, tools);
  });

  it("reflects policy events: breaker openings, rejections, retries, timeouts", async () => {
    const { events } = t.gateway;
    events.emit("circuit-state", { server: "fx", from: "closed", to: "open" });
    events.emit("call-rejected", { server: "fx", method: "tools/call", kind: "circuit_open" });
    events.emit("call-rejected", { server: "fx", method: "tools/call", kind: "overloaded" });
    events.emit("call-rejected", { server: undefined, method: "tools/call", kind: "rate_limited", scope: "global" });
    events.emit("call-rejected", { server: "fx", method: "tools/call", kind: "rate_limited", scope: "client" });
    events.emit("call-retried", { server: "fx", method: "tools/call", attempt: 1, reason: "connection reset" });
    events.emit("call-timed-out", { server: "fx", method: "tools/call", timeoutMs: 100, hard: true });
    events.emit("call-rejected", { server: "not-configured", method: "x", kind: "overloaded" });
    const { families } = await scrape(t.url);
    // The state gauge reads the breaker itself, which an emitted event does not move (test/policies.test.ts
    // opens and closes a real one and sees both here).
    assert.equal(value(families, "switchboard_circuit_state", { server: "fx", state: "closed" }), 1);
    assert.equal(value(families, "switchboard_circuit_state", { server: "fx", state: "open" }), 0);
    assert.equal(value(families, "switchboard_circuit_opened_total", { server: "fx" }), 1);
    const rejected = (where: Record<string, string>) => value(families, "switchboard_calls_rejected_total", where);
    assert.equal(rejected({ server: "fx", kind: "circuit_open", scope: "" }), 1);
    assert.equal(rejected({ server: "fx", kind: "overloaded", scope: "" }), 1);
    assert.equal(rejected({ server: "", kind: "rate_limited", scope: "global" }), 1);
    assert.equal(rejected({ server: "fx", kind: "rate_limited", scope: "client" }), 1);
    assert.equal(rejected({ server: "_other", kind: "overloaded", scope: "" }), 1, "unknown servers are not labels");
    assert.equal(value(families, "switchboard_call_retries_total", { server: "fx", method: "tools/call" }), 1);
    assert.equal(
      value(families, "switchboard_call_timeouts_total", { server: "fx", method: "tools/call", hard: "true" }),
      1,
    );
  });

  it("exports budget savings, and listing tokens once counted (a scrape never counts)", async () => {
    let { families } = await scrape(t.url);
    assert.equal(value(families, "switchboard_result_tokens_saved_total"), 0);
    assert.equal(value(families, "switchboard_results_cut_total"), 0);
    assert.equal(samples(families, "switchboard_tool_listing_tokens").length, 0, "no count before GET /tokens");
    // A result far over the default budget (25,000 tokens) is cut: counted once, with the tokens it saved.
    const cut = await callTool(t.url, "fx__echo", { message: "many words ".repeat(20_000) });
    assert.ok(cut.body.result._meta, "the result was cut");
    assert.equal((await fetch(`${t.url}/tokens`)).status, 200);
    ({ families } = await scrape(t.url));
    assert.equal(value(families, "switchboard_results_cut_total"), 1);
    const saved = value(families, "switchboard_result_tokens_saved_total") ?? 0;
    assert.ok(saved > 10_000, `tokens saved: ${saved}`);
    assert.equal(saved, (await t.gateway.tokens.report()).budgets?.tokensSaved);
    const full = value(families, "switchboard_tool_listing_tokens", { listing: "full" }) ?? 0;
    const progressive = value(families, "switchboard_tool_listing_tokens", { listing: "progressive" }) ?? 0;
    assert.ok(full > 0 && progressive > 0, `full ${full}, progressive ${progressive}`);
  });

  it("answers only GET and HEAD", async () => {
    const response = await fetch(`${t.url}/metrics`, { method: "POST" });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET, HEAD");
    const head = await fetch(`${t.url}/metrics`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  });
});

describe("metrics settings", () => {
  it("process metrics are collected once per process, not once more for every gateway", async () => {
    // prom-client's collectors cannot be stopped: one event-loop delay monitor per gateway would outlive it.
    const perfHooks = createRequire(import.meta.url)("node:perf_hooks") as typeof import("node:perf_hooks");
    const original = perfHooks.monitorEventLoopDelay;
    let monitors = 0;
    perfHooks.monitorEventLoopDelay = (options) => {
      monitors++;
      return original(options);
    };
    const gateways: TestGateway[] = [];
    try {
      for (let i = 0; i < 3; i++) gateways.push(await startTestGateway({ fx: fixtureServer() }));
      for (const g of gateways) {
        assert.equal(samples((await scrape(g.url)).families, "process_cpu_user_seconds_total").length, 1);
      }
      assert.ok(monitors <= 1, `${monitors} event-loop monitors for ${gateways.length} gateways`);
    } finally {
      perfHooks.monitorEventLoopDelay = original;
      await Promise.all(gateways.map((g) => g.close()));
    }
  });

  it("each gateway has its own registry; a prefix renames; disabled metrics are a 404", async () => {
    const a = await startTestGateway({ fx: fixtureServer() });
    const b = await startTestGateway(
      { fx: fixtureServer() },
      { gateway: { metrics: { prefix: "gw_", processMetrics: false } } },
    );
    const off = await startTestGateway({ fx: fixtureServer() }, { gateway: { metrics: { enabled: false } } });
    try {
      await callTool(a.url, "fx__echo", { message: "a" });
      await callTool(a.url, "fx__echo", { message: "a" });
      await callTool(b.url, "fx__echo", { message: "b" });
      const fromA = (await scrape(a.url)).families;
      const fromB = (await scrape(b.url)).families;
      assert.equal(value(fromA, "switchboard_requests_total", { server: "fx", tool: "echo", status: "ok" }), 2);
      assert.equal(value(fromB, "gw_requests_total", { server: "fx", tool: "echo", status: "ok" }), 1);
      assert.equal(samples(fromB, "switchboard_requests_total").length, 0);
      assert.equal(samples(fromB, "process_cpu_user_seconds_total").length, 0, "process metrics off");
      assert.equal((await fetch(`${off.url}/metrics`)).status, 404);
      assert.equal(off.gateway.metrics, undefined);
    } finally {
      await Promise.all([a.close(), b.close(), off.close()]);
    }
  });
});

// Rate limits end to end on the HTTP and stdio fronts of a real gateway (a real stdio server behind it):
// per-client buckets keyed by a hashed credential or the address, the global bucket over all clients, 429 with
// Retry-After and a JSON-RPC rate_limited error, refill after the retry-after, the call-rejected event, which
// requests are not counted, and configuration problems reported with their path. The memory limiter's
// contract runs here too; Redis-backed limits are in rate-limits-redis.test.ts.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createMemoryRateLimiter } from "../src/adapters/rate-limit/memory-rate-limiter.ts";
import { normalizeConfig } from "../src/config/load.ts";
import { isSwitchboardError } from "../src/core/errors.ts";
import type { GatewayEvents } from "../src/core/events.ts";
import type { ConfigProblem } from "../src/core/gateway-config.ts";
import { serveStdio } from "../src/fronts/stdio/stdio-front.ts";
import { systemClock } from "../src/ports/clock.ts";
import { rateLimiterContract } from "./contracts/rate-limiter.contract.ts";
import { MAX_CLIENT_BUCKETS } from "./helpers/config-defaults.ts";
import { callTool, fixtureServer, post, request, startTestGateway, type TestGateway } from "./helpers/gateway.ts";

rateLimiterContract("memory", async (limits) => ({
  limiter: createMemoryRateLimiter({ limits, clock: systemClock, maxClients: MAX_CLIENT_BUCKETS }),
  cleanup: async () => {},
}));

const SERVERS = { fixture: fixtureServer() };
const ECHO = "fixture__echo";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Clients here are told apart by their credential unless a test says otherwise (the default key is the address). */
async function gatewayWith(rateLimit: Record<string, unknown>): Promise<TestGateway> {
  return startTestGateway(SERVERS, {
    gateway: { rateLimit: { clientKey: { header: "authorization" }, ...rateLimit } },
  });
}

function rejections(gw: TestGateway): GatewayEvents["call-rejected"][] {
  const seen: GatewayEvents["call-rejected"][] = [];
  gw.gateway.events.on("call-rejected", (event) => seen.push(event));
  return seen;
}

/** The JSON-RPC error of a rejected reply, checked for the rate_limited shape. */
function assertRateLimited(reply: Awaited<ReturnType<typeof post>>, scope: "client" | "global", id?: unknown) {
  assert.equal(reply.status, 429, reply.text);
  const { error } = reply.body;
  assert.equal(error.code, -31003);
  assert.equal(error.data.kind, "rate_limited");
  assert.equal(error.data.retryable, true);
  assert.equal(error.data.scope, scope);
  assert.ok(Number.isInteger(error.data.retryAfterMs) && error.data.retryAfterMs > 0);
  assert.equal(reply.headers.get("retry-after"), String(Math.ceil(error.data.retryAfterMs / 1000)));
  if (id !== undefined) assert.equal(reply.body.id, id);
  return error.data as { retryAfterMs: number; scope: string };
}

describe("per-client limits over HTTP", () => {
  let gw: TestGateway;
  after(() => gw?.close());

  it("client A exhausts its bucket and is refused with a retry-after while client B still succeeds", async () => {
    gw = await gatewayWith({ perMinute: 6, burst: 3 });
    const seen = rejections(gw);
    for (let i = 0; i < 3; i++) {
      const ok = await callTool(gw.url, ECHO, { message: `a${i}` }, bearer("token-a"));
      assert.equal(ok.status, 200);
      assert.ok(ok.body.result, ok.text);
    }
    const refused = await post(
      `${gw.url}/mcp`,
      request("tools/call", { name: ECHO, arguments: {} }, "a-4"),
      bearer("token-a"),
    );
    const data = assertRateLimited(refused, "client", "a-4");
    assert.ok(data.retryAfterMs > 5_000 && data.retryAfterMs <= 10_000, `one token per 10 s: ${data.retryAfterMs}`);
    assert.ok(!refused.text.includes("token-a"), "the credential is not echoed");

    const b = await callTool(gw.url, ECHO, { message: "b" }, bearer("token-b"));
    assert.equal(b.status, 200);
    assert.ok(b.body.result, b.text);
    assert.deepEqual(seen, [{ server: undefined, method: "tools/call", kind: "rate_limited", scope: "client" }]);
    const health = (await (await fetch(`${gw.url}/health`)).json()) as { metrics: Record<string, unknown> };
    assert.deepEqual(health.metrics.rate_limited, { client: 1, global: 0 }, "/health counts the refusal");
  });

  it("lists count; initialize and ping do not (a session stays usable)", async () => {
    // Continues with A's empty bucket.
    const list = await post(`${gw.url}/mcp`, request("tools/list"), bearer("token-a"));
    assertRateLimited(list, "client");
    const ping = await post(`${gw.url}/mcp`, request("ping"), bearer("token-a"));
    assert.equal(ping.status, 200);
    assert.deepEqual(ping.body.result, {});
    const init = await post(
      `${gw.url}/mcp`,
      request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "t", version: "1" },
      }),
      bearer("token-a"),
    );
    assert.equal(init.status, 200);
    assert.ok(init.headers.get("mcp-session-id"));
  });

  it("requests without the credential header are keyed by address", async () => {
    // No Authorization: both requests come from 127.0.0.1 and share that address's fresh bucket of 3.
    for (let i = 0; i < 3; i++) assert.equal((await callTool(gw.url, ECHO, {})).status, 200);
    assertRateLimited(await callTool(gw.url, ECHO, {}), "client");
    assert.equal((await callTool(gw.url, ECHO, {}, bearer("token-c"))).status, 200, "a credential is its own key");
  });

  it("the per-server endpoint is limited too and names the server in the event", async () => {
    const seen = rejections(gw);
    const reply = await post(
      `${gw.url}/mcp/fixture`,
      request("tools/call", { name: "echo", arguments: {} }),
      bearer("token-a"),
    );
    assertRateLimited(reply, "client");
    assert.deepEqual(seen, [{ server: "fixture", method: "tools/call", kind: "rate_limited", scope: "client" }]);
  });
});

describe("an MCP SDK client", () => {
  let gw: TestGateway;
  after(() => gw?.close());

  it("gets the JSON-RPC error with its 429, and its session stays usable", async () => {
    gw = await gatewayWith({ perMinute: 6, burst: 2 });
    const client = new Client({ name: "sdk", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
    try {
      // initialize is free; tools/list and one call spend the bucket.
      await client.listTools();
      await client.callTool({ name: ECHO, arguments: { message: "one" } });
      const error = await client.callTool({ name: ECHO, arguments: {} }).then(
        () => assert.fail("the third request was admitted"),
        (e: { data?: { status?: number; text?: string } }) => e,
      );
      assert.equal(error.data?.status, 429);
      const body = JSON.parse(String(error.data?.text));
      assert.equal(body.error.code, -31003);
      assert.equal(body.error.data.kind, "rate_limited");
      assert.equal(body.error.data.scope, "client");
      assert.deepEqual(await client.ping(), {}, "ping is not limited and the session survives");
    } finally {
      await client.close();
    }
  });
});

describe("the global limit", () => {
  let gw: TestGateway;
  after(() => gw?.close());

  it("caps all clients together, each still under its own limit", async () => {
    gw = await gatewayWith({ perMinute: 600, burst: 10, global: { perMinute: 6, burst: 4 } });
    const seen = rejections(gw);
    for (const token of ["a", "b", "a", "b"])
      assert.equal((await callTool(gw.url, ECHO, {}, bearer(token))).status, 200);
    assertRateLimited(await callTool(gw.url, ECHO, {}, bearer("a")), "global");
    assertRateLimited(await callTool(gw.url, ECHO, {}, bearer("b")), "global");
    assertRateLimited(await callTool(gw.url, ECHO, {}, bearer("new-client")), "global");
    assert.deepEqual(
      seen.map((e) => e.scope),
      ["global", "global", "global"],
    );
  });
});

describe("refill", () => {
  let gw: TestGateway;
  after(() => gw?.close());

  it("a refused client succeeds again once the retry-after has passed", async () => {
    // 120 per minute: one token per 500 ms. A first call by another client starts the server, so the two
    // calls below are quick and the bucket has not refilled when the third arrives.
    gw = await gatewayWith({ perMinute: 120, burst: 2 });
    assert.equal((await callTool(gw.url, ECHO, {}, bearer("warm-up"))).status, 200);
    assert.equal((await callTool(gw.url, ECHO, {}, bearer("r"))).status, 200);
    assert.equal((await callTool(gw.url, ECHO, {}, bearer("r"))).status, 200);
    const refused = await callTool(gw.url, ECHO, {}, bearer("r"));
    const { retryAfterMs } = assertRateLimited(refused, "client");
    assert.ok(retryAfterMs <= 500, `retryAfterMs ${retryAfterMs}`);
    assert.equal(refused.headers.get("retry-after"), "1", "Retry-After is whole seconds, rounded up");
    await delay(retryAfterMs + 20);
    const again = await callTool(gw.url, ECHO, { message: "back" }, bearer("r"));
    assert.equal(again.status, 200);
    assert.ok(again.body.result, again.text);
  });
});

describe("client keys behind a proxy", () => {
  let gw: TestGateway;
  after(() => gw?.close());

  it("X-Forwarded-For keys clients only when proxies are trusted", async () => {
    gw = await gatewayWith({ perMinute: 6, burst: 1, clientKey: { header: "", trustProxyHops: 1 } });
    const from = (address: string) => ({ "x-forwarded-for": `203.0.113.9, ${address}`, ...bearer("shared") });
    assert.equal((await callTool(gw.url, ECHO, {}, from("198.51.100.1"))).status, 200);
    assertRateLimited(await callTool(gw.url, ECHO, {}, from("198.51.100.1")), "client");
    // The header is empty: the shared credential does not key; the address the proxy saw does.
    assert.equal((await callTool(gw.url, ECHO, {}, from("198.51.100.2"))).status, 200);
  });
});

describe("disabled", () => {
  let gw: TestGateway;
  after(() => gw?.close());

  it("enabled: false turns every limit off", async () => {
    gw = await gatewayWith({ enabled: false, perMinute: 1, burst: 1, global: { perMinute: 1 } });
    assert.equal(gw.gateway.rateLimits, undefined);
    for (let i = 0; i < 3; i++) assert.equal((await callTool(gw.url, ECHO, {})).status, 200);
  });
});

describe("the stdio front", () => {
  let gw: TestGateway;
  after(() => gw?.close());

  it("limits its one client and answers with a rate_limited JSON-RPC error line", async () => {
    gw = await startTestGateway(SERVERS, { http: false, gateway: { rateLimit: { perMinute: 6, burst: 2 } } });
    const seen = rejections(gw);
    const input = new PassThrough();
    const output = new PassThrough();
    const lines: any[] = [];
    output.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
    });
    const served = serveStdio(gw.gateway, { input, output });
    const send = (message: unknown) => input.write(`${JSON.stringify(message)}\n`);
    const answerTo = async (id: number) => {
      for (let i = 0; i < 500 && !lines.some((l) => l.id === id); i++) await delay(10);
      return lines.find((l) => l.id === id);
    };
    send(
      request(
        "initialize",
        { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
        1,
      ),
    );
    assert.ok((await answerTo(1)).result);
    for (const id of [2, 3]) {
      send(request("tools/call", { name: ECHO, arguments: { message: "hi" } }, id));
      assert.ok((await answerTo(id)).result);
    }
    send(request("tools/call", { name: ECHO, arguments: {} }, 4));
    const refused = await answerTo(4);
    assert.equal(refused.error.code, -31003);
    assert.equal(refused.error.data.kind, "rate_limited");
    assert.equal(refused.error.data.scope, "client");
    assert.ok(refused.error.data.retryAfterMs > 0);
    send(request("ping", {}, 5));
    assert.deepEqual((await answerTo(5)).result, {});
    assert.deepEqual(seen, [{ server: undefined, method: "tools/call", kind: "rate_limited", scope: "client" }]);
    input.end();
    await served;
  });
});

describe("configuration", () => {
  const problemsOf = (raw: unknown, env: Record<string, string> = {}): ConfigProblem[] => {
    try {
      normalizeConfig(raw, undefined, { env });
    } catch (error) {
      assert.ok(isSwitchboardError(error, "config_invalid"), String(error));
      return error.data?.problems as ConfigProblem[];
    }
    assert.fail("the configuration was accepted");
  };
  const paths = (problems: ConfigProblem[]) => problems.map((p) => p.path).sort();

  it("rejects negative rates, bad bursts and unknown keys, each with its path", () => {
    const problems = problemsOf({
      gateway: {
        rateLimit: {
          perMinute: -1,
          burst: 0,
          global: { perMinute: -5, burst: 1.5 },
          clientKey: { header: "bad header", trustProxyHops: -1 },
          maxClients: 0,
          perSecond: 3,
        },
      },
    });
    assert.deepEqual(paths(problems), [
      "gateway.rateLimit.burst",
      "gateway.rateLimit.clientKey.header",
      "gateway.rateLimit.clientKey.trustProxyHops",
      "gateway.rateLimit.global.burst",
      "gateway.rateLimit.global.perMinute",
      "gateway.rateLimit.maxClients",
      "gateway.rateLimit.perMinute",
      "gateway.rateLimit.perSecond",
    ]);
  });

  it("rejects settings that cannot work together", () => {
    const problems = problemsOf({ gateway: { rateLimit: { backend: "redis", burst: 5, global: { burst: 2 } } } });
    assert.deepEqual(paths(problems), [
      "gateway.rateLimit.backend",
      "gateway.rateLimit.burst",
      "gateway.rateLimit.global.burst",
    ]);
  });

  it("reads RATE_LIMIT_PER_MINUTE and RATE_LIMIT_BURST (the seed's names) and reports bad values by name", () => {
    const env = { RATE_LIMIT_PER_MINUTE: "100", RATE_LIMIT_BURST: "20", RATE_LIMIT_GLOBAL_PER_MINUTE: "1000" };
    const { rateLimit } = normalizeConfig({}, undefined, { env }).gateway;
    assert.equal(rateLimit.enabled, true);
    assert.deepEqual(rateLimit.client, { perMinute: 100, capacity: 20 });
    assert.deepEqual(rateLimit.global, { perMinute: 1000, capacity: 1000 });
    assert.equal(rateLimit.backend, "memory");
    assert.deepEqual(rateLimit.clientKey, { header: undefined, trustProxyHops: 0 }, "keyed by address by default");
    const problems = problemsOf(
      {},
      { RATE_LIMIT_PER_MINUTE: "-3", RATE_LIMIT_BURST: "lots", RATE_LIMIT_BACKEND: "disk" },
    );
    assert.deepEqual(paths(problems), ["env.RATE_LIMIT_BACKEND", "env.RATE_LIMIT_BURST", "env.RATE_LIMIT_PER_MINUTE"]);
  });

  it("is off without a rate, and uses Redis by default when gateway.redis.url is set", () => {
    assert.equal(normalizeConfig({}, undefined, { env: {} }).gateway.rateLimit.enabled, false);
    const withRedis = normalizeConfig(
      { gateway: { redis: { url: "redis://127.0.0.1:6379" }, rateLimit: { perMinute: 5 } } },
      undefined,
      {
        env: {},
      },
    ).gateway.rateLimit;
    assert.equal(withRedis.backend, "redis");
    assert.deepEqual(withRedis.client, { perMinute: 5, capacity: 5 });
  });
});

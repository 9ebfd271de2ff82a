// Attacks on the memory a client can make the gateway hold: sessions past the cap are refused with 503 (and
// sessions already open keep working), one client opening sessions too fast gets 429, and the events recorded
// for stream resumption stay within one replica-wide byte budget however many sessions have a stream. Each
// bound is reported in /health and /metrics.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fixtureServer, post, request, startTestGateway, type TestGateway, waitUntil } from "../helpers/gateway.ts";
import { parseExposition } from "../helpers/prom-text.ts";
import { openSse } from "../helpers/raw-http.ts";

const INIT = { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "flood", version: "1" } };
/** With one trusted proxy hop, the last X-Forwarded-For entry is the client: one address per simulated client. */
const from = (address: string) => ({ "x-forwarded-for": address });

async function initialize(mcp: string, headers: Record<string, string>) {
  return post(mcp, request("initialize", INIT), headers);
}

async function healthLimits(url: string) {
  const health = (await (await fetch(`${url}/health`)).json()) as { limits: any; sessions: number };
  return health.limits;
}

async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const families = parseExposition(await (await fetch(`${url}/metrics`)).text());
  const sample = families
    .get(name)
    ?.samples.find((s) => Object.entries(labels).every(([key, value]) => s.labels[key] === value));
  return sample?.value;
}

describe("the session cap", () => {
  const MAX = 5;
  let t: TestGateway;
  let mcp: string;
  before(async () => {
    t = await startTestGateway(
      { fx: fixtureServer() },
      { gateway: { limits: { maxSessions: MAX }, rateLimit: { clientKey: { trustProxyHops: 1 } } } },
    );
    mcp = `${t.url}/mcp`;
  });
  after(() => t?.close());

  it("refuses sessions past the cap with 503 session_limit; open ones keep working; a freed slot is reusable", async () => {
    const ids: string[] = [];
    for (let i = 0; i < MAX; i++) {
      const reply = await initialize(mcp, from(`198.51.100.${i + 1}`));
      assert.equal(reply.status, 200, reply.text);
      ids.push(reply.headers.get("mcp-session-id") as string);
    }
    for (let i = 0; i < 3; i++) {
      const refused = await initialize(mcp, from(`203.0.113.${i + 1}`));
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.body.error.code, -31013);
      assert.equal(refused.body.error.data.kind, "session_limit");
      assert.equal(typeof refused.body.id, "number", "the error answers the initialize by its id");
      assert.equal(refused.headers.get("mcp-session-id"), null);
    }
    // A 2026-era listen stream would hold a session too: it is refused the same way.
    const listen = await post(
      mcp,
      {
        jsonrpc: "2.0",
        id: 9,
        method: "subscriptions/listen",
        params: {
          notifications: { toolsListChanged: true },
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      },
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "subscriptions/listen", ...from("203.0.113.9") },
    );
    assert.equal(listen.status, 503, listen.text);
    assert.equal(listen.body.error.data.kind, "session_limit");
    assert.equal(t.gateway.sessions.size, MAX, "the cap held");

    const ping = await post(mcp, request("ping"), { "mcp-session-id": ids[0] as string });
    assert.equal(ping.status, 200, "an open session is unaffected");

    const limits = await healthLimits(t.url);
    assert.deepEqual(limits.sessions, { active: MAX, max: MAX, refused_at_limit: 4, refused_rate: 0 });
    assert.equal(await metric(t.url, "switchboard_sessions_refused_total", { reason: "limit" }), 4);
    assert.equal(await metric(t.url, "switchboard_sessions_active"), MAX);

    const ended = await fetch(mcp, { method: "DELETE", headers: { "mcp-session-id": ids[1] as string } });
    assert.equal(ended.status, 200);
    assert.equal((await initialize(mcp, from("203.0.113.20"))).status, 200, "an ended session frees its slot");
  });
});

describe("the per-client limit on opening sessions", () => {
  let t: TestGateway;
  after(() => t?.close());

  it("answers 429 rate_limited (scope sessions) with Retry-After once one client's burst is spent; others still open", async () => {
    t = await startTestGateway(
      { fx: fixtureServer() },
      {
        gateway: {
          limits: { sessionCreation: { perMinute: 1, burst: 3 } },
          rateLimit: { clientKey: { trustProxyHops: 1 } },
        },
      },
    );
    const mcp = `${t.url}/mcp`;
    for (let i = 0; i < 3; i++) assert.equal((await initialize(mcp, from("198.51.100.7"))).status, 200);
    const refused = await initialize(mcp, from("198.51.100.7"));
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.body.error.data.kind, "rate_limited");
    assert.equal(refused.body.error.data.scope, "sessions");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    // A fresh Authorization per request changes nothing: the default key is the address.
    const disguised = await initialize(mcp, { ...from("198.51.100.7"), authorization: "Bearer fresh-1" });
    assert.equal(disguised.status, 429);
    assert.equal((await initialize(mcp, from("198.51.100.8"))).status, 200, "another client is not affected");
    assert.equal(t.gateway.sessions.size, 4);
    assert.equal((await healthLimits(t.url)).sessions.refused_rate, 2);
    assert.equal(await metric(t.url, "switchboard_sessions_refused_total", { reason: "rate" }), 2);
  });
});

describe("the replay budget", () => {
  const MAX_REPLAY = 6_000;
  let t: TestGateway;
  after(() => t?.close());

  it("keeps the events recorded for resumption within maxReplayBytes across every session's stream, evicting the oldest", async () => {
    t = await startTestGateway({ fx: fixtureServer() }, { gateway: { limits: { maxReplayBytes: MAX_REPLAY } } });
    const mcp = `${t.url}/mcp`;
    // Sessions whose GET stream opened once and then went away: every broadcast is recorded for a resumption
    // that may never come.
    const sessions: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = (await initialize(mcp, {})).headers.get("mcp-session-id") as string;
      sessions.push(id);
      const stream = await openSse(mcp, { "mcp-session-id": id });
      assert.equal(stream.status, 200);
      stream.close();
    }
    // Each add-tool changes the server's tool list: a list_changed notification for every session.
    for (let i = 0; i < 8; i++) {
      const reply = await post(mcp, request("tools/call", { name: "fx__add-tool", arguments: {} }));
      assert.equal(reply.status, 200, reply.text);
    }
    await waitUntil(async () => (await healthLimits(t.url)).replay.evicted_events > 0);
    const { replay } = await healthLimits(t.url);
    assert.equal(replay.max_bytes, MAX_REPLAY);
    assert.ok(replay.bytes > 0 && replay.bytes <= MAX_REPLAY, `recorded bytes within the budget: ${replay.bytes}`);
    const bytes = await metric(t.url, "switchboard_replay_bytes");
    assert.ok(bytes !== undefined && bytes <= MAX_REPLAY, `the gauge: ${bytes}`);
    assert.ok(((await metric(t.url, "switchboard_replay_evictions_total")) ?? 0) > 0);

    // Ending the sessions gives their recorded events back.
    for (const id of sessions) await fetch(mcp, { method: "DELETE", headers: { "mcp-session-id": id } });
    assert.equal((await healthLimits(t.url)).replay.bytes, 0);
  });
});

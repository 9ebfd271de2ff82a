// Attacks with deeply nested arguments on a real gateway (real HTTP, a real stdio server): one client must not be
// able to open a server's breaker for everyone nor see the engine's errors, and no call that reaches a server may
// escape the audit log — a failed audit write is counted in /health and logged.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createGateway, type Gateway } from "../../src/app/index.ts";
import { normalizeConfig } from "../../src/config/load.ts";
import { canonicalHash } from "../../src/core/canonical-hash.ts";
import { type HttpFront, startHttpFront } from "../../src/fronts/http/http-front.ts";
import { serveStdio } from "../../src/fronts/stdio/stdio-front.ts";
import type { AuditRecord } from "../../src/ports/audit-log.ts";
import {
  callTool,
  fixtureServer,
  openSession,
  post,
  request,
  startTestGateway,
  type TestGateway,
  tempDir,
  waitUntil,
} from "../helpers/gateway.ts";
import { type HttpServerProcess, startHttpServerProcess } from "../helpers/http-server-process.ts";

const COUNTING = fileURLToPath(new URL("../fixtures/counting-http-server.ts", import.meta.url));

/** Arguments whose `deep` member nests `depth` arrays. */
function deepArguments(depth: number): Record<string, unknown> {
  let deep: unknown = "leaf";
  for (let i = 0; i < depth; i++) deep = [deep];
  return { message: "deep", deep };
}

/** The raw body of a tools/call, built as text (JSON.stringify itself would overflow on the deepest ones). */
function deepCallBody(name: string, depth: number, id: number): string {
  const deep = `${"[".repeat(depth)}"leaf"${"]".repeat(depth)}`;
  return `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","arguments":{"message":"deep","deep":${deep}}}}`;
}

const ENGINE_TEXT = /RangeError|call stack|Maximum|stack size/i;

const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as Record<string, any>;
const auditOf = async (url: string) =>
  ((await (await fetch(`${url}/audit?limit=1000`)).json()) as { records: AuditRecord[] }).records;

describe("deeply nested arguments against the default limit", () => {
  let t: TestGateway;
  const retried: unknown[] = [];
  before(async () => {
    t = await startTestGateway({ fx: fixtureServer() });
    t.gateway.events.on("call-retried", (event) => retried.push(event));
  });
  after(() => t.close());

  test("are refused cleanly before any work; other sessions keep calling; the breaker stays closed", async () => {
    const mcp = `${t.url}/mcp`;
    const attacker = await openSession(mcp, "2025-11-25", "attacker");
    const bystander = await openSession(mcp, "2025-11-25", "bystander");
    assert.equal((await callTool(t.url, "fx__echo", { message: "warm" })).body.result.content[0].text, "warm");
    for (const [i, depth] of [5_000, 6_000, 6_000].entries()) {
      const reply = await post(mcp, deepCallBody("fx__echo", depth, 900 + i), { "mcp-session-id": attacker });
      assert.equal(reply.body.error.code, -32602, reply.text.slice(0, 300));
      assert.equal(reply.body.error.data.kind, "invalid_params");
      assert.match(reply.body.error.message, /nest deeper than 64 levels/);
      assert.doesNotMatch(reply.text, ENGINE_TEXT);
      // Meanwhile another client's calls are served.
      const other = await post(mcp, request("tools/call", { name: "fx__echo", arguments: { message: `ok ${i}` } }), {
        "mcp-session-id": bystander,
      });
      assert.equal(other.body.result.content[0].text, `ok ${i}`);
    }
    // A client's answer to a server request and a deep initialize are refused the same way.
    const deepInit = await post(
      mcp,
      `{"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":${"[".repeat(5_000)}${"]".repeat(5_000)},"clientInfo":{"name":"x","version":"1"}}}`,
    );
    assert.equal(deepInit.body.error.code, -32602);
    assert.doesNotMatch(deepInit.text, ENGINE_TEXT);

    assert.deepEqual(retried, [], "nothing was retried");
    assert.equal(t.gateway.policies.state("fx").state, "closed");
    const doc = await health(t.url);
    assert.equal(doc.upstreams.fx.circuit_breaker_state, "closed");
    assert.equal(doc.metrics.circuit_breaker_state, "closed");
    assert.equal(doc.upstreams.fx.metrics.error_count, 0, "the refused calls are not the server's errors");
  });

  test("the stdio front refuses them the same way", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let written = "";
    output.on("data", (chunk: Buffer) => {
      written += chunk.toString();
    });
    const served = serveStdio(t.gateway, { input, output });
    input.write(`${deepCallBody("fx__echo", 6_000, 77)}\n`);
    input.write(
      `${JSON.stringify(request("tools/call", { name: "fx__echo", arguments: { message: "stdio ok" } }, 78))}\n`,
    );
    input.end();
    await served;
    const replies = written
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const byId = (id: number) => replies.find((r) => r.id === id);
    assert.equal(byId(77)?.error.code, -32602);
    assert.doesNotMatch(written, ENGINE_TEXT);
    assert.equal(byId(78)?.result.content[0].text, "stdio ok");
    assert.equal(t.gateway.policies.state("fx").state, "closed");
  });

  test("awkward but allowed arguments reach the server and are always audited with their hash", async () => {
    let nested: unknown = { "\u0000": "\ud800", "😀": -0, big: 1e308, tiny: 5e-324, esc: '"\\\n' };
    for (let i = 0; i < 60; i++) nested = i % 2 ? [nested, null, { "": i }] : { [`k${i}`]: nested, a: [] };
    const args = { message: "awkward", nested };
    const reply = await callTool(t.url, "fx__echo", args, { "x-request-id": "awkward-1" });
    assert.equal(reply.body.result.content[0].text, "awkward");
    const record = (await auditOf(t.url)).find((r) => r.correlationId === "awkward-1");
    assert.ok(record, "recorded");
    assert.equal(record.argumentsHash, canonicalHash(args));
    assert.equal(record.outcome, "ok");
  });
});

describe("deeply nested arguments with the limit raised", () => {
  let t: TestGateway;
  const retried: unknown[] = [];
  before(async () => {
    t = await startTestGateway({ fx: fixtureServer() }, { gateway: { maxParamsDepth: 100_000 } });
    t.gateway.events.on("call-retried", (event) => retried.push(event));
  });
  after(() => t.close());

  test("a call nested past the recursive hash's reach (4,000) reaches the server and has its audit row", async () => {
    const args = deepArguments(4_000);
    const reply = await post(`${t.url}/mcp`, deepCallBody("fx__echo", 4_000, 1), { "x-request-id": "deep-4000" });
    assert.ok(reply.body.result || reply.body.error, reply.text.slice(0, 200));
    assert.doesNotMatch(reply.text, ENGINE_TEXT);
    const record = (await auditOf(t.url)).find((r) => r.correlationId === "deep-4000");
    assert.ok(record, "the call has an audit row");
    assert.equal(record.argumentsHash, canonicalHash(args));
    const audit = (await health(t.url)).audit;
    assert.deepEqual([audit.dropped, audit.reduced], [0, 0]);
  });

  test("a call too deep to serialize for the server is the caller's fault: clean reply, no retry, breaker closed", async () => {
    for (let i = 0; i < 6; i++) {
      const reply = await post(`${t.url}/mcp`, deepCallBody("fx__echo", 50_000, 10 + i), {
        "x-request-id": `deep-50000-${i}`,
      });
      assert.equal(reply.body.error.code, -32602, reply.text.slice(0, 300));
      assert.match(reply.body.error.message, /could not be serialized for server fx/);
      assert.doesNotMatch(reply.text, ENGINE_TEXT);
    }
    assert.deepEqual(retried, []);
    assert.equal(t.gateway.policies.state("fx").state, "closed");
    assert.equal((await callTool(t.url, "fx__echo", { message: "still" })).body.result.content[0].text, "still");
    const records = await auditOf(t.url);
    const rows = records.filter((r) => r.correlationId.startsWith("deep-50000-"));
    assert.equal(rows.length, 6, "every refused call that reached routing is audited");
    assert.ok(rows.every((r) => r.errorKind === "invalid_params" && r.argumentsHash === rows[0]?.argumentsHash));
  });
});

describe("deeply nested arguments for a remote (HTTP) server, with the limit raised", () => {
  let dir: string;
  let upstream: HttpServerProcess;
  let t: TestGateway;
  before(async () => {
    dir = tempDir("switchboard-deep-http-");
    upstream = await startHttpServerProcess(COUNTING, [dir]);
    const url = `http://127.0.0.1:${upstream.port}/mcp`;
    const remote = {
      url,
      type: "streamable-http",
      healthCheckIntervalMs: 0,
      circuitBreaker: { consecutiveFailures: 2 },
    };
    t = await startTestGateway({ remote }, { gateway: { maxParamsDepth: 100_000 } });
  });
  after(async () => {
    await t?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a request too deep to serialize is refused as the caller's fault, never sent, the breaker stays closed", async () => {
    for (let i = 0; i < 3; i++) {
      const reply = await post(`${t.url}/mcp`, deepCallBody("remote__write", 50_000, 40 + i));
      assert.equal(reply.body.error.code, -32602, reply.text.slice(0, 300));
      assert.match(reply.body.error.message, /could not be serialized for server remote/);
      assert.doesNotMatch(reply.text, ENGINE_TEXT);
    }
    const writes = join(dir, "write.count");
    assert.equal(existsSync(writes) ? readFileSync(writes, "utf8") : "", "", "the tool never ran");
    assert.equal(t.gateway.policies.state("remote").state, "closed");
    assert.match((await callTool(t.url, "remote__read")).text, /read done/);
  });
});

describe("audit write failures are counted and logged", () => {
  let gateway: Gateway;
  let front: HttpFront;
  let url: string;
  const logLines: Record<string, any>[] = [];
  before(async () => {
    const stateDir = tempDir();
    const config = normalizeConfig(
      { gateway: { port: 0, stateDir, logLevel: "info", jsonLogs: true }, servers: { fx: fixtureServer() } },
      join(stateDir, "switchboard.json"),
    );
    const logs = new PassThrough();
    let pending = "";
    logs.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
        logLines.push(JSON.parse(pending.slice(0, end)));
        pending = pending.slice(end + 1);
      }
    });
    gateway = await createGateway(config, { logDestination: logs });
    await gateway.start();
    front = await startHttpFront(gateway, { port: 0 });
    url = front.url;
  });
  after(async () => {
    await front.close();
    await gateway.close();
  });

  test("a store that refuses one record gets it in reduced form: counted in /health and logged", async () => {
    const store = gateway.state.audit;
    const appendMany = store.appendMany.bind(store);
    // As PostgreSQL refuses text it cannot store, this store refuses non-ASCII tool names (while it answers).
    store.appendMany = async (records) => {
      if (records.some((r) => /[^\x20-\x7e]/.test(r.tool))) throw new Error("invalid byte sequence for encoding");
      return appendMany(records);
    };
    try {
      await callTool(url, "nowhere__résumé", {}, { "x-request-id": "refused-1" });
      await callTool(url, "fx__echo", { message: "m" }, { "x-request-id": "fine-1" });
      const records = await auditOf(url);
      const reduced = records.find((r) => r.correlationId === "refused-1");
      assert.equal(reduced?.tool, "nowhere__r?sum?");
      assert.ok(records.some((r) => r.correlationId === "fine-1"));
      const audit = (await health(url)).audit;
      assert.equal(audit.reduced, 1);
      assert.equal(audit.dropped, 0);
      assert.match(audit.lastFailure.reason, /the store refused the record \(Error: invalid byte sequence/);
      const line = logLines.find((l) => l.msg === "audit record reduced");
      assert.equal(line?.level, 50, "an error line");
      assert.equal(line?.correlationId, "refused-1");
    } finally {
      store.appendMany = appendMany;
    }
  });

  test("a store that fails every write: counted in /health (degraded), logged, records kept for the retry", async () => {
    const store = gateway.state.audit;
    const { appendMany, ping } = store;
    const down = async () => {
      throw new Error("disk I/O error");
    };
    store.appendMany = down;
    store.ping = down;
    try {
      await callTool(url, "fx__echo", { message: "during" }, { "x-request-id": "during-1" });
      await waitUntil(async () => (await health(url)).audit.writeFailures > 0);
      const doc = await health(url);
      assert.equal(doc.status, "degraded");
      assert.equal(doc.audit.pending, 1);
      assert.equal(doc.audit.error, "disk I/O error");
      assert.match(doc.audit.lastFailure.reason, /write failed: disk I\/O error/);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /^switchboard_audit_write_failures_total [1-9]/m);
      assert.match(metrics, /^switchboard_audit_records_pending 1$/m);
      const line = logLines.find((l) => l.msg === "audit write failed; records kept and retried");
      assert.equal(line?.level, 50);
    } finally {
      store.appendMany = appendMany;
      store.ping = ping;
    }
    await gateway.audit.flush();
    assert.ok(
      (await auditOf(url)).some((r) => r.correlationId === "during-1"),
      "written once the store is back",
    );
  });
});

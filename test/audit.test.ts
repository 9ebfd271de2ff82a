// The audit log through a real gateway: every tools/call recorded (outcome, error kind, argument and definition
// hashes, correlation id), and review decisions beside them, queryable over GET /audit and `switchboard audit`,
// and never the arguments themselves.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { canonicalHash } from "../src/core/canonical-hash.ts";
import type { AuditRecord } from "../src/ports/audit-log.ts";
import { CLI, callTool, fixtureServer, startTestGateway, type TestGateway, waitUntil } from "./helpers/gateway.ts";

const SECRET = "s3cret-argument-value";

const getJson = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};
const auditOf = async (url: string, query = "") =>
  (await getJson(`${url}/audit${query}`)).body.records as AuditRecord[];
const cli = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
const byCorrelation = (records: AuditRecord[], id: string) => records.find((r) => r.correlationId === id);

describe("audit through the gateway", () => {
  let t: TestGateway;
  before(async () => {
    // fx redescribes a tool below: accepted here (the integrity gate's hold is tested in test/integrity.test.ts).
    t = await startTestGateway({ fx: fixtureServer({}, { onChange: "accept" }) });
  });
  after(() => t.close());

  test("a call is recorded with its correlation id, argument hash and the tool's definition hash", async () => {
    const reply = await callTool(t.url, "fx__echo", { message: SECRET, n: 1 }, { "x-request-id": "req-echo-1" });
    assert.equal(reply.body.result.content[0].text, SECRET);
    assert.equal(reply.headers.get("x-request-id"), "req-echo-1", "the correlation id is returned");
    const record = byCorrelation(await auditOf(t.url), "req-echo-1");
    assert.ok(record, "recorded");
    assert.equal(record.server, "fx");
    assert.equal(record.tool, "echo");
    assert.equal(record.outcome, "ok");
    assert.equal(record.errorKind, null);
    assert.equal(record.principal, "anonymous", "authentication is off: the anonymous principal");
    assert.ok(record.durationMs >= 0);
    // Key order does not matter: the hash is of the canonical JSON.
    assert.equal(record.argumentsHash, canonicalHash({ n: 1, message: SECRET }));
    const registry = (await getJson(`${t.url}/servers/fx/registry`)).body;
    const echo = registry.items.find(
      (item: { kind: string; key: string }) => item.kind === "tool" && item.key === "echo",
    );
    assert.equal(record.definitionHash, echo.definitionHash);
    assert.equal(registry.config.server, "fx");
    assert.match(registry.config.configHash, /^[0-9a-f]{64}$/);
  });

  test("tool errors, server failures and unknown tools are recorded with their error kind", async () => {
    await callTool(t.url, "fx__fail", {}, { "x-request-id": "req-fail" });
    const crash = await callTool(t.url, "fx__crash", {}, { "x-request-id": "req-crash" });
    assert.ok(crash.body.error, "the crash is an error reply");
    const unknown = await callTool(t.url, "nowhere__tool", { q: 1 }, { "x-request-id": "req-unknown" });
    assert.equal(unknown.body.error.code, -32602);
    const records = await auditOf(t.url);
    assert.deepEqual(
      ["req-fail", "req-crash", "req-unknown"].map((id) => {
        const r = byCorrelation(records, id);
        return [r?.server, r?.tool, r?.outcome, r?.errorKind];
      }),
      [
        ["fx", "fail", "error", "tool_error"],
        ["fx", "crash", "error", crash.body.error.data.kind],
        ["", "nowhere__tool", "error", "invalid_params"],
      ],
    );
  });

  test("without X-Request-Id a correlation id is generated and returned", async () => {
    const reply = await callTool(t.url, "fx__echo", { message: "x" });
    const generated = reply.headers.get("x-request-id");
    assert.match(generated ?? "", /^[0-9a-f-]{36}$/);
    assert.ok(byCorrelation(await auditOf(t.url), generated as string));
  });

  test("GET /audit filters by server, tool, since and limit, and rejects bad parameters with 400", async () => {
    const only = await auditOf(t.url, "?server=fx&tool=echo&limit=1");
    assert.equal(only.length, 1);
    assert.equal(only[0]?.tool, "echo");
    assert.deepEqual(
      await auditOf(t.url, `?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`),
      [],
    );
    for (const bad of ["?limit=0", "?limit=abc", "?since=yesterday", "?colour=red"]) {
      const reply = await getJson(`${t.url}/audit${bad}`);
      assert.equal(reply.status, 400, bad);
      assert.equal(reply.body.success, false);
    }
    assert.equal((await fetch(`${t.url}/audit`, { method: "POST" })).status, 405);
  });

  test("the arguments themselves are stored nowhere in the state directory", async () => {
    await waitUntil(async () => (await getJson(`${t.url}/health`)).body.audit.pending === 0);
    for (const file of readdirSync(t.stateDir)) {
      if (!file.startsWith("switchboard.db")) continue;
      assert.ok(!readFileSync(join(t.stateDir, file)).includes(SECRET), `${file} holds no argument value`);
    }
  });

  test("switchboard audit prints the records from a running gateway and straight from the store", async () => {
    // Asynchronously: the gateway answering the CLI runs in this process.
    const remote = await cli("audit", "--url", t.url, "--tool", "echo", "--json");
    assert.equal(remote.status, 0, remote.stderr);
    const records = JSON.parse(remote.stdout) as AuditRecord[];
    assert.ok(records.length >= 2 && records.every((r) => r.tool === "echo"));
    const config = join(t.stateDir, "switchboard.json");
    writeFileSync(config, JSON.stringify({ gateway: { stateDir: "." }, servers: {} }));
    const local = await cli("audit", "--config", config, "--server", "fx");
    assert.equal(local.status, 0, local.stderr);
    assert.match(local.stdout, /^TIME\s+PRINCIPAL\s+SERVER\s+TOOL\s+OUTCOME/);
    assert.match(local.stdout, /req-echo-1/);
    assert.match(local.stdout, /error:tool_error/);
    const bad = await cli("audit", "--config", config, "--limit", "5000");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /limit/);
  });

  test("review decisions are listed with their action and detail, and filtered by action over HTTP and the CLI", async () => {
    const pinned = `sha256:${"c".repeat(64)}`;
    await t.gateway.state.audit.append({
      time: new Date().toISOString(),
      principal: "alice",
      server: "fx",
      tool: "echo",
      argumentsHash: "",
      definitionHash: "c".repeat(64),
      outcome: "ok",
      errorKind: null,
      durationMs: 0,
      correlationId: "review-1",
      action: "approve",
      detail: pinned,
    });
    const approvals = await auditOf(t.url, "?action=approve");
    assert.deepEqual(
      approvals.map((r) => [r.correlationId, r.principal, r.action, r.detail]),
      [["review-1", "alice", "approve", pinned]],
    );
    const calls = await auditOf(t.url, "?action=call&limit=1000");
    assert.ok(calls.length > 0 && calls.every((r) => r.action === "call" && r.detail === null));
    assert.equal(byCorrelation(calls, "review-1"), undefined);
    assert.deepEqual(await auditOf(t.url, "?action=reject"), []);
    const bad = await getJson(`${t.url}/audit?action=delete`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /action: one of call, approve, reject/);
    const remote = await cli("audit", "--url", t.url, "--action", "approve");
    assert.equal(remote.status, 0, remote.stderr);
    assert.match(remote.stdout, /^TIME\s+PRINCIPAL\s+SERVER\s+TOOL\s+OUTCOME.*\bDETAIL$/m);
    assert.match(remote.stdout, new RegExp(`alice\\s+fx\\s+echo\\s+approve\\b.*${pinned}`));
    const wrong = await cli("audit", "--url", t.url, "--action", "approved");
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /action: one of call, approve, reject/);
  });

  test("a changed tool definition gets a new hash and changed-at; the others keep theirs", async () => {
    const before = (await getJson(`${t.url}/servers/fx/registry`)).body.items as Record<string, string>[];
    const echoBefore = before.find((item) => item.key === "echo") as Record<string, string>;
    await callTool(t.url, "fx__redescribe", { description: "Echo, described anew" });
    let after: Record<string, string>[] = [];
    await waitUntil(async () => {
      after = (await getJson(`${t.url}/servers/fx/registry`)).body.items;
      return after.find((item) => item.key === "echo")?.definitionHash !== echoBefore.definitionHash;
    });
    const echoAfter = after.find((item) => item.key === "echo") as Record<string, string>;
    assert.equal(echoAfter.firstSeenAt, echoBefore.firstSeenAt);
    assert.ok(String(echoAfter.changedAt) > String(echoBefore.changedAt), "changed-at moved");
    for (const item of before.filter((i) => i.key !== "echo")) {
      const now = after.find((i) => i.kind === item.kind && i.key === item.key);
      assert.deepEqual(
        [now?.definitionHash, now?.changedAt],
        [item.definitionHash, item.changedAt],
        `${item.key} unchanged`,
      );
    }
    await callTool(t.url, "fx__echo", { message: "again" }, { "x-request-id": "req-echo-2" });
    const record = byCorrelation(await auditOf(t.url), "req-echo-2");
    assert.equal(record?.definitionHash, echoAfter.definitionHash, "later calls carry the new hash");
  });
});

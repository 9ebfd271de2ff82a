// Audit records a real PostgreSQL would refuse (a NUL in a tool name, a name too long for its index), made by a
// client calling unknown tools: they must neither be lost nor hold back every later record behind them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuditRecord } from "../../src/ports/audit-log.ts";
import { callTool, fixtureServer, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { testDatabases } from "../helpers/postgres.ts";

const databases = testDatabases();

describe("audit on PostgreSQL with records it would refuse", () => {
  let t: TestGateway;
  before(async () => {
    const url = await databases.create("audit_poison");
    t = await startTestGateway({ fx: fixtureServer() }, { gateway: { database: { url } } });
  });
  after(async () => {
    await t?.close();
    await databases.dropAll();
  });

  test("NUL and over-long unknown tool names are recorded, and the calls after them too", async () => {
    const longName = `nowhere__${"x".repeat(5_000)}`;
    await callTool(t.url, "nowhere__nul\u0000name", {}, { "x-request-id": "nul-1" });
    await callTool(t.url, longName, {}, { "x-request-id": "long-1" });
    const ok = await callTool(t.url, "fx__echo", { message: "after" }, { "x-request-id": "after-1" });
    assert.equal(ok.body.result.content[0].text, "after");
    const response = await fetch(`${t.url}/audit?limit=1000`);
    const { records, pending } = (await response.json()) as { records: AuditRecord[]; pending: number };
    const by = (id: string) => records.find((r) => r.correlationId === id);
    assert.equal(pending, 0, "nothing is stuck in the queue");
    assert.equal(by("nul-1")?.tool, "nowhere__nul\uFFFDname");
    const long = by("long-1")?.tool ?? "";
    assert.ok(long.length <= 512 && long.startsWith("nowhere__xxx"), long.slice(0, 40));
    assert.match(long, /…\[cut: 5009 chars, sha256 [0-9a-f]{16}…\]$/);
    assert.equal(by("after-1")?.outcome, "ok");
    const audit = ((await (await fetch(`${t.url}/health`)).json()) as { audit: Record<string, unknown> }).audit;
    assert.deepEqual([audit.dropped, audit.writeFailures, audit.pending], [0, 0, 0]);
  });
});

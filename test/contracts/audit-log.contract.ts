// The AuditLog contract: every adapter registers these tests through a factory of fresh, empty logs.
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import type { AuditLog, AuditRecord } from "../../src/ports/audit-log.ts";

export interface AuditLogFixture {
  store: AuditLog;
  cleanup(): Promise<void>;
}

export type AuditLogFactory = () => Promise<AuditLogFixture>;

const T0 = Date.parse("2026-03-01T10:00:00.000Z");

/** A successful call at T0 + offsetMs, as records read back (action and detail set); fields can be overridden. */
export function auditRecord(offsetMs: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: new Date(T0 + offsetMs).toISOString(),
    principal: null,
    server: "fs",
    tool: "read_file",
    argumentsHash: "a".repeat(64),
    definitionHash: "d".repeat(64),
    outcome: "ok",
    errorKind: null,
    durationMs: 12,
    correlationId: `corr-${offsetMs}`,
    action: "call",
    detail: null,
    ...overrides,
  };
}

export function auditLogContract(name: string, factory: AuditLogFactory): void {
  const open = async (t: TestContext) => {
    const fixture = await factory();
    t.after(() => fixture.cleanup());
    return fixture.store;
  };

  describe(`AuditLog contract: ${name}`, () => {
    test("an appended record reads back field for field, nulls and errors included", async (t) => {
      const log = await open(t);
      const ok = auditRecord(0, { principal: "alice", durationMs: 3.25 });
      const failed = auditRecord(1, { outcome: "error", errorKind: "timeout", definitionHash: null });
      await log.append(ok);
      await log.append(failed);
      assert.deepStrictEqual(await log.query({}), [failed, ok]);
    });

    test("review decisions read back with their action and detail; a record without them is a call", async (t) => {
      const log = await open(t);
      const approved = auditRecord(0, {
        principal: "alice",
        action: "approve",
        detail: `sha256:${"b".repeat(64)}`,
        argumentsHash: "",
        durationMs: 0,
      });
      const rejected = auditRecord(1, { principal: "bob", action: "reject", detail: null });
      const { action: _action, detail: _detail, ...bare } = auditRecord(2);
      await log.append(approved);
      await log.appendMany([rejected, bare]);
      assert.deepStrictEqual(await log.query({}), [{ ...bare, action: "call", detail: null }, rejected, approved]);
    });

    test("filters by action: call (records without one included), approve, reject; with other filters", async (t) => {
      const log = await open(t);
      const { action: _action, detail: _detail, ...bare } = auditRecord(0, { correlationId: "bare" });
      await log.append(bare);
      await log.append(auditRecord(1000, { correlationId: "call" }));
      await log.append(auditRecord(2000, { correlationId: "approve-fs", action: "approve", detail: "sha256:x" }));
      await log.append(auditRecord(3000, { correlationId: "reject-fs", action: "reject", detail: "looks hostile" }));
      await log.append(auditRecord(4000, { server: "git", correlationId: "approve-git", action: "approve" }));
      const ids = async (query: Parameters<AuditLog["query"]>[0]) =>
        (await log.query(query)).map((record) => record.correlationId);
      assert.deepEqual(await ids({ action: "call" }), ["call", "bare"]);
      assert.deepEqual(await ids({ action: "approve" }), ["approve-git", "approve-fs"]);
      assert.deepEqual(await ids({ action: "reject" }), ["reject-fs"]);
      assert.deepEqual(await ids({ action: "approve", server: "fs" }), ["approve-fs"]);
      assert.deepEqual(await ids({ action: "approve", since: new Date(T0 + 3000).toISOString() }), ["approve-git"]);
      assert.deepEqual(await ids({ action: "reject", tool: "write_file" }), []);
      assert.equal((await log.query({})).length, 5);
    });

    test("newest first by time, then by order of appending", async (t) => {
      const log = await open(t);
      await log.append(auditRecord(2000, { correlationId: "late" }));
      await log.append(auditRecord(0, { correlationId: "early" }));
      await log.append(auditRecord(1000, { correlationId: "same-1" }));
      await log.append(auditRecord(1000, { correlationId: "same-2" }));
      const ids = (await log.query({})).map((record) => record.correlationId);
      assert.deepEqual(ids, ["late", "same-2", "same-1", "early"]);
    });

    test("filters by server, tool and since (inclusive), alone and together", async (t) => {
      const log = await open(t);
      await log.append(auditRecord(0, { server: "fs", tool: "read_file" }));
      await log.append(auditRecord(1000, { server: "fs", tool: "write_file" }));
      await log.append(auditRecord(2000, { server: "git", tool: "read_file" }));
      await log.append(auditRecord(3000, { server: "fs", tool: "read_file" }));
      const offsets = async (query: Parameters<AuditLog["query"]>[0]) =>
        (await log.query(query)).map((record) => Date.parse(record.time) - T0);
      assert.deepEqual(await offsets({ server: "fs" }), [3000, 1000, 0]);
      assert.deepEqual(await offsets({ tool: "read_file" }), [3000, 2000, 0]);
      assert.deepEqual(await offsets({ server: "fs", tool: "read_file" }), [3000, 0]);
      assert.deepEqual(await offsets({ since: new Date(T0 + 1000).toISOString() }), [3000, 2000, 1000]);
      assert.deepEqual(await offsets({ server: "fs", since: new Date(T0 + 500).toISOString() }), [3000, 1000]);
      assert.deepEqual(await offsets({ server: "nobody" }), []);
    });

    test("since compares instants, whatever the ISO spelling", async (t) => {
      const log = await open(t);
      await log.append(auditRecord(0));
      assert.equal((await log.query({ since: "2026-03-01T11:00:00+01:00" })).length, 1);
      assert.equal((await log.query({ since: "2026-03-01T10:00:00.001Z" })).length, 0);
    });

    test("limit: default 100, at most 1000", async (t) => {
      const log = await open(t);
      for (let i = 0; i < 1005; i++) await log.append(auditRecord(i));
      const page = await log.query({});
      assert.equal(page.length, 100);
      assert.equal(page[0]?.correlationId, "corr-1004");
      assert.equal((await log.query({ limit: 5000 })).length, 1000);
      assert.deepEqual(
        (await log.query({ limit: 3 })).map((record) => record.correlationId),
        ["corr-1004", "corr-1003", "corr-1002"],
      );
    });

    test("prune deletes records strictly older than the time and returns how many", async (t) => {
      const log = await open(t);
      for (const offset of [0, 1000, 2000, 3000]) await log.append(auditRecord(offset));
      assert.equal(await log.prune(new Date(T0 + 2000).toISOString()), 2);
      assert.deepEqual(
        (await log.query({})).map((record) => record.correlationId),
        ["corr-3000", "corr-2000"],
      );
      assert.equal(await log.prune(new Date(T0 + 2000).toISOString()), 0);
    });

    test("an append with a time that is not ISO is refused", async (t) => {
      const log = await open(t);
      await assert.rejects(log.append(auditRecord(0, { time: "yesterday" })), /not an ISO time/);
      assert.deepEqual(await log.query({}), []);
    });

    test("appendMany stores a batch in order (beyond one statement's worth) and nothing of a refused batch", async (t) => {
      const log = await open(t);
      await log.appendMany([]);
      await log.appendMany(Array.from({ length: 1203 }, (_, i) => auditRecord(0, { correlationId: `b-${i}` })));
      const newest = await log.query({ limit: 3 });
      assert.deepEqual(
        newest.map((record) => record.correlationId),
        ["b-1202", "b-1201", "b-1200"],
      );
      assert.equal((await log.query({ limit: 1000 })).length, 1000);
      assert.equal(await log.prune(new Date(T0 + 1).toISOString()), 1203);
      await assert.rejects(log.appendMany([auditRecord(5), auditRecord(6, { time: "never" })]), /not an ISO time/);
      assert.deepEqual(await log.query({}), []);
    });

    test("ping resolves while the store is open", async (t) => {
      const log = await open(t);
      await log.ping();
    });
  });
}

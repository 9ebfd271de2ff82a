// The audit recorder at unit level, on a real (in-memory SQLite) audit log behind a switch that makes it fail:
// batching, hashing, retry while the store is down, the bounded queue, retention pruning and close.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { createSqliteAuditLog } from "../../adapters/storage/sqlite/sqlite-audit-log.ts";
import { canonicalHash } from "../../core/canonical-hash.ts";
import { EventBus, type ToolCalled } from "../../core/events.ts";
import type { AuditSettings } from "../../core/gateway-config.ts";
import type { AuditLog, AuditRecord } from "../../ports/audit-log.ts";
import { systemClock } from "../../ports/clock.ts";
import type { Logger } from "../../ports/logger.ts";
import { AuditRecorder } from "./audit-recorder.ts";

const silent: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child: () => silent,
  isLevelEnabled: () => false,
};

/** A real audit log whose writes can be made to fail, counting the batches it was given. */
async function switchableLog() {
  const log = await createSqliteAuditLog(":memory:");
  const control = { down: false, batches: [] as number[] };
  const wrapped: AuditLog = {
    ...log,
    async appendMany(records: readonly AuditRecord[]) {
      if (control.down) throw new Error("PostgreSQL unavailable: connect ECONNREFUSED");
      control.batches.push(records.length);
      await log.appendMany(records);
    },
  };
  return { log: wrapped, control };
}

function call(n: number, overrides: Partial<ToolCalled> = {}): ToolCalled {
  return {
    server: "fs",
    tool: "read_file",
    arguments: { path: `/tmp/${n}` },
    startedAt: Date.parse("2026-11-01T00:00:00Z") + n,
    durationMs: 2,
    outcome: "ok",
    errorKind: null,
    correlationId: `c-${n}`,
    principal: null,
    ...overrides,
  };
}

const settings = (overrides: Partial<AuditSettings> = {}): AuditSettings => ({
  enabled: true,
  retentionDays: 0,
  pruneIntervalMs: 3_600_000,
  flushIntervalMs: 10,
  maxQueued: 1000,
  ...overrides,
});

async function recorder(overrides: Partial<AuditSettings> = {}) {
  const { log, control } = await switchableLog();
  const events = new EventBus();
  const audit = new AuditRecorder({
    log,
    events,
    logger: silent,
    clock: systemClock,
    settings: settings(overrides),
    definitionHash: (server, tool) => (server === "fs" && tool === "read_file" ? "d".repeat(64) : undefined),
  });
  audit.start();
  return { audit, events, log, control };
}

describe("AuditRecorder", () => {
  it("calls within a flush interval are written as one batch, hashed, never with their arguments", async () => {
    const { audit, events, log, control } = await recorder();
    for (let i = 0; i < 50; i++) events.emit("tool-called", call(i));
    await delay(20);
    assert.deepEqual(control.batches, [50]);
    const records = await log.query({ limit: 1000 });
    assert.equal(records.length, 50);
    const first = records.find((r) => r.correlationId === "c-0");
    assert.equal(first?.argumentsHash, canonicalHash({ path: "/tmp/0" }));
    assert.equal(first?.definitionHash, "d".repeat(64));
    assert.equal(first?.time, "2026-11-01T00:00:00.000Z");
    assert.ok(!JSON.stringify(records).includes("/tmp/0"));
    assert.deepEqual(audit.status(), { pending: 0, written: 50, dropped: 0, error: undefined });
    await audit.close(1000);
  });

  it("while the store is down records wait and are retried; none is lost when it returns", async () => {
    const { audit, events, log, control } = await recorder();
    control.down = true;
    for (let i = 0; i < 5; i++) events.emit("tool-called", call(i));
    await delay(20);
    assert.equal(audit.status().pending, 5);
    assert.match(audit.status().error ?? "", /PostgreSQL unavailable/);
    events.emit("tool-called", call(5)); // arrives during the backoff: waits for the retry, no extra attempt
    control.down = false;
    await audit.flush();
    assert.deepEqual(audit.status(), { pending: 0, written: 6, dropped: 0, error: undefined });
    assert.equal((await log.query({})).length, 6);
    await audit.close(1000);
  });

  it("past maxQueued the oldest records are dropped and counted", async () => {
    const { audit, events, log, control } = await recorder({ maxQueued: 3 });
    control.down = true;
    for (let i = 0; i < 5; i++) events.emit("tool-called", call(i));
    assert.equal(audit.status().dropped, 2);
    control.down = false;
    await audit.flush();
    assert.deepEqual(
      (await log.query({})).map((r) => r.correlationId),
      ["c-4", "c-3", "c-2"],
    );
    await audit.close(1000);
  });

  it("prune deletes records older than the retention", async () => {
    const { audit, events, log } = await recorder({ retentionDays: 1 });
    events.emit("tool-called", call(0, { startedAt: Date.now() - 3 * 86_400_000, correlationId: "old" }));
    events.emit("tool-called", call(1, { startedAt: Date.now(), correlationId: "new" }));
    await audit.flush();
    assert.equal(await audit.prune(), 1);
    assert.deepEqual(
      (await log.query({})).map((r) => r.correlationId),
      ["new"],
    );
    await audit.close(1000);
  });

  it("close writes what is queued and stops recording; disabled records nothing", async () => {
    const { audit, events, log } = await recorder();
    events.emit("tool-called", call(0));
    await audit.close(1000);
    events.emit("tool-called", call(1));
    await delay(10);
    assert.deepEqual(
      (await log.query({})).map((r) => r.correlationId),
      ["c-0"],
    );
    const off = await recorder({ enabled: false });
    off.events.emit("tool-called", call(2));
    await delay(10);
    assert.deepEqual(await off.log.query({}), []);
    await off.audit.close(100);
  });
});

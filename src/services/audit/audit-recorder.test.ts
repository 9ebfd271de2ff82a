// The audit recorder at unit level, on a real (in-memory SQLite) audit log behind a switch that makes it fail and
// a manual clock: batching, hashing, retry while the store is down, the bounded queue, retention pruning and close.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createManualClock } from "../../../test/helpers/manual-clock.ts";
import { createSqliteAuditLog } from "../../adapters/storage/sqlite/sqlite-audit-log.ts";
import { canonicalHash } from "../../core/canonical-hash.ts";
import { EventBus, type GatewayEvents, type ToolCalled } from "../../core/events.ts";
import type { AuditSettings } from "../../core/gateway-config.ts";
import type { AuditLog, AuditRecord } from "../../ports/audit-log.ts";
import { AuditRecorder } from "./audit-recorder.ts";

const FLUSH_INTERVAL_MS = 10;
const FIRST_RETRY_MS = 500;
const DAY_MS = 86_400_000;

/** Lets the store's I/O run until the condition holds, for work a timer started that the test cannot await. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn === 1_000) throw new Error("the condition never held");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A real audit log whose writes can be made to fail, counting the batches it was given. */
async function switchableLog() {
  const log = await createSqliteAuditLog(":memory:");
  const control = {
    down: false,
    batches: [] as number[],
    /** Records the store refuses while it answers (as PostgreSQL refuses NUL in text). */
    refuses: (_record: AuditRecord) => false,
  };
  const wrapped: AuditLog = {
    ...log,
    async appendMany(records: readonly AuditRecord[]) {
      if (control.down) throw new Error("PostgreSQL unavailable: connect ECONNREFUSED");
      if (records.some(control.refuses)) throw new Error("invalid byte sequence for encoding UTF8: 0x00");
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
  flushIntervalMs: FLUSH_INTERVAL_MS,
  maxQueued: 1000,
  ...overrides,
});

async function recorder(overrides: Partial<AuditSettings> = {}) {
  const { log, control } = await switchableLog();
  const events = new EventBus();
  const clock = createManualClock();
  const reduced: GatewayEvents["audit-reduced"][] = [];
  const dropped: GatewayEvents["audit-dropped"][] = [];
  events.on("audit-reduced", (event) => reduced.push(event));
  events.on("audit-dropped", (event) => dropped.push(event));
  const audit = new AuditRecorder({
    log,
    events,
    clock,
    settings: settings(overrides),
    definitionHash: (server, tool) => (server === "fs" && tool === "read_file" ? "d".repeat(64) : undefined),
  });
  audit.start();
  return { audit, events, log, control, clock, reduced, dropped };
}

describe("AuditRecorder", () => {
  it("calls within a flush interval are written as one batch, hashed, never with their arguments", async () => {
    const { audit, events, log, control, clock } = await recorder();
    for (let i = 0; i < 50; i++) events.emit("tool-called", call(i));
    clock.advance(FLUSH_INTERVAL_MS - 1);
    assert.deepEqual(control.batches, [], "nothing is written before the interval ends");
    clock.advance(1);
    assert.deepEqual(control.batches, [50]);
    await audit.flush();
    const records = await log.query({ limit: 1000 });
    assert.equal(records.length, 50);
    const first = records.find((r) => r.correlationId === "c-0");
    assert.equal(first?.argumentsHash, canonicalHash({ path: "/tmp/0" }));
    assert.equal(first?.definitionHash, "d".repeat(64));
    assert.equal(first?.time, "2026-11-01T00:00:00.000Z");
    assert.ok(!JSON.stringify(records).includes("/tmp/0"));
    assert.deepEqual(audit.status(), {
      pending: 0,
      written: 50,
      reduced: 0,
      dropped: 0,
      writeFailures: 0,
      error: undefined,
      lastFailure: null,
    });
    await audit.close(1000);
  });

  it("while the store is down records wait and are retried; none is lost when it returns", async () => {
    const { audit, events, log, control, clock } = await recorder();
    control.down = true;
    for (let i = 0; i < 5; i++) events.emit("tool-called", call(i));
    clock.advance(FLUSH_INTERVAL_MS);
    await audit.flush(); // the failed attempt the interval started
    assert.equal(audit.status().pending, 5);
    assert.match(audit.status().error ?? "", /PostgreSQL unavailable/);
    events.emit("tool-called", call(5)); // arrives during the backoff: waits for the retry, no extra attempt
    clock.advance(FIRST_RETRY_MS - 1);
    assert.equal(audit.status().writeFailures, 1);
    control.down = false;
    clock.advance(1);
    assert.deepEqual(control.batches, [6], "the retry writes everything queued, as one batch");
    await audit.flush();
    const status = audit.status();
    assert.deepEqual(
      { ...status, lastFailure: undefined },
      { pending: 0, written: 6, reduced: 0, dropped: 0, writeFailures: 1, error: undefined, lastFailure: undefined },
    );
    assert.match(status.lastFailure?.reason ?? "", /write failed: PostgreSQL unavailable/);
    assert.equal((await log.query({})).length, 6);
    await audit.close(1000);
  });

  it("a store back between a failed batch and its ping clears the failure once the records are written", async () => {
    const { audit, events, log, control, clock } = await recorder();
    control.down = true;
    events.emit("tool-called", call(0));
    clock.advance(FLUSH_INTERVAL_MS);
    await audit.flush();
    assert.match(audit.status().error ?? "", /PostgreSQL unavailable/);
    // The next batch fails once more, but the store answers the ping that follows: written a record at a time.
    let failOnce = true;
    const append = log.appendMany.bind(log);
    log.appendMany = async (records) => {
      if (failOnce) {
        failOnce = false;
        throw new Error("PostgreSQL unavailable: connection terminated");
      }
      await append(records);
    };
    control.down = false;
    events.emit("tool-called", call(1));
    await audit.flush();
    const status = audit.status();
    assert.deepEqual([status.pending, status.written, status.error], [0, 2, undefined]);
    await audit.close(1000);
  });

  it("past maxQueued the oldest records are dropped, counted and announced", async () => {
    const { audit, events, log, control, dropped } = await recorder({ maxQueued: 3 });
    control.down = true;
    for (let i = 0; i < 5; i++) events.emit("tool-called", call(i));
    assert.equal(audit.status().dropped, 2);
    assert.deepEqual(dropped, [
      { cause: "queue-full", dropped: 1, total: 1 },
      { cause: "queue-full", dropped: 1, total: 2 },
    ]);
    control.down = false;
    await audit.flush();
    assert.deepEqual(
      (await log.query({})).map((r) => r.correlationId),
      ["c-4", "c-3", "c-2"],
    );
    await audit.close(1000);
  });

  it("prune deletes records older than the retention, at start and then every prune interval", async () => {
    const { audit, events, log, clock } = await recorder({ retentionDays: 1, pruneIntervalMs: 60_000 });
    const pruned: GatewayEvents["audit-pruned"][] = [];
    events.on("audit-pruned", (event) => pruned.push(event));
    const start = clock.now();
    events.emit("tool-called", call(0, { startedAt: start - 3 * DAY_MS, correlationId: "old" }));
    events.emit("tool-called", call(1, { startedAt: start - DAY_MS + 30_000, correlationId: "next" }));
    events.emit("tool-called", call(2, { startedAt: start, correlationId: "new" }));
    await audit.flush();
    clock.advance(0);
    await until(() => pruned.length === 1);
    assert.deepEqual(pruned, [{ removed: 1, olderThan: new Date(start - DAY_MS).toISOString() }]);
    clock.advance(59_999);
    assert.equal(pruned.length, 1, "not before the prune interval");
    clock.advance(1);
    await until(() => pruned.length === 2);
    assert.deepEqual(
      (await log.query({})).map((r) => r.correlationId),
      ["new"],
    );
    await audit.close(1000);
  });

  it("close writes what is queued and stops recording; disabled records nothing", async () => {
    const { audit, events, log, clock } = await recorder();
    events.emit("tool-called", call(0));
    await audit.close(1000);
    events.emit("tool-called", call(1));
    clock.advance(FLUSH_INTERVAL_MS);
    assert.equal(clock.pending(), 0, "no timer left behind");
    assert.deepEqual(
      (await log.query({})).map((r) => r.correlationId),
      ["c-0"],
    );
    const off = await recorder({ enabled: false });
    off.events.emit("tool-called", call(2));
    off.clock.advance(FLUSH_INTERVAL_MS);
    assert.deepEqual(await off.log.query({}), []);
    await off.audit.close(100);
  });

  it("records close cannot write are counted as dropped and announced", async () => {
    const { audit, events, control, dropped } = await recorder();
    control.down = true;
    events.emit("tool-called", call(0));
    events.emit("tool-called", call(1));
    await audit.close(1000);
    assert.equal(audit.status().dropped, 2);
    assert.deepEqual(dropped, [{ cause: "shutdown", lost: 2, error: "PostgreSQL unavailable: connect ECONNREFUSED" }]);
  });

  it("close gives up waiting for a write that hangs when its time is up", async () => {
    const { audit, events, log, clock, dropped } = await recorder();
    let release = () => {};
    log.appendMany = () => new Promise<void>((resolve) => (release = resolve));
    events.emit("tool-called", call(0));
    let closed = false;
    const closing = audit.close(1000).then(() => (closed = true));
    clock.advance(999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed, false, "still waiting for the write");
    clock.advance(1);
    await closing;
    assert.deepEqual(dropped, [{ cause: "shutdown", lost: 1, error: undefined }]);
    release();
  });

  it("arguments nested 10,000 deep are hashed like any others", async () => {
    const { audit, events, log } = await recorder();
    let deep: unknown = "leaf";
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    events.emit("tool-called", call(0, { arguments: deep }));
    await audit.flush();
    assert.equal((await log.query({}))[0]?.argumentsHash, canonicalHash(deep));
    assert.equal(audit.status().reduced, 0);
    await audit.close(1000);
  });

  it("a record the store refuses while it answers is stored reduced; the rest of its batch in full", async () => {
    const { audit, events, log, control, reduced } = await recorder();
    control.refuses = (record) => record.tool.includes("\uFFFD");
    events.emit("tool-called", call(0));
    events.emit("tool-called", call(1, { tool: "bad\u0000name\u{1F600}", server: "" }));
    events.emit("tool-called", call(2));
    await audit.flush();
    const records = await log.query({});
    assert.deepEqual(
      records.map((r) => [
        r.correlationId,
        r.tool,
        r.argumentsHash === canonicalHash({ path: `/tmp/${r.correlationId.slice(2)}` }),
      ]),
      [
        ["c-2", "read_file", true],
        ["c-1", "bad?name?", true],
        ["c-0", "read_file", true],
      ],
    );
    const status = audit.status();
    assert.deepEqual([status.written, status.reduced, status.dropped, status.pending], [3, 1, 0, 0]);
    assert.match(status.lastFailure?.reason ?? "", /the store refused the record/);
    assert.deepEqual(
      reduced.map((event) => event.correlationId),
      ["c-1"],
    );
    await audit.close(1000);
  });

  it("arguments that cannot be hashed give a reduced record with a note, counted and announced", async () => {
    const { audit, events, log, reduced } = await recorder();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    events.emit("tool-called", call(0, { arguments: cyclic }));
    events.emit("tool-called", call(1, { arguments: { n: 10n } }));
    await audit.flush();
    const hashes = (await log.query({})).map((r) => r.argumentsHash);
    assert.deepEqual(hashes, ["unhashed: TypeError", "unhashed: TypeError"]);
    assert.equal(audit.status().reduced, 2);
    assert.equal(audit.status().written, 2);
    assert.equal(reduced.length, 2);
    assert.match(String(reduced[0]?.reason), /could not be hashed \(TypeError: canonicalJson: cyclic/);
    await audit.close(1000);
  });

  it("a store that refuses even reduced records keeps them queued and retries; nothing is dropped", async () => {
    const { audit, events, log, control } = await recorder();
    control.refuses = () => true;
    events.emit("tool-called", call(0));
    await audit.flush();
    assert.deepEqual([audit.status().pending, audit.status().writeFailures, audit.status().dropped], [1, 1, 0]);
    control.refuses = () => false;
    await audit.flush();
    assert.equal((await log.query({})).length, 1);
    assert.deepEqual([audit.status().pending, audit.status().written, audit.status().reduced], [0, 1, 0]);
    await audit.close(1000);
  });

  it("a call whose record cannot be built at all still gets a reduced record", async () => {
    const { audit, events, log, reduced } = await recorder();
    events.emit("tool-called", call(0, { startedAt: Number.NaN, correlationId: "no-time" }));
    await audit.flush();
    const [record] = await log.query({});
    assert.equal(record?.correlationId, "no-time");
    assert.equal(record?.argumentsHash, "unhashed: reduced");
    assert.equal(audit.status().reduced, 1);
    assert.match(String(reduced[0]?.reason), /could not be built \(RangeError: Invalid time value/);
    await audit.close(1000);
  });
});

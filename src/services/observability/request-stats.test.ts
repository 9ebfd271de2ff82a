// RequestStats on a fake clock: totals and errors from call-finished events, the sliding window (rates,
// percentiles, slots falling out).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventBus } from "../../core/events.ts";
import type { Clock } from "../../ports/clock.ts";
import { quantileMs } from "./latency-histogram.ts";
import { RequestStats } from "./request-stats.ts";

function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    setTimeout: () => ({ cancel() {} }),
    advance(ms) {
      now += ms;
    },
  };
}

const finished = (events: EventBus, server: string, durationMs: number, errorKind?: string) =>
  events.emit("call-finished", {
    server,
    method: "tools/call",
    tool: "echo",
    durationMs,
    outcome: errorKind ? "error" : "ok",
    ...(errorKind ? { errorKind } : {}),
  });

describe("RequestStats", () => {
  it("counts calls and errors per server and in total, with the mean duration", () => {
    const events = new EventBus();
    const clock = fakeClock();
    const stats = new RequestStats({ events, clock });
    finished(events, "a", 10);
    finished(events, "a", 30);
    finished(events, "b", 20, "timeout");
    const total = stats.gateway();
    assert.equal(total.requests, 3);
    assert.equal(total.errors, 1);
    assert.equal(total.errorRate, 0.333333);
    assert.equal(total.meanMs, 20);
    const a = stats.server("a");
    assert.deepEqual([a.requests, a.errors, a.meanMs, a.lastCallError], [2, 0, 20, null]);
    const b = stats.server("b");
    assert.equal(b.errors, 1);
    assert.equal(b.lastCallError?.kind, "timeout");
    assert.equal(b.lastCallError?.at, new Date(clock.now()).toISOString());
    const unknown = stats.server("never-called");
    assert.deepEqual([unknown.requests, unknown.meanMs, unknown.recent.p95Ms], [0, 0, null]);
  });

  it("reports rates and percentiles over the window, and forgets calls older than it", () => {
    const events = new EventBus();
    const clock = fakeClock(0);
    const stats = new RequestStats({ events, clock, windowMs: 60_000 });
    clock.advance(60_000);
    for (let i = 0; i < 95; i++) finished(events, "a", 3);
    for (let i = 0; i < 5; i++) finished(events, "a", 700, "upstream_unavailable");
    let recent = stats.server("a").recent;
    assert.equal(recent.requests, 100);
    assert.equal(recent.errors, 5);
    assert.equal(recent.errorRate, 0.05);
    assert.ok(recent.requestsPerSecond > 1.6 && recent.requestsPerSecond <= 2, String(recent.requestsPerSecond));
    assert.ok((recent.p50Ms as number) > 2 && (recent.p50Ms as number) <= 5, String(recent.p50Ms));
    assert.ok((recent.p99Ms as number) > 500 && (recent.p99Ms as number) <= 1000, String(recent.p99Ms));

    clock.advance(30_000);
    finished(events, "a", 40);
    recent = stats.server("a").recent;
    assert.equal(recent.requests, 101, "still inside the window");

    clock.advance(45_000);
    recent = stats.server("a").recent;
    assert.equal(recent.requests, 1, "the first burst slid out");
    assert.equal(recent.p50Ms !== null && recent.p50Ms > 20 && recent.p50Ms <= 50, true);
    assert.equal(stats.server("a").requests, 101, "totals keep everything");
  });

  it("does not count time before it started in the rate", () => {
    const events = new EventBus();
    const clock = fakeClock(7_777);
    const stats = new RequestStats({ events, clock });
    for (let i = 0; i < 10; i++) finished(events, "a", 1);
    clock.advance(2_000);
    assert.equal(stats.gateway().recent.requestsPerSecond, 5);
  });
});

describe("RequestStats.lastStop", () => {
  it("remembers why a server last stopped until it starts again", () => {
    const events = new EventBus();
    const stats = new RequestStats({ events, clock: fakeClock() });
    assert.equal(stats.lastStop("a"), undefined);
    events.emit("server-stopped", { server: "a", reason: "crashed" });
    assert.equal(stats.lastStop("a"), "crashed");
    events.emit("server-started", { server: "a", pid: 1, durationMs: 5, cold: true });
    assert.equal(stats.lastStop("a"), undefined);
    events.emit("server-start-failed", { server: "a", error: "exit 3", failures: 1 });
    assert.equal(stats.lastStop("a"), "start-failed");
  });
});

describe("quantileMs", () => {
  it("interpolates inside the bucket holding the rank and is null without samples", () => {
    assert.equal(quantileMs([0, 0, 0], 0.5), null);
    // 10 samples in the (5, 10] bucket: the median sits halfway through it.
    const buckets = new Uint32Array(16);
    buckets[3] = 10;
    assert.equal(quantileMs(buckets, 0.5), 7.5);
    const slow = new Uint32Array(16);
    slow[15] = 1;
    assert.equal(quantileMs(slow, 0.99), 60_000, "the open bucket reports its lower bound");
  });
});

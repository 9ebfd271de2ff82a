// The series exporters against prom-client's own metrics: the same observations must render the same text, so
// an upgrade of prom-client that changes how histograms are read fails here.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Counter, Histogram, Registry } from "prom-client";
import { CALL_DURATION_BUCKETS_SECONDS, CallSeries, registerRequestCounter, SeriesHistogram } from "./call-series.ts";
import { ServerCalls } from "./server-calls.ts";

// Durations exact in binary in both ms and s, so the sums agree to the last digit.
const DURATIONS_MS = [0, 1, 5, 7.8125, 62.5, 250, 1000, 4000, 120_000];

describe("call series", () => {
  it("a SeriesHistogram renders exactly like a native histogram fed the same observations", async () => {
    const ours = new Registry();
    const native = new Registry();
    const series = [
      new CallSeries({ server: "a", method: "tools/call", tool: "echo" }),
      new CallSeries({ server: "b", method: "tools/list", tool: "" }),
    ];
    new SeriesHistogram(ours, "d_seconds", "durations", () => series);
    const reference = new Histogram({
      name: "d_seconds",
      help: "durations",
      labelNames: ["server", "method", "tool"],
      buckets: [...CALL_DURATION_BUCKETS_SECONDS],
      registers: [native],
    });
    for (const [i, ms] of DURATIONS_MS.entries()) {
      const s = series[i % 2] as CallSeries;
      s.record(ms, undefined);
      reference.observe({ ...s.labels }, ms / 1000);
    }
    assert.equal(await ours.metrics(), await native.metrics());
    // The JSON form too, but for native histograms' empty exemplar slots.
    const withoutExemplars = (json: unknown) =>
      JSON.parse(JSON.stringify(json, (k, v) => (k === "exemplar" ? undefined : v)));
    assert.deepEqual(await ours.getMetricsAsJSON(), withoutExemplars(await native.getMetricsAsJSON()));
  });

  it("the request counter renders ok and error counts like a native counter", async () => {
    const ours = new Registry();
    const native = new Registry();
    const s = new CallSeries({ server: "a", method: "tools/call", tool: "echo" });
    registerRequestCounter(ours, "r_total", () => [s]);
    const reference = new Counter({
      name: "r_total",
      help: "Requests forwarded to servers, by server, method, tool (tools/call only), status (ok/error) and error kind.",
      labelNames: ["server", "method", "tool", "status", "error_kind"],
      registers: [native],
    });
    s.record(1, undefined);
    s.record(1, undefined);
    s.record(1, "timeout");
    reference.inc({ ...s.labels, status: "ok", error_kind: "" }, 2);
    reference.inc({ ...s.labels, status: "error", error_kind: "timeout" }, 1);
    assert.equal(await ours.metrics(), await native.metrics());
  });

  it("ServerCalls: known tools get their own series up to the cap; the rest, and unknown methods, share one", () => {
    const created: CallSeries[] = [];
    const known = new Set(["t1", "t2", "t3", "t4"]);
    const calls = new ServerCalls(
      "s",
      2,
      (tool) => known.has(tool),
      (series) => created.push(series),
    );
    const t1 = calls.series("tools/call", "t1");
    assert.equal(calls.series("tools/call", "t1"), t1, "resolved once, then reused");
    calls.series("tools/call", "t2");
    const other = calls.series("tools/call", "t3");
    assert.equal(other.labels.tool, "_other");
    assert.equal(calls.series("tools/call", "t4"), other);
    assert.equal(calls.series("tools/call", "unknown"), other);
    const odd = calls.series("x/y", undefined);
    assert.equal(odd.labels.method, "other");
    assert.equal(calls.series("z/w", undefined), odd);
    assert.equal(calls.series("ping", undefined).labels.method, "ping");
    assert.deepEqual(
      created.map((s) => `${s.labels.method} ${s.labels.tool}`),
      ["tools/call t1", "tools/call t2", "tools/call _other", "other ", "ping "],
    );
  });
});

// Per-call counts and durations. The hot path only bumps plain numbers in a series resolved once per
// server/method/tool; prom-client metrics read them when Prometheus scrapes (prom-client's own inc/observe build
// a label key and validate labels on every call: ~0.8 µs per call for a counter and a histogram, measured).
import { Counter, Histogram, type Registry } from "prom-client";

/** Upper bounds of the call duration histogram, in seconds. */
export const CALL_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
const BOUNDS_MS = CALL_DURATION_BUCKETS_SECONDS.map((s) => s * 1000);

export interface CallLabels {
  readonly server: string;
  readonly method: string;
  /** The tool for tools/call, empty for other methods. */
  readonly tool: string;
}

/** Calls of one server/method/tool label set. */
export class CallSeries {
  readonly labels: CallLabels;
  ok = 0;
  /** Failed calls by error kind label. */
  readonly errors = new Map<string, number>();
  /** Calls per duration bucket (not cumulative); the last slot holds those above the largest bound. */
  readonly buckets = new Float64Array(BOUNDS_MS.length + 1);
  count = 0;
  sumMs = 0;

  constructor(labels: CallLabels) {
    this.labels = labels;
  }

  /** One finished call; `errorKind` is a label value (see metric-labels.ts), undefined for success. */
  record(durationMs: number, errorKind: string | undefined): void {
    if (errorKind === undefined) this.ok++;
    else this.errors.set(errorKind, (this.errors.get(errorKind) ?? 0) + 1);
    let i = 0;
    while (i < BOUNDS_MS.length && durationMs > (BOUNDS_MS[i] as number)) i++;
    this.buckets[i] = (this.buckets[i] as number) + 1;
    this.count++;
    this.sumMs += durationMs;
  }
}

/** The requests counter, filled from the series at each scrape. */
export function registerRequestCounter(
  registry: Registry,
  name: string,
  series: () => Iterable<CallSeries>,
): Counter<string> {
  return new Counter({
    name,
    help: "Requests forwarded to servers, by server, method, tool (tools/call only), status (ok/error) and error kind.",
    labelNames: ["server", "method", "tool", "status", "error_kind"],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of series()) {
        this.inc({ ...s.labels, status: "ok", error_kind: "" }, s.ok);
        for (const [kind, n] of s.errors) this.inc({ ...s.labels, status: "error", error_kind: kind }, n);
      }
    },
  });
}

type HistogramSnapshot = Awaited<ReturnType<Histogram<string>["get"]>>;

/**
 * A prom-client histogram whose values come from CallSeries instead of observe(): the registry formats it like
 * any histogram (`_bucket` with cumulative `le`, `_sum`, `_count`). A unit test compares its output with a
 * native histogram fed the same observations, so a prom-client upgrade that changes the format fails loudly.
 */
export class SeriesHistogram extends Histogram<string> {
  private readonly metricName: string;
  private readonly metricHelp: string;
  private readonly series: () => Iterable<CallSeries>;

  constructor(registry: Registry, name: string, help: string, series: () => Iterable<CallSeries>) {
    super({
      name,
      help,
      labelNames: ["server", "method", "tool"],
      buckets: [...CALL_DURATION_BUCKETS_SECONDS],
      registers: [registry],
    });
    this.metricName = name;
    this.metricHelp = help;
    this.series = series;
  }

  override async get(): Promise<HistogramSnapshot> {
    return this.snapshot();
  }

  /** What the registry reads when it renders the text format. */
  async getForPromString(): Promise<HistogramSnapshot> {
    return this.snapshot();
  }

  private snapshot(): HistogramSnapshot {
    const name = this.metricName;
    const bucket = `${name}_bucket`;
    const values: HistogramSnapshot["values"] = [];
    for (const s of this.series()) {
      if (s.count === 0) continue;
      let cumulative = 0;
      CALL_DURATION_BUCKETS_SECONDS.forEach((le, i) => {
        cumulative += s.buckets[i] as number;
        values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { le: "+Inf", ...s.labels }, value: s.count, metricName: bucket });
      values.push({ labels: { ...s.labels }, value: s.sumMs / 1000, metricName: `${name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${name}_count` });
    }
    // The typings declare `type` as a numeric enum while the runtime (and the registry) use the string.
    const snapshot = { name, help: this.metricHelp, type: "histogram", values, aggregator: "sum" };
    return snapshot as unknown as HistogramSnapshot;
  }
}

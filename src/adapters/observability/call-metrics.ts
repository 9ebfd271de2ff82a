// Metric family of forwarded calls: counts and durations by server, method and tool (accumulated per resolved
// series, exported at scrape time: see call-series.ts), and errors nothing handled.
import { Counter } from "prom-client";
import { INTERNAL_ERROR_ORIGINS } from "../../core/events.ts";
import { type CallSeries, registerRequestCounter, SeriesHistogram } from "./call-series.ts";
import type { MetricFamilyContext } from "./metric-family.ts";
import { errorKindLabel, KnownTools, OTHER_ERROR_KIND } from "./metric-labels.ts";
import { ServerCalls } from "./server-calls.ts";

export interface CallMetricsOptions {
  /** Tool labels per server at most; calls of further tools share `_other`. */
  maxToolsPerServer: number;
  /** The catalog's tools of a server (the same array while its listing is unchanged), if known. */
  tools(server: string): readonly Record<string, unknown>[] | undefined;
}

export function registerCallMetrics(context: MetricFamilyContext, options: CallMetricsOptions): void {
  const { registry, name, serverLabel } = context;
  const known = new KnownTools();
  const allSeries: CallSeries[] = [];
  const calls = new Map<string, ServerCalls>();
  const callsOf = (server: string): ServerCalls => {
    let found = calls.get(server);
    if (!found) {
      const label = serverLabel(server);
      found = calls.get(label);
      if (!found) {
        found = new ServerCalls(
          label,
          options.maxToolsPerServer,
          (tool) => known.has(options.tools(label), tool),
          (s) => allSeries.push(s),
        );
        calls.set(label, found);
      }
    }
    return found;
  };
  for (const server of context.servers) callsOf(server);
  registerRequestCounter(registry, name("requests_total"), () => allSeries);
  new SeriesHistogram(
    registry,
    name("request_duration_seconds"),
    "Duration of requests forwarded to servers, from the gateway receiving them to the reply, by server, method and tool.",
    () => allSeries,
  );
  context.on("call-finished", (call) => {
    const kind = call.outcome === "ok" ? undefined : errorKindLabel(call.errorKind ?? OTHER_ERROR_KIND);
    callsOf(call.server).series(call.method, call.tool).record(call.durationMs, kind);
  });

  const internalErrors = new Counter({
    name: name("internal_errors_total"),
    help: "Errors nothing handled (uncaught exceptions, unhandled rejections), caught instead of ending the process.",
    labelNames: ["origin"],
    registers: [registry],
  });
  for (const origin of INTERNAL_ERROR_ORIGINS) internalErrors.inc({ origin }, 0);
  context.on("internal-error", ({ origin }) => internalErrors.inc({ origin }));
}

// Metric family of the servers' lifecycle: starts (cold, with their duration), stops by reason, failed starts and
// limited definitions from events; state, calls in flight and restarts read from the supervisor at scrape time.
import { Counter, Gauge, Histogram } from "prom-client";
import { SERVER_STATES, type ServerState } from "../../core/server-state.ts";
import { eventCounter, type MetricFamilyContext } from "./metric-family.ts";

const START_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface UpstreamSnapshot {
  name: string;
  state: ServerState;
  inFlight: number;
  /** Starts that followed a failure, since the gateway started (monotonic). */
  restarts: number;
}

export function registerUpstreamEvents(context: MetricFamilyContext): void {
  const { name, serverLabel } = context;
  const registers = [context.registry];
  const coldStarts = eventCounter(
    context,
    "upstream_cold_starts_total",
    "Servers started from asleep (a process spawned or a connection opened and initialized).",
    ["server"],
  );
  const startDuration = new Histogram({
    name: name("upstream_start_duration_seconds"),
    help: "Time from starting a server to its being ready (spawn and initialize handshake).",
    labelNames: ["server", "cold"],
    buckets: START_BUCKETS_SECONDS,
    registers,
  });
  const stops = eventCounter(
    context,
    "upstream_stops_total",
    "Servers stopped, by reason: idle, requested, shutdown, crashed, health-check, start-failed.",
    ["server", "reason"],
  );
  const startFailures = eventCounter(
    context,
    "upstream_start_failures_total",
    "Server starts that failed (spawn error, crash before ready, initialize timeout).",
    ["server"],
  );
  const limited = eventCounter(
    context,
    "definitions_limited_total",
    "Server definitions cut (description shortened) or refused (not listed) by gateway.definitionLimits, by list (`server`: its instructions, serverInfo, capabilities); each item once.",
    ["server", "list", "action"],
  );
  for (const server of context.servers) {
    coldStarts.inc({ server }, 0);
    startFailures.inc({ server }, 0);
    stops.inc({ server, reason: "crashed" }, 0);
    stops.inc({ server, reason: "idle" }, 0);
  }
  context.on("server-started", ({ server, durationMs, cold }) => {
    const label = serverLabel(server);
    if (cold) coldStarts.inc({ server: label });
    startDuration.observe({ server: label, cold: String(cold) }, durationMs / 1000);
  });
  context.on("server-stopped", ({ server, reason }) => stops.inc({ server: serverLabel(server), reason }));
  context.on("server-start-failed", ({ server }) => startFailures.inc({ server: serverLabel(server) }));
  context.on("definition-limited", ({ server, list, action }) =>
    limited.inc({ server: serverLabel(server), list, action }),
  );
}

/** State, calls in flight and restarts per server, read when Prometheus scrapes. */
export function registerUpstreamGauges(context: MetricFamilyContext, upstreams: () => Iterable<UpstreamSnapshot>) {
  const { name } = context;
  const registers = [context.registry];
  new Gauge({
    name: name("upstream_state"),
    help: "Lifecycle state per server: 1 for the current state, 0 for the others.",
    labelNames: ["server", "state"],
    registers,
    collect() {
      this.reset();
      for (const upstream of upstreams()) {
        for (const state of SERVER_STATES) this.set({ server: upstream.name, state }, state === upstream.state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: name("upstream_in_flight"),
    help: "Calls in flight per server (started or waiting for the server to start, not yet answered).",
    labelNames: ["server"],
    registers,
    collect() {
      this.reset();
      for (const upstream of upstreams()) this.set({ server: upstream.name }, upstream.inFlight);
    },
  });
  new Counter({
    name: name("upstream_restarts_total"),
    help: "Server starts that followed a failure (crash, failed start, failed health checks).",
    labelNames: ["server"],
    registers,
    collect() {
      this.reset();
      for (const upstream of upstreams()) this.inc({ server: upstream.name }, upstream.restarts);
    },
  });
}

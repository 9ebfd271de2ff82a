// The Prometheus adapter: one prom-client Registry per gateway (never the library's global one: several gateways
// may share a process), fed by domain events and, at scrape time, by gauges read from the gateway's services.
// Names and labels are documented in docs/metrics.md.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CircuitState, Disposable, EventBus } from "../../core/events.ts";
import type { MetricsSettings } from "../../core/gateway-config.ts";
import type { ServerState } from "../../core/server-state.ts";
import type { CacheStats } from "../../ports/cache.ts";
import type { MetricsExporter } from "../../ports/metrics.ts";
import { type AuditCounts, registerAuditMetrics } from "./audit-metrics.ts";
import { type CallSeries, registerRequestCounter, SeriesHistogram } from "./call-series.ts";
import { errorKindLabel, KnownTools, methodLabel, OTHER_ERROR_KIND } from "./metric-labels.ts";
import { scrapeCounter } from "./scrape-metrics.ts";
import { ServerCalls } from "./server-calls.ts";
import { registerSessionBounds, type SessionBoundSources } from "./session-bound-metrics.ts";

export const SERVER_STATES: readonly ServerState[] = [
  "asleep",
  "starting",
  "ready",
  "stopping",
  "backoff",
  "failed",
  "disabled",
];
const CIRCUIT_STATES = ["closed", "open", "half-open"] as const;
/** The `server` label of events naming a server that is not configured (none should). */
const OTHER_SERVER = "_other";
const START_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface UpstreamSnapshot {
  name: string;
  state: ServerState;
  inFlight: number;
  /** Starts that followed a failure, since the gateway started (monotonic). */
  restarts: number;
}

/** What the gauges read when Prometheus scrapes; each must be cheap and must never trigger work. */
export interface MetricsSources extends SessionBoundSources {
  /** Configured server names (the bounded `server` label set). */
  serverNames: readonly string[];
  upstreams(): Iterable<UpstreamSnapshot>;
  /** The catalog's tools of a server (the same array while its listing is unchanged), if known. */
  tools(server: string): readonly Record<string, unknown>[] | undefined;
  sessions(): number;
  /** Hit/miss counts by cache name (monotonic). */
  caches(): Readonly<Record<string, CacheStats>>;
  budgets(): { cutResults: number; tokensSaved: number };
  /** Tokens of the tool listings as last counted; undefined until something asked for a count. */
  listingTokens(): { full: number; progressive: number } | undefined;
  /** A configured server's circuit breaker state, read at scrape time. */
  circuit(server: string): CircuitState;
  /** The audit recorder's counts (monotonic, except pending). */
  audit(): AuditCounts;
}

export interface PromMetricsOptions {
  events: EventBus;
  sources: MetricsSources;
  settings: MetricsSettings;
  version: string;
}

export interface PromMetrics extends MetricsExporter {
  readonly registry: Registry;
}

export function createPromMetrics(options: PromMetricsOptions): PromMetrics {
  const { events, sources, settings } = options;
  const registry = new Registry();
  const name = (base: string) => `${settings.prefix}${base}`;
  const subscriptions: Disposable[] = [];
  const known = new KnownTools();
  const configured = new Set(sources.serverNames);
  const serverLabel = (server: string | undefined) =>
    server === undefined ? "" : configured.has(server) ? server : OTHER_SERVER;

  // Calls: accumulated per resolved series, exported at scrape time (see call-series.ts).
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
          settings.maxToolsPerServer,
          (tool) => known.has(sources.tools(label), tool),
          (s) => allSeries.push(s),
        );
        calls.set(label, found);
      }
    }
    return found;
  };
  for (const server of sources.serverNames) callsOf(server);
  registerRequestCounter(registry, name("requests_total"), () => allSeries);
  new SeriesHistogram(
    registry,
    name("request_duration_seconds"),
    "Duration of requests forwarded to servers, from the gateway receiving them to the reply, by server, method and tool.",
    () => allSeries,
  );
  subscriptions.push(
    events.on("call-finished", (call) => {
      const kind = call.outcome === "ok" ? undefined : errorKindLabel(call.errorKind ?? OTHER_ERROR_KIND);
      callsOf(call.server).series(call.method, call.tool).record(call.durationMs, kind);
    }),
  );

  const internalErrors = new Counter({
    name: name("internal_errors_total"),
    help: "Errors nothing handled (uncaught exceptions, unhandled rejections), caught instead of ending the process.",
    labelNames: ["origin"],
    registers: [registry],
  });
  for (const origin of ["uncaught-exception", "unhandled-rejection"]) internalErrors.inc({ origin }, 0);
  subscriptions.push(events.on("internal-error", ({ origin }) => internalErrors.inc({ origin })));

  subscribeLifecycle(registry, name, events, serverLabel, subscriptions, sources.serverNames);
  subscribePolicies(registry, name, events, serverLabel, subscriptions, sources);
  registerScrapeGauges(registry, name, sources, options.version);
  const processWide = settings.processMetrics ? processRegistry() : undefined;

  let closed = false;
  return {
    registry,
    contentType: registry.contentType,
    render: async () => (processWide ? (await registry.metrics()) + (await processWide.metrics()) : registry.metrics()),
    close() {
      if (closed) return;
      closed = true;
      for (const subscription of subscriptions) subscription.dispose();
    },
  };
}

let sharedProcessRegistry: Registry | undefined;

/**
 * prom-client's process and Node.js metrics, collected once per process: they describe the process, not a gateway,
 * and their collectors (a GC observer, an event-loop delay monitor) cannot be stopped, so a registry per gateway
 * would leave one more pair running for every gateway created and closed in the same process.
 */
function processRegistry(): Registry {
  if (!sharedProcessRegistry) {
    sharedProcessRegistry = new Registry();
    collectDefaultMetrics({ register: sharedProcessRegistry });
  }
  return sharedProcessRegistry;
}

type Namer = (base: string) => string;
type ServerLabel = (server: string | undefined) => string;

/** Starts (cold, with their duration), stops by reason (idle, crashed, …), failed starts, limited definitions. */
function subscribeLifecycle(
  registry: Registry,
  name: Namer,
  events: EventBus,
  serverLabel: ServerLabel,
  subscriptions: Disposable[],
  servers: readonly string[],
): void {
  const registers = [registry];
  const coldStarts = new Counter({
    name: name("upstream_cold_starts_total"),
    help: "Servers started from asleep (a process spawned or a connection opened and initialized).",
    labelNames: ["server"],
    registers,
  });
  const startDuration = new Histogram({
    name: name("upstream_start_duration_seconds"),
    help: "Time from starting a server to its being ready (spawn and initialize handshake).",
    labelNames: ["server", "cold"],
    buckets: START_BUCKETS_SECONDS,
    registers,
  });
  const stops = new Counter({
    name: name("upstream_stops_total"),
    help: "Servers stopped, by reason: idle, requested, shutdown, crashed, health-check, start-failed.",
    labelNames: ["server", "reason"],
    registers,
  });
  const startFailures = new Counter({
    name: name("upstream_start_failures_total"),
    help: "Server starts that failed (spawn error, crash before ready, initialize timeout).",
    labelNames: ["server"],
    registers,
  });
  const limited = new Counter({
    name: name("definitions_limited_total"),
    help: "Server definitions cut (description shortened) or refused (not listed) by gateway.definitionLimits, by list (`server`: its instructions, serverInfo, capabilities); each item once.",
    labelNames: ["server", "list", "action"],
    registers,
  });
  for (const server of servers) {
    coldStarts.inc({ server }, 0);
    startFailures.inc({ server }, 0);
    stops.inc({ server, reason: "crashed" }, 0);
    stops.inc({ server, reason: "idle" }, 0);
  }
  subscriptions.push(
    events.on("server-started", ({ server, durationMs, cold }) => {
      const label = serverLabel(server);
      if (cold) coldStarts.inc({ server: label });
      startDuration.observe({ server: label, cold: String(cold) }, durationMs / 1000);
    }),
    events.on("server-stopped", ({ server, reason }) => stops.inc({ server: serverLabel(server), reason })),
    events.on("server-start-failed", ({ server }) => startFailures.inc({ server: serverLabel(server) })),
    events.on("definition-limited", ({ server, list, action }) =>
      limited.inc({ server: serverLabel(server), list, action }),
    ),
  );
}

/** Circuit breaker state, rejected calls (breaker, bulkhead, rate limits), retries and timeouts. */
function subscribePolicies(
  registry: Registry,
  name: Namer,
  events: EventBus,
  serverLabel: ServerLabel,
  subscriptions: Disposable[],
  sources: Pick<MetricsSources, "serverNames" | "circuit">,
): void {
  const registers = [registry];
  const servers = sources.serverNames;
  new Gauge({
    name: name("circuit_state"),
    help: "Circuit breaker state per server: 1 for the current state (closed, open, half-open), 0 for the others.",
    labelNames: ["server", "state"],
    registers,
    collect() {
      this.reset();
      for (const server of servers) {
        const current = sources.circuit(server);
        for (const state of CIRCUIT_STATES) this.set({ server, state }, state === current ? 1 : 0);
      }
    },
  });
  const opened = new Counter({
    name: name("circuit_opened_total"),
    help: "Times a server's circuit breaker opened.",
    labelNames: ["server"],
    registers,
  });
  const rejected = new Counter({
    name: name("calls_rejected_total"),
    help: "Calls refused before reaching a server, by kind (circuit_open, overloaded = bulkhead full, rate_limited) and scope (client, global; empty otherwise).",
    labelNames: ["server", "kind", "scope"],
    registers,
  });
  const retries = new Counter({
    name: name("call_retries_total"),
    help: "Requests sent again after a failure that happened before they reached the server.",
    labelNames: ["server", "method"],
    registers,
  });
  const timeouts = new Counter({
    name: name("call_timeouts_total"),
    help: "Calls ended by their timeout (hard: the maximum that holds even while progress arrives).",
    labelNames: ["server", "method", "hard"],
    registers,
  });
  for (const server of servers) {
    opened.inc({ server }, 0);
    timeouts.inc({ server, method: "tools/call", hard: "false" }, 0);
  }
  subscriptions.push(
    events.on("circuit-state", ({ server, to }) => {
      if (to === "open") opened.inc({ server: serverLabel(server) });
    }),
    events.on("call-rejected", ({ server, kind, scope }) =>
      rejected.inc({ server: serverLabel(server), kind, scope: scope ?? "" }),
    ),
    events.on("call-retried", ({ server, method }) =>
      retries.inc({ server: serverLabel(server), method: methodLabel(method) }),
    ),
    events.on("call-timed-out", ({ server, method, hard }) =>
      timeouts.inc({ server: serverLabel(server), method: methodLabel(method), hard: String(hard) }),
    ),
  );
}

/** Gauges and counters read from the services when Prometheus scrapes. */
function registerScrapeGauges(registry: Registry, name: Namer, sources: MetricsSources, version: string): void {
  const registers = [registry];
  new Gauge({
    name: name("build_info"),
    help: "Always 1; the gateway's version as a label.",
    labelNames: ["version"],
    registers,
  }).set({ version }, 1);
  new Gauge({
    name: name("upstream_state"),
    help: "Lifecycle state per server: 1 for the current state, 0 for the others.",
    labelNames: ["server", "state"],
    registers,
    collect() {
      this.reset();
      for (const upstream of sources.upstreams()) {
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
      for (const upstream of sources.upstreams()) this.set({ server: upstream.name }, upstream.inFlight);
    },
  });
  new Counter({
    name: name("upstream_restarts_total"),
    help: "Server starts that followed a failure (crash, failed start, failed health checks).",
    labelNames: ["server"],
    registers,
    collect() {
      this.reset();
      for (const upstream of sources.upstreams()) this.inc({ server: upstream.name }, upstream.restarts);
    },
  });
  new Gauge({
    name: name("sessions_active"),
    help: "Downstream client sessions held by this gateway (2025-era sessions with an Mcp-Session-Id).",
    registers,
    collect() {
      this.set(sources.sessions());
    },
  });
  registerCacheAndTokens(registry, name, sources);
  registerAuditMetrics(registry, name, () => sources.audit());
  registerSessionBounds(registry, name, sources);
}

function registerCacheAndTokens(registry: Registry, name: Namer, sources: MetricsSources): void {
  const registers = [registry];
  const cacheCounter = (metric: string, help: string, pick: (stats: CacheStats) => number) =>
    new Counter({
      name: name(metric),
      help,
      labelNames: ["cache"],
      registers,
      collect() {
        this.reset();
        for (const [cache, stats] of Object.entries(sources.caches())) this.inc({ cache }, pick(stats));
      },
    });
  cacheCounter("cache_hits_total", "Cache lookups answered from the cache, by cache.", (s) => s.hits);
  cacheCounter("cache_misses_total", "Cache lookups not found in the cache, by cache.", (s) => s.misses);
  scrapeCounter(
    registry,
    name("result_tokens_saved_total"),
    "Estimated tokens of tool results not sent because an output budget cut them (paged with read_result).",
    () => sources.budgets().tokensSaved,
  );
  scrapeCounter(
    registry,
    name("results_cut_total"),
    "Tool results cut to fit an output budget.",
    () => sources.budgets().cutResults,
  );
  new Gauge({
    name: name("tool_listing_tokens"),
    help: "Estimated tokens of the full and the progressive tools/list reply, as last counted (GET /tokens counts).",
    labelNames: ["listing"],
    registers,
    collect() {
      this.reset();
      const tokens = sources.listingTokens();
      if (!tokens) return;
      this.set({ listing: "full" }, tokens.full);
      this.set({ listing: "progressive" }, tokens.progressive);
    },
  });
}

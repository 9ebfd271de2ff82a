// The Prometheus adapter: one prom-client Registry per gateway (never the library's global one: several gateways
// may share a process), fed by domain events and, at scrape time, by gauges read from the gateway's services.
// Each metric family has its own module; names and labels are documented in docs/metrics.md.
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { CircuitState, Disposable, EventBus } from "../../core/events.ts";
import type { MetricsSettings } from "../../core/gateway-config.ts";
import type { CacheStats } from "../../ports/cache.ts";
import type { MetricsExporter } from "../../ports/metrics.ts";
import { type AuditCounts, registerAuditMetrics } from "./audit-metrics.ts";
import { registerCacheMetrics } from "./cache-metrics.ts";
import { registerCallMetrics } from "./call-metrics.ts";
import { registerIntegrityMetrics } from "./integrity-metrics.ts";
import type { MetricFamilyContext } from "./metric-family.ts";
import { registerPolicyMetrics } from "./policy-metrics.ts";
import { registerSessionBounds, type SessionBoundSources } from "./session-bound-metrics.ts";
import { registerTokenMetrics } from "./token-metrics.ts";
import { registerUpstreamEvents, registerUpstreamGauges, type UpstreamSnapshot } from "./upstream-metrics.ts";

/** The `server` label of events naming a server that is not configured (none should). */
const OTHER_SERVER = "_other";

/** What the gauges read when Prometheus scrapes; each must be cheap and must never trigger work. */
export interface MetricsSources extends SessionBoundSources {
  /** Configured server names (the bounded `server` label set). */
  serverNames: readonly string[];
  upstreams(): Iterable<UpstreamSnapshot>;
  /** The catalog's tools of a server (the same array while its listing is unchanged), if known. */
  tools(server: string): readonly Record<string, unknown>[] | undefined;
  /** Hit/miss counts by cache name (monotonic). */
  caches(): Readonly<Record<string, CacheStats>>;
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
  const subscriptions: Disposable[] = [];
  const configured = new Set(sources.serverNames);
  const context: MetricFamilyContext = {
    registry,
    name: (base) => `${settings.prefix}${base}`,
    servers: sources.serverNames,
    serverLabel: (server) => (server === undefined ? "" : configured.has(server) ? server : OTHER_SERVER),
    on: (event, listener) => void subscriptions.push(events.on(event, listener)),
  };
  registerCallMetrics(context, { maxToolsPerServer: settings.maxToolsPerServer, tools: sources.tools });
  registerUpstreamEvents(context);
  registerPolicyMetrics(context, sources.circuit);
  registerIntegrityMetrics(context);
  new Gauge({
    name: context.name("build_info"),
    help: "Always 1; the gateway's version as a label.",
    labelNames: ["version"],
    registers: [registry],
  }).set({ version: options.version }, 1);
  registerUpstreamGauges(context, sources.upstreams);
  registerCacheMetrics(context, sources.caches);
  registerTokenMetrics(context, sources.listingTokens);
  registerAuditMetrics(context, sources.audit);
  registerSessionBounds(context, sources);
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

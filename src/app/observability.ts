// Wiring of what watches the gateway: the logger (with the request's ids on every line), the tracer, the event
// bus and its log and trace subscribers first; request statistics and Prometheus metrics once everything they
// read exists. It closes after everything it watches: the tracer, metrics, statistics, then its own log file.

import { createCorrelationScope } from "../adapters/observability/async-correlation-scope.ts";
import { subscribeLogging } from "../adapters/observability/log-events.ts";
import { createPinoLogger } from "../adapters/observability/pino-logger.ts";
import { createPromMetrics } from "../adapters/observability/prom-metrics.ts";
import { subscribeTracing } from "../adapters/observability/trace-events.ts";
import { EventBus } from "../core/events.ts";
import type { GatewayConfig } from "../core/gateway-config.ts";
import { GATEWAY_VERSION } from "../core/version.ts";
import type { Clock } from "../ports/clock.ts";
import type { CorrelationScope } from "../ports/correlation-scope.ts";
import type { Logger } from "../ports/logger.ts";
import type { MetricsExporter } from "../ports/metrics.ts";
import { NO_TRACER, type Tracer } from "../ports/tracer.ts";
import type { AuditRecorder } from "../services/audit/audit-recorder.ts";
import type { Catalog } from "../services/catalog/catalog.ts";
import { RequestStats } from "../services/observability/request-stats.ts";
import type { Policies } from "../services/policies/policies.ts";
import type { ResultBudgets } from "../services/results/result-budgets.ts";
import type { ReplayBudget } from "../services/router/replay-budget.ts";
import type { SessionRegistry } from "../services/router/sessions.ts";
import type { Supervisor } from "../services/supervisor/supervisor.ts";
import type { TokenAccounting } from "../services/tokens/token-accounting.ts";
import type { GatewayState } from "./state.ts";
import type { GatewayOptions } from "./types.ts";

/** What the metrics read at scrape time. */
export interface WatchedParts {
  supervisor: Supervisor;
  catalog: Catalog;
  sessions: SessionRegistry;
  replay: ReplayBudget;
  state: GatewayState;
  budgets: ResultBudgets;
  tokens: TokenAccounting;
  policies: Policies;
  audit: AuditRecorder;
}

export interface Observability {
  readonly correlationScope: CorrelationScope;
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly events: EventBus;
  /** Starts request statistics and (when enabled) Prometheus metrics over the composed gateway. */
  watch(parts: WatchedParts): { stats: RequestStats; metrics: MetricsExporter | undefined };
  /** Flushes the tracer, stops metrics and statistics, closes the log file this module opened. */
  close(): Promise<void>;
}

/** The tracer's SDK is loaded only when traces are exported; otherwise the cost is NO_TRACER's no-ops. */
export async function openObservability(
  config: GatewayConfig,
  options: GatewayOptions,
  clock: Clock,
): Promise<Observability> {
  const settings = config.gateway;
  const correlationScope = createCorrelationScope();
  const logged: { tracer: Tracer } = { tracer: NO_TRACER };
  // A logger passed in belongs to the caller; the one made here (and its log file) closes with the gateway.
  const ownLogger = options.logger
    ? undefined
    : createPinoLogger({
        level: settings.logLevel,
        json: settings.jsonLogs,
        file: settings.logFile,
        destination: options.logDestination,
        context: () => logContext(correlationScope, logged.tracer),
      });
  const logger = options.logger ?? (ownLogger as Logger);
  if (settings.tracing.endpoint) {
    const { createOtelTracer } = await import("../adapters/observability/otel-tracer.ts");
    logged.tracer = createOtelTracer(settings.tracing, logger);
  }
  const tracer = logged.tracer;
  const events = new EventBus({
    onListenerError: (error, name) => logger.error({ err: error, event: name }, `a subscriber of ${name} failed`),
  });
  subscribeLogging(events, logger);
  subscribeTracing(events, tracer);
  let watching: { stats: RequestStats; metrics: MetricsExporter | undefined } | undefined;
  return {
    correlationScope,
    logger,
    tracer,
    events,
    watch(parts) {
      const metrics = settings.metrics.enabled ? createMetrics(config, events, parts) : undefined;
      watching = { stats: new RequestStats({ events, clock }), metrics };
      return watching;
    },
    async close() {
      await tracer.close(settings.tracing.exportTimeoutMs);
      watching?.metrics?.close();
      watching?.stats.close();
      ownLogger?.closeFile();
    },
  };
}

function createMetrics(config: GatewayConfig, events: EventBus, parts: WatchedParts): MetricsExporter {
  const { supervisor, catalog, sessions, replay, state, budgets, tokens, policies, audit } = parts;
  return createPromMetrics({
    events,
    settings: config.gateway.metrics,
    version: GATEWAY_VERSION,
    sources: {
      serverNames: config.servers.map((spec) => spec.name),
      upstreams: () =>
        supervisor.all().map((s) => ({
          name: s.spec.name,
          state: s.currentState,
          inFlight: s.callsInFlight,
          restarts: s.status().restarts,
        })),
      tools: (server) => catalog.manifest(server)?.tools,
      sessions: () => sessions.size,
      sessionsRefused: () => sessions.refused,
      replay: () => ({ bytes: replay.bytes, evicted: replay.evicted }),
      caches: () => ({ lists: catalog.listStats(), ...(state.cache ? { store: state.cache.stats() } : {}) }),
      listingTokens: () => tokens.lastTotals(),
      circuit: (server) => policies.state(server).state,
      audit: () => audit.status(),
    },
  });
}

/** The fields every log line gets inside a request: its id and, when tracing, its trace and span ids. */
function logContext(scope: CorrelationScope, tracer: Tracer): Record<string, unknown> | undefined {
  const requestId = scope.correlationId();
  if (requestId === undefined) return undefined;
  const ids = tracer.ids();
  return ids ? { requestId, traceId: ids.traceId, spanId: ids.spanId } : { requestId };
}

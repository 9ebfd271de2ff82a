// The one composition root: configuration → chosen adapters → a running gateway with start()/close().

import { createOpenAiEmbedder } from "../adapters/embed/openai-embedder.ts";
import { createWordVectorsEmbedder } from "../adapters/embed/word-vectors-embedder.ts";
import { createRequestScope } from "../adapters/observability/async-request-scope.ts";
import { subscribeLogging } from "../adapters/observability/log-events.ts";
import { createPinoLogger } from "../adapters/observability/pino-logger.ts";
import { createPromMetrics } from "../adapters/observability/prom-metrics.ts";
import { subscribeTracing } from "../adapters/observability/trace-events.ts";
import { createFileChildRegistry } from "../adapters/process/file-child-registry.ts";
import { createMemoryRateLimiter } from "../adapters/rate-limit/memory-rate-limiter.ts";
import { openRateLimiter } from "../adapters/rate-limit/open-rate-limiter.ts";
import { Bm25fIndex } from "../adapters/search/bm25f-index.ts";
import { type GatewayState, openState } from "../adapters/state/open-state.ts";
import { createWorkerResultMeter } from "../adapters/tokens/worker-result-meter.ts";
import { createWorkerTokenCounter } from "../adapters/tokens/worker-token-counter.ts";
import { createStdioConnector } from "../adapters/upstream/stdio-connector.ts";
import { redactUrl } from "../config/state-settings.ts";
import { canonicalHash } from "../core/canonical-hash.ts";
import { SwitchboardError } from "../core/errors.ts";
import { EventBus } from "../core/events.ts";
import type { GatewayConfig, SemanticSearchSettings } from "../core/gateway-config.ts";
import type { ServerSpec } from "../core/server-spec.ts";
import { bucketLimit } from "../core/token-bucket.ts";
import { GATEWAY_VERSION } from "../core/version.ts";
import { type Clock, systemClock } from "../ports/clock.ts";
import type { Connector } from "../ports/connector.ts";
import type { Logger } from "../ports/logger.ts";
import type { RequestScope } from "../ports/request-scope.ts";
import { NO_TRACER, type Tracer } from "../ports/tracer.ts";
import { AuditRecorder } from "../services/audit/audit-recorder.ts";
import { Catalog } from "../services/catalog/catalog.ts";
import { Discovery } from "../services/discovery/discovery.ts";
import { META_TOOL_NAMES, PROGRESSIVE_META_TOOLS } from "../services/discovery/meta-tools.ts";
import { RequestStats } from "../services/observability/request-stats.ts";
import { Policies } from "../services/policies/policies.ts";
import { createRateLimitGate } from "../services/policies/rate-limits.ts";
import { reshapesResults } from "../services/results/budget-resolution.ts";
import { ResultBudgets } from "../services/results/result-budgets.ts";
import { ReplayBudget } from "../services/router/replay-budget.ts";
import { Router } from "../services/router/router.ts";
import { type SessionLimits, SessionRegistry } from "../services/router/sessions.ts";
import { createSemanticIndex, type SemanticIndex } from "../services/search/semantic-index.ts";
import { ToolSearch } from "../services/search/tool-search.ts";
import { Supervisor } from "../services/supervisor/supervisor.ts";
import { createTokenAccounting } from "../services/tokens/token-accounting.ts";
import type { Gateway, GatewayOptions, GatewayPhase } from "./types.ts";

/**
 * Opens the state stores (rejecting with a clear error when the database cannot be reached) and composes a
 * gateway on them; nothing runs until start().
 */
export async function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const settings = config.gateway;
  const requestScope = createRequestScope();
  let tracer: Tracer = NO_TRACER;
  // A logger passed in belongs to the caller; the one made here (and its log file) closes with the gateway.
  const ownLogger = options.logger
    ? undefined
    : createPinoLogger({
        level: settings.logLevel,
        json: settings.jsonLogs,
        file: settings.logFile,
        destination: options.logDestination,
        context: () => logContext(requestScope, tracer),
      });
  const logger = options.logger ?? (ownLogger as Logger);
  if (settings.tracing.endpoint) {
    // The SDK is loaded only when traces are exported; otherwise the cost is NO_TRACER's no-ops.
    const { createOtelTracer } = await import("../adapters/observability/otel-tracer.ts");
    tracer = createOtelTracer(settings.tracing, logger);
  }
  const clock = options.clock ?? systemClock;
  const state = await openState(settings, logger);
  const events = new EventBus({
    onListenerError: (error, name) => logger.error({ err: error, event: name }, `a subscriber of ${name} failed`),
  });
  subscribeLogging(events, logger);
  subscribeTracing(events, tracer);
  const children = createFileChildRegistry(settings.stateDir, logger);
  const stdio = createStdioConnector({
    logger,
    children,
    inheritEnv: settings.inheritEnv,
    stderr: settings.upstreamStderr,
    limits: settings.upstreamStdio,
  });
  // The HTTP connector loads the SDK's client transports: only when a remote server is first started.
  let http: Promise<Connector> | undefined;
  const connector: Connector = {
    async open(spec, signal) {
      if (spec.transport.kind === "stdio") return stdio.open(spec, signal);
      http ??= import("../adapters/upstream/http-connector.ts").then((m) =>
        m.createHttpConnector(logger, settings.tracing.propagate ? tracer : undefined),
      );
      return (await http).open(spec, signal);
    },
  };
  const catalog = new Catalog({
    specs: config.servers,
    store: state.manifests,
    separator: settings.namespaceSeparator,
    events,
    logger,
    limits: settings.definitionLimits,
    reservedNames: META_TOOL_NAMES,
  });
  const sessions = new SessionRegistry(
    clock,
    settings.redis.url
      ? {
          store: state.sessions,
          ttlMs: settings.sessionIdleTimeoutMs,
          events,
          authoritative: () => state.sessionsAuthoritative(),
        }
      : undefined,
    sessionLimits(settings, clock),
  );
  const replay = new ReplayBudget(settings.limits.maxReplayBytes);
  let router: Router | undefined;
  const supervisor = new Supervisor(config.servers, {
    connector,
    clock,
    events,
    logger,
    scope: requestScope,
    hooksFor: (server) => ({
      onNotification: (notification, calls) => router?.upstreamNotification(server, notification, calls),
      onRequest: async (request, calls, signal) => {
        if (!router) throw new SwitchboardError("client_unavailable", "the gateway is not ready");
        return router.upstreamRequest(server, request, calls, signal);
      },
      onError: (error, what) => logger.error({ server, err: error }, `${what} failed; the message was dropped`),
    }),
    onReady: (server, peer) => void catalog.refresh(server, peer),
  });
  const semantic = openSemanticIndex(settings.discovery.search.semantic, state, settings.cache.ttlMs.embedding, logger);
  const search = new ToolSearch({ catalog, index: new Bm25fIndex(), specs: config.servers, semantic });
  const specsByName = new Map(config.servers.map((spec) => [spec.name, spec]));
  const discovery = new Discovery({
    catalog,
    search,
    settings: settings.discovery,
    specs: config.servers,
    budgeted: (server) => budgetCanCut(config, server),
    reshaped: (server, tool) => reshapesResults(specsByName.get(server), tool, settings.budgets.maxResultTokens),
  });
  const resultMeter = createWorkerResultMeter();
  const budgets = new ResultBudgets({
    store: state.results,
    meter: resultMeter,
    settings: settings.budgets,
    specs: (server) => specsByName.get(server),
  });
  const policies = new Policies({ specs: config.servers, events, manifest: (server) => catalog.manifest(server) });
  router = new Router({
    supervisor,
    catalog,
    sessions,
    events,
    discovery,
    budgets,
    pager: budgets,
    policies,
    maxParamsDepth: settings.maxParamsDepth,
    listWaitMs: settings.discovery.listWaitMs,
    clientAnswerTimeoutMs: settings.clientAnswerTimeoutMs,
  });
  const tokens = createTokenAccounting({
    tools: () => catalog.tools(),
    counter: createWorkerTokenCounter(),
    metaTools: PROGRESSIVE_META_TOOLS,
    pinned: settings.discovery.pinned,
    budgets: () => {
      const { cutResults, tokensSaved } = budgets.stats();
      return { cutResults, tokensSaved };
    },
  });
  const limiter = openRateLimiter({
    settings: settings.rateLimit,
    redis: state.redis,
    keyPrefix: settings.redis.keyPrefix,
    clock,
    logger,
  });
  const rateLimits = limiter && createRateLimitGate({ limiter, events });
  const audit = new AuditRecorder({
    log: state.audit,
    events,
    logger,
    clock,
    settings: settings.audit,
    definitionHash: (server, tool) => catalog.definitionHash(server, tool),
  });
  const metrics = settings.metrics.enabled
    ? createPromMetrics({
        events,
        settings: settings.metrics,
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
          budgets: () => budgets.stats(),
          listingTokens: () => tokens.lastTotals(),
          circuit: (server) => policies.state(server).state,
          audit: () => audit.status(),
        },
      })
    : undefined;
  const stats = new RequestStats({ events, clock });

  let phase: GatewayPhase = "created";
  let sweep: NodeJS.Timeout | undefined;
  let revalidate: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    events,
    requestScope,
    tracer,
    supervisor,
    catalog,
    sessions,
    replay,
    router,
    state,
    audit,
    tokens,
    budgets,
    rateLimits,
    stats,
    metrics,
    policies,
    startedAt: clock.now(),
    phase: () => phase,
    async start() {
      if (phase === "created") phase = "starting";
      const reaped = await children.reapOrphans();
      if (reaped.length > 0) logger.warn({ pids: reaped }, "reaped server processes left by a previous gateway");
      await catalog.load();
      if (semantic) {
        // Embeds the cached manifests' tools now, and changed tools whenever a manifest changes.
        search.refresh();
        events.on("catalog-changed", () => search.refresh());
      }
      audit.start();
      recordServers(state, config.servers, logger).catch((error: unknown) =>
        logger.warn({ err: error }, "could not record the servers' configurations in the registry"),
      );
      // Servers asleep here may have been refreshed by another replica (or a restarted one): re-read their
      // manifests from the shared store once per manifest TTL.
      revalidate = setInterval(
        () => {
          for (const supervised of supervisor.enabled()) {
            if (!supervised.readyPeer) void catalog.reload(supervised.spec.name).catch(() => {});
          }
        },
        Math.max(1_000, settings.cache.ttlMs.manifest),
      );
      revalidate.unref();
      sweep = setInterval(
        () => {
          try {
            sessions.expire(settings.sessionIdleTimeoutMs);
          } catch (error) {
            logger.error({ err: error }, "ending idle sessions failed");
          }
        },
        Math.max(1_000, Math.min(60_000, settings.sessionIdleTimeoutMs)),
      );
      sweep.unref();
      await supervisor.startEager();
      if (phase === "starting") phase = "serving";
    },
    close() {
      closing ??= (async () => {
        phase = "draining";
        clearInterval(sweep);
        clearInterval(revalidate);
        await supervisor.close(settings.shutdownGraceMs, () => catalog.refreshing());
        sessions.closeAll();
        await audit.close(AUDIT_FLUSH_ON_CLOSE_MS);
        await resultMeter.close();
        await semantic?.close();
        await rateLimits?.close();
        await state.close();
        await tracer.close(settings.tracing.exportTimeoutMs);
        metrics?.close();
        stats.close();
        ownLogger?.closeFile();
        phase = "closed";
      })();
      return closing;
    },
  };
}

const AUDIT_FLUSH_ON_CLOSE_MS = 3_000;

/** The semantic half of tool search when enabled: the configured embedder, vectors kept in the state stores. */
function openSemanticIndex(
  settings: SemanticSearchSettings,
  state: GatewayState,
  ttlMs: number,
  logger: Logger,
): SemanticIndex | undefined {
  if (!settings.enabled) return undefined;
  const embedder =
    settings.provider === "word-vectors"
      ? createWordVectorsEmbedder()
      : createOpenAiEmbedder({
          url: settings.url as string,
          model: settings.model as string,
          apiKey: settings.apiKey,
          dimensions: settings.dimensions,
          batchSize: settings.batchSize,
          timeoutMs: settings.timeoutMs,
        });
  return createSemanticIndex({
    embedder,
    store: state.embeddings,
    cache: state.cache,
    queryTtlMs: ttlMs,
    logger,
  });
}

/** The fields every log line gets inside a request: its id and, when tracing, its trace and span ids. */
function logContext(scope: RequestScope, tracer: Tracer): Record<string, unknown> | undefined {
  const requestId = scope.requestId();
  if (requestId === undefined) return undefined;
  const ids = tracer.ids();
  return ids ? { requestId, traceId: ids.traceId, spanId: ids.spanId } : { requestId };
}

/** Stores each server's configuration snapshot (no env or header values, no URL passwords) with its hash. */
async function recordServers(state: GatewayState, specs: readonly ServerSpec[], logger: Logger): Promise<void> {
  for (const spec of specs) {
    const transport =
      spec.transport.kind === "stdio"
        ? { ...spec.transport, env: Object.keys(spec.transport.env) }
        : { ...spec.transport, url: redactUrl(spec.transport.url), headers: Object.keys(spec.transport.headers) };
    const config = { ...spec, transport } as unknown as Record<string, unknown>;
    try {
      await state.registry.putServer({ server: spec.name, configHash: canonicalHash(config), config });
    } catch (error) {
      logger.warn({ err: error, server: spec.name }, "could not record the server's configuration in the registry");
    }
  }
}

/** Whether an output budget can cut a result of the server (of any server when none is named). */
function budgetCanCut(config: GatewayConfig, server?: string): boolean {
  const specs = config.servers.filter((s) => s.enabled && (server === undefined || s.name === server));
  return specs.some(
    (spec) =>
      (spec.maxResultTokens ?? config.gateway.budgets.maxResultTokens) > 0 ||
      Object.values(spec.tools).some((tool) => (tool.maxResultTokens ?? 0) > 0),
  );
}

/** The session cap and the per-client creation limit (buckets in memory: the cap is per replica too). */
function sessionLimits(settings: GatewayConfig["gateway"], clock: Clock): SessionLimits {
  const { maxSessions, sessionCreation } = settings.limits;
  if (sessionCreation.perMinute <= 0) return { maxSessions };
  const limits = { client: bucketLimit(sessionCreation.perMinute, sessionCreation.burst), global: undefined };
  return {
    maxSessions,
    creation: createMemoryRateLimiter({ limits, clock, maxClients: settings.rateLimit.maxClients }),
  };
}

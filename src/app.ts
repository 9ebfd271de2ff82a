// The one composition root: configuration → chosen adapters → a running gateway with start()/close().

import { subscribeLogging } from "./adapters/observability/log-events.ts";
import { createPinoLogger } from "./adapters/observability/pino-logger.ts";
import { createFileChildRegistry } from "./adapters/process/file-child-registry.ts";
import { Bm25fIndex } from "./adapters/search/bm25f-index.ts";
import { type GatewayState, openState } from "./adapters/state/open-state.ts";
import { loadTokenCounter } from "./adapters/tokens/tiktoken-counter.ts";
import { createWorkerTokenCounter } from "./adapters/tokens/worker-token-counter.ts";
import { createStdioConnector } from "./adapters/upstream/stdio-connector.ts";
import { redactUrl } from "./config/state-settings.ts";
import { canonicalHash } from "./core/canonical-hash.ts";
import { SwitchboardError } from "./core/errors.ts";
import { EventBus } from "./core/events.ts";
import type { GatewayConfig } from "./core/gateway-config.ts";
import type { ServerSpec } from "./core/server-spec.ts";
import { type Clock, systemClock } from "./ports/clock.ts";
import type { Connector } from "./ports/connector.ts";
import type { Logger } from "./ports/logger.ts";
import { AuditRecorder } from "./services/audit/audit-recorder.ts";
import { Catalog } from "./services/catalog/catalog.ts";
import { Discovery } from "./services/discovery/discovery.ts";
import { PROGRESSIVE_META_TOOLS } from "./services/discovery/meta-tools.ts";
import { ResultBudgets } from "./services/results/result-budgets.ts";
import { Router } from "./services/router/router.ts";
import { SessionRegistry } from "./services/router/sessions.ts";
import { ToolSearch } from "./services/search/tool-search.ts";
import { Supervisor } from "./services/supervisor/supervisor.ts";
import { createTokenAccounting, type TokenAccounting } from "./services/tokens/token-accounting.ts";

export interface GatewayOptions {
  logger?: Logger;
  clock?: Clock;
}

export interface Gateway {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly events: EventBus;
  readonly supervisor: Supervisor;
  readonly catalog: Catalog;
  readonly sessions: SessionRegistry;
  readonly router: Router;
  /** Registry, audit log, cache, session and result stores. */
  readonly state: GatewayState;
  readonly audit: AuditRecorder;
  /** Estimated tokens of the full and progressive tool listings (counted on request, cached per catalog). */
  readonly tokens: TokenAccounting;
  /** Output budgets and projection of tool results; pages cut results for read_result. */
  readonly budgets: ResultBudgets;
  readonly startedAt: number;
  /** Reaps orphans of a killed predecessor, loads the manifest cache, starts eager servers. */
  start(): Promise<void>;
  /** Drains calls in flight (up to `shutdownGraceMs`), then stops every server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the state stores (rejecting with a clear error when the database cannot be reached) and composes a
 * gateway on them; nothing runs until start().
 */
export async function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const settings = config.gateway;
  const logger = options.logger ?? createPinoLogger({ level: settings.logLevel, json: settings.jsonLogs });
  const clock = options.clock ?? systemClock;
  const state = await openState(settings, logger);
  const events = new EventBus();
  subscribeLogging(events, logger);
  const children = createFileChildRegistry(settings.stateDir, logger);
  const stdio = createStdioConnector({ logger, children, inheritEnv: settings.inheritEnv });
  // The HTTP connector loads the SDK's client transports: only when a remote server is first started.
  let http: Promise<Connector> | undefined;
  const connector: Connector = {
    async open(spec, signal) {
      if (spec.transport.kind === "stdio") return stdio.open(spec, signal);
      http ??= import("./adapters/upstream/http-connector.ts").then((m) => m.createHttpConnector(logger));
      return (await http).open(spec, signal);
    },
  };
  const catalog = new Catalog({
    specs: config.servers,
    store: state.manifests,
    separator: settings.namespaceSeparator,
    events,
    logger,
  });
  const sessions = new SessionRegistry(
    clock,
    settings.redis.url
      ? {
          store: state.sessions,
          ttlMs: settings.sessionIdleTimeoutMs,
          logger,
          authoritative: () => state.sessionsAuthoritative(),
        }
      : undefined,
  );
  let router: Router | undefined;
  const supervisor = new Supervisor(config.servers, {
    connector,
    clock,
    events,
    logger,
    hooksFor: (server) => ({
      onNotification: (notification, calls) => router?.upstreamNotification(server, notification, calls),
      onRequest: async (request, calls, signal) => {
        if (!router) throw new SwitchboardError("client_unavailable", "the gateway is not ready");
        return router.upstreamRequest(server, request, calls, signal);
      },
    }),
    onReady: (server, peer) => void catalog.refresh(server, peer),
  });
  const search = new ToolSearch({ catalog, index: new Bm25fIndex(), specs: config.servers });
  const discovery = new Discovery({
    catalog,
    search,
    settings: settings.discovery,
    specs: config.servers,
    budgeted: (server) => budgetCanCut(config, server),
  });
  const specsByName = new Map(config.servers.map((spec) => [spec.name, spec]));
  const budgets = new ResultBudgets({
    store: state.results,
    counter: loadTokenCounter,
    settings: settings.budgets,
    specs: (server) => specsByName.get(server),
  });
  router = new Router({ supervisor, catalog, sessions, events, logger, discovery, budgets, pager: budgets });
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
  const audit = new AuditRecorder({
    log: state.audit,
    events,
    logger,
    clock,
    settings: settings.audit,
    definitionHash: (server, tool) => catalog.definitionHash(server, tool),
  });

  let sweep: NodeJS.Timeout | undefined;
  let revalidate: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    events,
    supervisor,
    catalog,
    sessions,
    router,
    state,
    audit,
    tokens,
    budgets,
    startedAt: clock.now(),
    async start() {
      const reaped = await children.reapOrphans();
      if (reaped.length > 0) logger.warn({ pids: reaped }, "reaped server processes left by a previous gateway");
      await catalog.load();
      audit.start();
      void recordServers(state, config.servers, logger);
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
        () => sessions.expire(settings.sessionIdleTimeoutMs),
        Math.max(1_000, Math.min(60_000, settings.sessionIdleTimeoutMs)),
      );
      sweep.unref();
      await supervisor.startEager();
    },
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        clearInterval(revalidate);
        await supervisor.close(settings.shutdownGraceMs);
        sessions.closeAll();
        await audit.close(AUDIT_FLUSH_ON_CLOSE_MS);
        await state.close();
      })();
      return closing;
    },
  };
}

const AUDIT_FLUSH_ON_CLOSE_MS = 3_000;

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

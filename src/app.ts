// The one composition root: configuration → chosen adapters → a running gateway with start()/close().

import { subscribeLogging } from "./adapters/observability/log-events.ts";
import { createPinoLogger } from "./adapters/observability/pino-logger.ts";
import { createFileChildRegistry } from "./adapters/process/file-child-registry.ts";
import { createFileManifestStore } from "./adapters/storage/file-manifest-store.ts";
import { createStdioConnector } from "./adapters/upstream/stdio-connector.ts";
import { SwitchboardError } from "./core/errors.ts";
import { EventBus } from "./core/events.ts";
import type { GatewayConfig } from "./core/gateway-config.ts";
import { type Clock, systemClock } from "./ports/clock.ts";
import type { Connector } from "./ports/connector.ts";
import type { Logger } from "./ports/logger.ts";
import { Catalog } from "./services/catalog/catalog.ts";
import { Router } from "./services/router/router.ts";
import { SessionRegistry } from "./services/router/sessions.ts";
import { Supervisor } from "./services/supervisor/supervisor.ts";

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
  readonly startedAt: number;
  /** Reaps orphans of a killed predecessor, loads the manifest cache, starts eager servers. */
  start(): Promise<void>;
  /** Drains calls in flight (up to `shutdownGraceMs`), then stops every server. Idempotent. */
  close(): Promise<void>;
}

export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const settings = config.gateway;
  const logger = options.logger ?? createPinoLogger({ level: settings.logLevel, json: settings.jsonLogs });
  const clock = options.clock ?? systemClock;
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
    store: createFileManifestStore(settings.stateDir),
    separator: settings.namespaceSeparator,
    events,
    logger,
  });
  const sessions = new SessionRegistry(clock);
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
  router = new Router({ supervisor, catalog, sessions, events, logger });

  let sweep: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    events,
    supervisor,
    catalog,
    sessions,
    router,
    startedAt: clock.now(),
    async start() {
      const reaped = await children.reapOrphans();
      if (reaped.length > 0) logger.warn({ pids: reaped }, "reaped server processes left by a previous gateway");
      await catalog.load();
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
        await supervisor.close(settings.shutdownGraceMs);
        sessions.closeAll();
      })();
      return closing;
    },
  };
}

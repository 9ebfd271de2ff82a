// The one composition root: configuration → chosen adapters → a running gateway with start()/close(). Each
// step below opens one concern (wired in its own module) and registers what must close; close() runs the
// closers in reverse: drain the supervisor, end sessions, flush the audit log, stop the result meter, the
// semantic index, the rate limits, close the state stores, then observability (tracer, metrics, statistics,
// own log file).

import type { EventBus } from "../core/events.ts";
import type { GatewayConfig } from "../core/gateway-config.ts";
import type { ChildRegistry } from "../ports/child-registry.ts";
import { systemClock } from "../ports/clock.ts";
import type { Logger } from "../ports/logger.ts";
import { AuditRecorder } from "../services/audit/audit-recorder.ts";
import type { Catalog } from "../services/catalog/catalog.ts";
import { createApiKeys } from "../services/identity/api-keys.ts";
import type { SessionRegistry } from "../services/router/sessions.ts";
import type { SemanticIndex } from "../services/search/semantic-index.ts";
import type { ToolSearch } from "../services/search/tool-search.ts";
import type { Supervisor } from "../services/supervisor/supervisor.ts";
import { openCredentials } from "./credentials.ts";
import { openIdentity } from "./identity.ts";
import { UpstreamInbox } from "./inbox.ts";
import { openIntegrity } from "./integrity.ts";
import { Lifecycle, type LifeStep } from "./lifecycle.ts";
import { openObservability } from "./observability.ts";
import { openRateLimits } from "./rate-limits.ts";
import { createTokens, openResultMeter } from "./results.ts";
import { createRouting, openSecretScanner } from "./routing.ts";
import { openSemanticIndex } from "./search.ts";
import { createSessions } from "./sessions.ts";
import { type GatewayState, openState, recordServers } from "./state.ts";
import type { Gateway, GatewayOptions } from "./types.ts";
import { openUpstreamOAuth } from "./upstream-oauth.ts";
import { createCatalog, createUpstreams } from "./upstreams.ts";

const AUDIT_FLUSH_ON_CLOSE_MS = 3_000;

/**
 * Opens the state stores (rejecting with a clear error when the database cannot be reached) and composes a
 * gateway on them; nothing runs until start().
 */
export async function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const settings = config.gateway;
  const clock = options.clock ?? systemClock;
  const life = new Lifecycle();

  const observability = await openObservability(config, options, clock);
  life.onClose(() => observability.close());
  const { logger, events, correlationScope, tracer } = observability;
  const state = await openState(settings, logger);
  life.onClose(() => state.close());
  const rateLimits = openRateLimits({ settings, redis: state.redis, clock, logger, events });
  life.onClose(() => rateLimits?.close());
  const semantic = openSemanticIndex(config, state, events);
  life.onClose(() => semantic?.close());
  const meter = openResultMeter();
  life.onClose(() => meter.close());
  // Closed after the drain, so the results of calls still finishing are scanned.
  const secretScanner = openSecretScanner(config);
  life.onClose(() => secretScanner?.close());
  const integrity = openIntegrity({ pins: state.pins, audit: state.audit, events, clock });
  life.onClose(() => integrity.gate.close());
  const catalog = createCatalog(config, state, events, integrity.gate);
  // Closed after the drain (closers run in reverse), so results cut by calls still finishing are counted.
  const tokens = createTokens(config, catalog, events);
  life.onClose(() => tokens.close());
  const audit = new AuditRecorder({
    log: state.audit,
    events,
    clock,
    settings: settings.audit,
    definitionHash: (server, tool) => catalog.definitionHash(server, tool),
  });
  life.onClose(() => audit.close(AUDIT_FLUSH_ON_CLOSE_MS));
  const sessions = createSessions(settings, state, clock, events);
  life.onClose(() => sessions.closeAll());
  const inbox = new UpstreamInbox(logger);
  const credentials = openCredentials(config, state, logger, { events });
  const upstreamOAuth = await openUpstreamOAuth(config, {
    logger,
    now: () => clock.now(),
    secretStore: options.secretStore ?? state.secrets,
    publicUrl: settings.auth.publicUrl,
  });
  const { supervisor, children, sandbox } = createUpstreams(config, {
    clock,
    events,
    logger,
    correlationScope,
    tracer,
    inbox,
    catalog,
    instanceSpec: (spec, principal) => credentials.instanceSpec(spec, principal),
    oauth: upstreamOAuth,
  });
  const credentialChanges = events.on("credential-changed", ({ server, principal, revoked }) =>
    supervisor
      .credentialsChanged(server, principal, revoked)
      .catch((error: unknown) =>
        logger.warn({ err: error, server }, "stopping an instance after its credentials changed failed"),
      ),
  );
  life.onClose(() => sandbox.close());
  life.onClose(() => supervisor.close(settings.shutdownGraceMs, () => catalog.refreshing()));
  life.onClose(() => credentialChanges.dispose());

  const { router, search, budgets, policies, replay } = createRouting(config, {
    events,
    clock,
    state,
    catalog,
    sessions,
    supervisor,
    semantic,
    meter,
    secretScanner,
  });
  inbox.attach(router);
  const apiKeys = createApiKeys({ store: state.apiKeys, clock, cacheMs: settings.auth.keyCacheMs });
  const parts = { supervisor, catalog, sessions, replay, state, budgets, tokens, policies, audit, credentials };
  const { stats, metrics } = observability.watch(parts);

  const auth = openIdentity(settings.auth, { clock, logger, events, keys: apiKeys });

  const startSteps = startStepsOf({ config, life, logger, events, children, search, semantic, ...parts });
  return {
    ...parts,
    config,
    logger,
    events,
    correlationScope,
    tracer,
    router,
    apiKeys,
    review: integrity.review,
    rateLimits,
    auth,
    stats,
    metrics,
    upstreamOAuth,
    startedAt: clock.now(),
    phase: () => life.phase(),
    start: () => life.start(startSteps),
    close: () => life.close(),
  };
}

interface StartParts {
  config: GatewayConfig;
  life: Lifecycle;
  logger: Logger;
  events: EventBus;
  children: ChildRegistry;
  search: ToolSearch;
  semantic: SemanticIndex | undefined;
  catalog: Catalog;
  state: GatewayState;
  sessions: SessionRegistry;
  supervisor: Supervisor;
  audit: AuditRecorder;
}

/** What start() does, in order; the timers it sets are registered to close first. */
function startStepsOf(p: StartParts): LifeStep[] {
  const settings = p.config.gateway;
  return [
    async () => {
      const reaped = await p.children.reapOrphans();
      if (reaped.length > 0) p.logger.warn({ pids: reaped }, "reaped server processes left by a previous gateway");
    },
    () => p.catalog.load(),
    () => {
      if (!p.semantic) return;
      // Embeds the cached manifests' tools now, and changed tools whenever a manifest changes.
      p.search.refresh();
      p.events.on("catalog-changed", () => p.search.refresh());
    },
    () => p.audit.start(),
    () => {
      recordServers(p.state, p.config.servers, p.logger).catch((error: unknown) =>
        p.logger.warn({ err: error }, "could not record the servers' configurations in the registry"),
      );
    },
    // Servers asleep here may have been refreshed by another replica (or a restarted one): re-read their
    // manifests from the shared store once per manifest TTL.
    () =>
      p.life.onClose(
        every(Math.max(1_000, settings.cache.ttlMs.manifest), () => {
          for (const supervised of p.supervisor.enabled()) {
            if (!supervised.readyPeer) void p.catalog.reload(supervised.spec.name).catch(() => {});
          }
        }),
      ),
    () =>
      p.life.onClose(
        every(Math.max(1_000, Math.min(60_000, settings.sessionIdleTimeoutMs)), () => {
          try {
            p.sessions.expire(settings.sessionIdleTimeoutMs);
          } catch (error) {
            p.logger.error({ err: error }, "ending idle sessions failed");
          }
        }),
      ),
    () => p.supervisor.startEager(),
  ];
}

/** Runs `tick` every `ms` without keeping the process alive; the returned closer stops it. */
function every(ms: number, tick: () => void): LifeStep {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}

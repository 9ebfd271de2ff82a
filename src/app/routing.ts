// Wiring of the request path: access rules, per-server resilience policies, output budgets, progressive discovery
// over tool search, the replay budget of resumable streams, and the router that resolves each request through them.

import { createWorkerSecretScanner } from "../adapters/secrets/worker-secret-scanner.ts";
import type { EventBus } from "../core/events.ts";
import type { GatewayConfig } from "../core/gateway-config.ts";
import type { Clock } from "../ports/clock.ts";
import type { ResultMeter } from "../ports/result-meter.ts";
import type { SecretScanner } from "../ports/secret-scanner.ts";
import { AccessGuard } from "../services/access/access-guard.ts";
import { createAccessPolicy } from "../services/access/access-policy.ts";
import type { Catalog } from "../services/catalog/catalog.ts";
import { ResultScreening } from "../services/integrity/result-screening.ts";
import { hasUnusualCharacters, screenText, screenTextCharacters } from "../services/integrity/screening.ts";
import { createSecretGuard } from "../services/integrity/secret-guard.ts";
import { Policies } from "../services/policies/policies.ts";
import type { ResultBudgets } from "../services/results/result-budgets.ts";
import { ReplayBudget } from "../services/router/replay-budget.ts";
import { Router } from "../services/router/router.ts";
import type { SessionRegistry } from "../services/router/sessions.ts";
import type { SemanticIndex } from "../services/search/semantic-index.ts";
import type { ToolSearch } from "../services/search/tool-search.ts";
import type { Supervisor } from "../services/supervisor/supervisor.ts";
import { createResultBudgets } from "./results.ts";
import { createDiscovery } from "./search.ts";
import type { GatewayState } from "./state.ts";

export interface RoutingDeps {
  events: EventBus;
  clock: Clock;
  state: GatewayState;
  catalog: Catalog;
  sessions: SessionRegistry;
  supervisor: Supervisor;
  semantic: SemanticIndex | undefined;
  meter: ResultMeter;
  /** The secret scanner of openSecretScanner; unset when no server has secret detection on. */
  secretScanner: SecretScanner | undefined;
}

export interface Routing {
  router: Router;
  /** The access rules (gateway.access) as every listing, search and call applies them. */
  access: AccessGuard;
  search: ToolSearch;
  budgets: ResultBudgets;
  policies: Policies;
  replay: ReplayBudget;
}

/**
 * The secret scanner, for a configuration where some server has secret detection on: secretlint's preset in a
 * worker thread, so a 1 MiB message's scan (30-190 ms) does not hold up other clients' calls. The worker starts at
 * the first scan (secretlint is loaded there, then) and the gateway closes it after the drain.
 */
export function openSecretScanner(config: GatewayConfig): (SecretScanner & { close(): Promise<void> }) | undefined {
  const on = config.servers.some(
    (s) => s.integrity.secrets.arguments !== "off" || s.integrity.secrets.results !== "off",
  );
  return on ? createWorkerSecretScanner() : undefined;
}

export function createRouting(config: GatewayConfig, deps: RoutingDeps): Routing {
  const settings = config.gateway;
  const { events, catalog } = deps;
  const separator = settings.namespaceSeparator;
  const access = new AccessGuard({ policy: createAccessPolicy(settings.access, separator), catalog, separator });
  const { search, discovery } = createDiscovery(config, catalog, deps.semantic, access);
  const budgets = createResultBudgets(config, deps.state, deps.meter, events);
  const policies = new Policies({
    specs: config.servers,
    events,
    clock: deps.clock,
    manifest: (server) => catalog.manifest(server),
  });
  const replay = new ReplayBudget(settings.limits.maxReplayBytes);
  const router = new Router({
    supervisor: deps.supervisor,
    catalog,
    sessions: deps.sessions,
    events,
    clock: deps.clock,
    discovery,
    budgets,
    pager: budgets,
    policies,
    access,
    maxParamsDepth: settings.maxParamsDepth,
    listWaitMs: settings.discovery.listWaitMs,
    clientAnswerTimeoutMs: settings.clientAnswerTimeoutMs,
    integrity: {
      resultScreening: new ResultScreening(
        { full: screenText, characters: screenTextCharacters, unusual: hasUnusualCharacters },
        events,
        deps.clock,
      ),
      secrets: deps.secretScanner ? createSecretGuard({ scanner: deps.secretScanner }) : undefined,
    },
  });
  return { router, access, search, budgets, policies, replay };
}

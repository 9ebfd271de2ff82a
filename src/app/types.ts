// The gateway's public shape: what fronts, the CLI and tests see of a composed gateway.

import type { EventBus } from "../core/events.ts";
import type { GatewayConfig } from "../core/gateway-config.ts";
import type { Clock } from "../ports/clock.ts";
import type { CorrelationScope } from "../ports/correlation-scope.ts";
import type { Logger } from "../ports/logger.ts";
import type { MetricsExporter } from "../ports/metrics.ts";
import type { SecretStore } from "../ports/secret-store.ts";
import type { Tracer } from "../ports/tracer.ts";
import type { UpstreamAuthorizer } from "../ports/upstream-authorizer.ts";
import type { AuditRecorder } from "../services/audit/audit-recorder.ts";
import type { Catalog } from "../services/catalog/catalog.ts";
import type { ApiKeys } from "../services/identity/api-keys.ts";
import type { Credentials } from "../services/identity/credentials.ts";
import type { ToolReview } from "../services/integrity/tool-review.ts";
import type { RequestStats } from "../services/observability/request-stats.ts";
import type { Policies } from "../services/policies/policies.ts";
import type { RateLimitGate } from "../services/policies/rate-limits.ts";
import type { ResultBudgets } from "../services/results/result-budgets.ts";
import type { ReplayBudget } from "../services/router/replay-budget.ts";
import type { Router } from "../services/router/router.ts";
import type { SessionRegistry } from "../services/router/sessions.ts";
import type { Supervisor } from "../services/supervisor/supervisor.ts";
import type { TokenAccounting } from "../services/tokens/token-accounting.ts";
import type { Identity } from "./identity.ts";
import type { GatewayState } from "./state.ts";

/**
 * Where the gateway is in its life: `created` (composed, start() not called), `starting` (start() running),
 * `serving`, `draining` (close() called: finishing calls in flight), `closed`. Readiness is `serving` only.
 */
export type GatewayPhase = "created" | "starting" | "serving" | "draining" | "closed";

export interface GatewayOptions {
  logger?: Logger;
  /** Where the gateway's own logger writes (default stderr); ignored when `logger` is given. */
  logDestination?: NodeJS.WritableStream;
  clock?: Clock;
  /** Where sealed OAuth tokens of remote servers are kept; default in memory. */
  secretStore?: SecretStore;
}

export interface Gateway {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly events: EventBus;
  /** The request being handled (its correlation id), for fronts to enter and logs to read. */
  readonly correlationScope: CorrelationScope;
  /** OpenTelemetry spans when `gateway.tracing.endpoint` is set; no-ops otherwise. */
  readonly tracer: Tracer;
  readonly supervisor: Supervisor;
  readonly catalog: Catalog;
  readonly sessions: SessionRegistry;
  /** The memory budget of every resumable stream's recorded events on this replica (gateway.limits.maxReplayBytes). */
  readonly replay: ReplayBudget;
  readonly router: Router;
  /** API keys: create, list, revoke, and verify a key to the principal it authenticates. */
  readonly apiKeys: ApiKeys;
  /** Review of definitions the integrity gate holds back (admin API /tools/*). */
  readonly review: ToolReview;
  /** Registry, audit log, cache, session and result stores. */
  readonly state: GatewayState;
  readonly audit: AuditRecorder;
  /** Estimated tokens of the full and progressive tool listings (counted on request, cached per catalog). */
  readonly tokens: TokenAccounting;
  /** Output budgets and projection of tool results; pages cut results for read_result. */
  readonly budgets: ResultBudgets;
  /** Per-client and global rate limits the fronts apply; undefined when no limit is set. */
  readonly rateLimits: RateLimitGate | undefined;
  /** Calls, errors and latencies per server and in total; circuit states (for /health and `status`). */
  readonly stats: RequestStats;
  /** Prometheus metrics for GET /metrics; undefined when `gateway.metrics.enabled` is false. */
  readonly metrics: MetricsExporter | undefined;
  /** Per-server resilience policies: circuit breaker state (`policies.state(server)`), bulkhead occupancy. */
  readonly policies: Policies;
  /** Client authentication (gateway.auth): the front asks it for each request's principal. */
  readonly auth: Identity;
  /** Per-principal upstream credentials: set, list and delete sealed values (never read back by the API). */
  readonly credentials: Credentials;
  /** Authorizations of remote servers that use OAuth; undefined when no server has an `oauth` setting. */
  readonly upstreamOAuth: UpstreamAuthorizer | undefined;
  readonly startedAt: number;
  phase(): GatewayPhase;
  /** Reaps orphans of a killed predecessor, loads the manifest cache, starts eager servers. */
  start(): Promise<void>;
  /** Drains calls in flight (up to `shutdownGraceMs`), then stops every server. Idempotent. */
  close(): Promise<void>;
}

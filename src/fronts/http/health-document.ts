// The health document of GET /health (seed 003's shape, with the gateway's own members) and the per-server
// health of GET /health/servers/{name}. Field meanings are documented in docs/health.md.
import type { GatewayPhase, GatewayState } from "../../app/index.ts";
import type { CircuitState } from "../../core/events.ts";
import type { GatewayConfig } from "../../core/gateway-config.ts";
import type { Confinement, SandboxBackend } from "../../core/sandbox.ts";
import type { StopReason } from "../../core/server-state.ts";
import { GATEWAY_VERSION } from "../../core/version.ts";
import type { AuditRecorder } from "../../services/audit/audit-recorder.ts";
import type { Catalog } from "../../services/catalog/catalog.ts";
import type { CallStats, RecentCalls, RequestStats } from "../../services/observability/request-stats.ts";
import type { Policies } from "../../services/policies/policies.ts";
import type { ReplayBudget } from "../../services/router/replay-budget.ts";
import type { SessionRegistry } from "../../services/router/sessions.ts";
import type { ServerStatus } from "../../services/supervisor/server-supervisor.ts";
import type { Supervisor } from "../../services/supervisor/supervisor.ts";
import type { ConnectionLimit } from "./connection-limit.ts";

/**
 * - `healthy`: serving, every dependency up, no server failed, backing off or behind an open breaker.
 * - `degraded`: serving, but something above is wrong (asleep servers are normal, never a reason).
 * - `unhealthy`: not serving — starting, draining for shutdown, or closed (HTTP 503).
 */
export type HealthStatus = "healthy" | "degraded" | "unhealthy";

/**
 * A server's health: `asleep` and `disabled` are normal; `degraded` while it backs off after a failure, asleep
 * after a crash (or failed start or health checks) until it starts again, or while its breaker is half-open;
 * `unhealthy` when held in `failed` or its breaker is open.
 */
export type ServerHealthStatus = "healthy" | "asleep" | "disabled" | "degraded" | "unhealthy";

/** What the health document and the readiness probe read of the gateway. */
export interface HealthSources {
  readonly config: Pick<GatewayConfig, "gateway">;
  readonly startedAt: number;
  phase(): GatewayPhase;
  readonly supervisor: Pick<Supervisor, "get" | "statuses" | "inFlight">;
  readonly stats: Pick<RequestStats, "gateway" | "server" | "lastStop" | "rateLimited" | "internalErrors">;
  readonly policies: Pick<Policies, "state" | "worstState">;
  readonly state: Pick<GatewayState, "dependencies" | "cache">;
  readonly audit: Pick<AuditRecorder, "status">;
  readonly sessions: Pick<SessionRegistry, "size" | "maxSessions" | "refused">;
  readonly replay: Pick<ReplayBudget, "bytes" | "maxBytes" | "evicted">;
  readonly catalog: Pick<Catalog, "listStats">;
}

/** What the HTTP front knows about itself. */
export interface FrontInfo {
  /** Open HTTP connections (keep-alive included). */
  connections(): number;
  /** True once the front began closing. */
  closing(): boolean;
  /** The connection cap and what it did; undefined before the server exists. */
  connectionLimit?(): ConnectionLimit | undefined;
}

export interface RecentMetrics {
  window_seconds: number;
  request_count: number;
  error_count: number;
  requests_per_second: number;
  error_rate: number;
  average_response_time_ms: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

export interface CallMetrics {
  request_count: number;
  error_count: number;
  error_rate: number;
  average_response_time_ms: number;
  recent: RecentMetrics;
}

export interface ServerHealth {
  name: string;
  status: ServerHealthStatus;
  state: ServerStatus["status"];
  lifecycle: ServerStatus["lifecycle"];
  transport: ServerStatus["transport"];
  pid: number | null;
  in_flight: number;
  restarts: number;
  consecutive_failures: number;
  last_error: string | null;
  last_call_error: { kind: string; at: string } | null;
  last_activity: string | null;
  started_at: string | null;
  circuit_breaker_state: CircuitState;
  metrics: CallMetrics;
  /** The isolation in effect while the server runs; null otherwise (and for remote servers). */
  confinement: { backend: SandboxBackend; network: Confinement["network"] } | null;
}

/** The reason the gateway is not ready, or undefined when it is. */
export function notReadyReason(
  gateway: Pick<HealthSources, "phase">,
  front?: FrontInfo,
): "starting" | "draining" | undefined {
  const phase = gateway.phase();
  if (phase === "created" || phase === "starting") return "starting";
  if (phase !== "serving" || front?.closing()) return "draining";
  return undefined;
}

export function serverHealth(gateway: HealthSources, name: string): ServerHealth {
  const status = gateway.supervisor.get(name).status();
  return toServerHealth(gateway, status);
}

export async function healthDocument(gateway: HealthSources, front?: FrontInfo) {
  const statuses = gateway.supervisor.statuses();
  const count = (state: string) => statuses.filter((s) => s.status === state).length;
  const upstreams: Record<string, ServerHealth> = {};
  for (const status of statuses) upstreams[status.name] = toServerHealth(gateway, status);
  const dependencies = await gateway.state.dependencies().catch(() => ({}));
  const audit = gateway.audit.status();
  const troubled =
    Object.values(upstreams).some((s) => s.status === "degraded" || s.status === "unhealthy") ||
    Object.values(dependencies).some((d) => d.status !== "up") ||
    audit.error !== undefined;
  const notReady = notReadyReason(gateway, front);
  const status: HealthStatus = notReady ? "unhealthy" : troubled ? "degraded" : "healthy";
  return {
    status,
    server_name: "switchboard",
    version: GATEWAY_VERSION,
    timestamp: new Date().toISOString(),
    uptime_seconds: Math.round((Date.now() - gateway.startedAt) / 1000),
    ready: notReady === undefined,
    phase: gateway.phase(),
    metrics: {
      memory_usage_mb: Math.round((process.memoryUsage.rss() / 1_048_576) * 10) / 10,
      active_connections: front?.connections() ?? 0,
      ...callMetrics(gateway.stats.gateway()),
      circuit_breaker_state: gateway.policies.worstState(),
      rate_limited: gateway.stats.rateLimited(),
      internal_errors: gateway.stats.internalErrors(),
    },
    servers: {
      total: statuses.length,
      ready: count("ready"),
      asleep: count("asleep"),
      starting: count("starting"),
      backoff: count("backoff"),
      failed: count("failed"),
      disabled: count("disabled"),
    },
    upstreams,
    unconfined: statuses.filter(runsUnconfined).length,
    sessions: gateway.sessions.size,
    auth: { mode: gateway.config.gateway.auth.mode },
    limits: limitsOf(gateway, front),
    in_flight: gateway.supervisor.inFlight(),
    dependencies,
    cache: {
      backend: gateway.state.cache ? gateway.config.gateway.cache.backend : "disabled",
      ...(gateway.state.cache?.stats() ?? { hits: 0, misses: 0 }),
      lists: gateway.catalog.listStats(),
    },
    audit,
  };
}

/** What clients hold against this replica's bounds (gateway.limits), and what the bounds refused or evicted. */
function limitsOf(gateway: HealthSources, front: FrontInfo | undefined) {
  const { sessions, replay } = gateway;
  const connections = front?.connectionLimit?.();
  return {
    sessions: {
      active: sessions.size,
      max: sessions.maxSessions,
      refused_at_limit: sessions.refused.limit,
      refused_rate: sessions.refused.rate,
    },
    replay: { bytes: replay.bytes, max_bytes: replay.maxBytes, evicted_events: replay.evicted },
    connections: connections
      ? { open: connections.open, max: connections.max, evicted: connections.evicted, refused: connections.refused }
      : null,
  };
}

export type HealthDocument = Awaited<ReturnType<typeof healthDocument>>;

function toServerHealth(gateway: HealthSources, status: ServerStatus): ServerHealth {
  const stats = gateway.stats.server(status.name);
  const circuit = gateway.policies.state(status.name).state;
  return {
    name: status.name,
    status: serverHealthStatus(status, circuit, gateway.stats.lastStop(status.name)),
    state: status.status,
    lifecycle: status.lifecycle,
    transport: status.transport,
    pid: status.pid,
    in_flight: status.inFlight,
    restarts: status.restarts,
    consecutive_failures: status.consecutiveFailures,
    last_error: status.lastError,
    last_call_error: stats.lastCallError,
    last_activity: status.lastActivity,
    started_at: status.startedAt,
    circuit_breaker_state: circuit,
    metrics: callMetrics(stats),
    confinement: status.confinement
      ? { backend: status.confinement.backend, network: status.confinement.network }
      : null,
  };
}

/**
 * A running stdio server with no isolation in effect: reported, never a reason for `degraded` (running
 * unconfined is what a profile without a sandbox, or `onUnavailable: warn`, asked for).
 */
function runsUnconfined(status: ServerStatus): boolean {
  if (status.status !== "ready" || status.transport !== "stdio") return false;
  return status.confinement === null || status.confinement.backend === "none";
}

const ABNORMAL_STOPS: ReadonlySet<StopReason | undefined> = new Set([
  "crashed",
  "overloaded",
  "health-check",
  "start-failed",
]);

function serverHealthStatus(status: ServerStatus, circuit: CircuitState, lastStop?: StopReason): ServerHealthStatus {
  if (status.status === "disabled") return "disabled";
  if (status.status === "failed" || circuit === "open") return "unhealthy";
  if (status.status === "backoff" || circuit === "half-open") return "degraded";
  if (status.status === "asleep") return ABNORMAL_STOPS.has(lastStop) ? "degraded" : "asleep";
  return "healthy";
}

function callMetrics(stats: CallStats): CallMetrics {
  return {
    request_count: stats.requests,
    error_count: stats.errors,
    error_rate: stats.errorRate,
    average_response_time_ms: stats.meanMs,
    recent: recentMetrics(stats.recent),
  };
}

function recentMetrics(recent: RecentCalls): RecentMetrics {
  return {
    window_seconds: recent.windowSeconds,
    request_count: recent.requests,
    error_count: recent.errors,
    requests_per_second: recent.requestsPerSecond,
    error_rate: recent.errorRate,
    average_response_time_ms: recent.meanMs,
    p50_ms: recent.p50Ms,
    p95_ms: recent.p95Ms,
    p99_ms: recent.p99Ms,
  };
}

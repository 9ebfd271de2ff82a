// Wiring of the downstream sessions: in this process, or shared through Redis when gateway.redis.url is set
// (with this process's memory standing in while Redis is away), bounded by the session cap and a per-client
// creation limit.

import { createMemoryRateLimiter } from "../adapters/rate-limit/memory-rate-limiter.ts";
import type { EventBus } from "../core/events.ts";
import type { GatewaySettings } from "../core/gateway-config.ts";
import { bucketLimit } from "../core/token-bucket.ts";
import type { Clock } from "../ports/clock.ts";
import { type SessionLimits, SessionRegistry } from "../services/router/sessions.ts";
import type { GatewayState } from "./state.ts";

export function createSessions(
  settings: GatewaySettings,
  state: GatewayState,
  clock: Clock,
  events: EventBus,
): SessionRegistry {
  const shared = settings.redis.url
    ? {
        store: state.sessions,
        ttlMs: settings.sessionIdleTimeoutMs,
        events,
        authoritative: () => state.sessionsAuthoritative(),
      }
    : undefined;
  return new SessionRegistry(clock, shared, sessionLimits(settings, clock));
}

/** The session cap and the per-client creation limit (buckets in memory: the cap is per replica too). */
function sessionLimits(settings: GatewaySettings, clock: Clock): SessionLimits {
  const { maxSessions, sessionCreation } = settings.limits;
  if (sessionCreation.perMinute <= 0) return { maxSessions };
  const limits = { client: bucketLimit(sessionCreation.perMinute, sessionCreation.burst), global: undefined };
  return {
    maxSessions,
    creation: createMemoryRateLimiter({ limits, clock, maxClients: settings.rateLimit.maxClients }),
  };
}

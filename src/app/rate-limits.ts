// Picks the fronts' rate limiter from the settings: none when no limit is set, memory buckets, or Redis buckets
// with memory buckets standing in while Redis is unreachable.
import type { Redis } from "ioredis";
import { rateLimiterWithFallback } from "../adapters/rate-limit/fallback-rate-limiter.ts";
import { createMemoryRateLimiter } from "../adapters/rate-limit/memory-rate-limiter.ts";
import { createRedisRateLimiter } from "../adapters/rate-limit/redis-rate-limiter.ts";
import type { EventBus } from "../core/events.ts";
import type { GatewaySettings } from "../core/gateway-config.ts";
import type { Clock } from "../ports/clock.ts";
import type { Logger } from "../ports/logger.ts";
import type { RateLimiter } from "../ports/rate-limiter.ts";
import { createRateLimitGate, type RateLimitGate } from "../services/policies/rate-limits.ts";

export interface OpenRateLimitsOptions {
  settings: GatewaySettings;
  /** The shared connection to gateway.redis.url; required by the redis backend. */
  redis: Redis | undefined;
  clock: Pick<Clock, "now">;
  logger: Logger;
  events: EventBus;
}

/** Undefined when rate limiting is off (disabled, or no limit set): the fronts then skip it entirely. */
export function openRateLimits(options: OpenRateLimitsOptions): RateLimitGate | undefined {
  const limiter = openRateLimiter(options);
  return limiter && createRateLimitGate({ limiter, events: options.events });
}

function openRateLimiter(options: OpenRateLimitsOptions): RateLimiter | undefined {
  const { rateLimit: settings, redis: redisSettings } = options.settings;
  const { redis, clock } = options;
  if (!settings.enabled) return undefined;
  const limits = { client: settings.client, global: settings.global };
  const memory = createMemoryRateLimiter({ limits, clock, maxClients: settings.maxClients });
  if (settings.backend === "memory" || !redis) return memory;
  return rateLimiterWithFallback({
    primary: createRedisRateLimiter({ redis, limits, prefix: redisSettings.keyPrefix }),
    memory,
    connection: redis,
    logger: options.logger.child({ component: "rate-limit" }),
  });
}

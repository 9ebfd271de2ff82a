// Picks the rate limiter from the settings: none when no limit is set, memory buckets, or Redis buckets with
// memory buckets standing in while Redis is unreachable.
import type { Redis } from "ioredis";
import { rateLimiterWithFallback } from "../adapters/rate-limit/fallback-rate-limiter.ts";
import { createMemoryRateLimiter } from "../adapters/rate-limit/memory-rate-limiter.ts";
import { createRedisRateLimiter } from "../adapters/rate-limit/redis-rate-limiter.ts";
import type { RateLimitSettings } from "../core/gateway-config.ts";
import type { Clock } from "../ports/clock.ts";
import type { Logger } from "../ports/logger.ts";
import type { RateLimiter } from "../ports/rate-limiter.ts";

export interface OpenRateLimiterOptions {
  settings: RateLimitSettings;
  /** The shared connection to gateway.redis.url; required by the redis backend. */
  redis: Redis | undefined;
  keyPrefix: string;
  clock: Pick<Clock, "now">;
  logger: Logger;
}

/** Undefined when rate limiting is off (disabled, or no limit set): the fronts then skip it entirely. */
export function openRateLimiter(options: OpenRateLimiterOptions): RateLimiter | undefined {
  const { settings, redis, clock } = options;
  if (!settings.enabled) return undefined;
  const limits = { client: settings.client, global: settings.global };
  const memory = createMemoryRateLimiter({ limits, clock, maxClients: settings.maxClients });
  if (settings.backend === "memory" || !redis) return memory;
  return rateLimiterWithFallback({
    primary: createRedisRateLimiter({ redis, limits, prefix: options.keyPrefix }),
    memory,
    connection: redis,
    logger: options.logger.child({ component: "rate-limit" }),
  });
}

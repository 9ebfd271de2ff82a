// Token buckets in Redis, shared by every replica: one atomic Lua script per request (EVALSHA, one round trip)
// reads the client's and the global bucket, refills them by Redis's own clock (replicas' clocks may disagree),
// and takes a token from both or from neither. Buckets expire once they would be full again.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { type BucketLimit, msToFull } from "../../core/token-bucket.ts";
import {
  ALLOWED,
  type RateDecision,
  type RateLimiter,
  type RateLimitScope,
  type RateLimits,
} from "../../ports/rate-limiter.ts";

/**
 * KEYS: the buckets to check (client, global, or both). ARGV: per bucket, its tokens per ms, capacity and
 * expiry in ms. Returns {1, 0, 0} when a token was taken from every bucket, else {0, wait ms, index of the
 * first empty bucket (1-based)}. Levels are stored as strings (`tokens`, `at` in ms of Redis time).
 */
export const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local levels = {}
local wait = 0
local empty = 0
for i = 1, #KEYS do
  local rate = tonumber(ARGV[3 * i - 2])
  local capacity = tonumber(ARGV[3 * i - 1])
  local stored = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(stored[1])
  local at = tonumber(stored[2])
  local level = capacity
  if tokens ~= nil and at ~= nil then
    local elapsed = now - at
    if elapsed < 0 then elapsed = 0 end
    level = math.min(capacity, tokens + elapsed * rate)
  end
  levels[i] = level
  if level < 1 then
    local w = math.ceil((1 - level) / rate)
    if w > wait then wait = w end
    if empty == 0 then empty = i end
  end
end
if empty > 0 then return {0, wait, empty} end
for i = 1, #KEYS do
  redis.call('HSET', KEYS[i], 'tokens', tostring(levels[i] - 1), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[i], ARGV[3 * i])
end
return {1, 0, 0}
`;

const TAKE_SHA = createHash("sha1").update(TAKE_SCRIPT).digest("hex");

export interface RedisRateLimiterOptions {
  redis: Redis;
  limits: RateLimits;
  /** The gateway's key prefix (gateway.redis.keyPrefix); the limiter adds `ratelimit:`. */
  prefix: string;
}

export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { redis, limits } = options;
  const base = `${options.prefix}ratelimit:`;
  const globalKey = `${base}global`;
  const argsOf = (limit: BucketLimit) => [
    String(limit.perMinute / 60_000),
    String(limit.capacity),
    // A full bucket and a missing one are the same; a second of slack covers clock rounding.
    String(msToFull(limit) + 1_000),
  ];
  const clientArgs = limits.client ? argsOf(limits.client) : [];
  const globalArgs = limits.global ? argsOf(limits.global) : [];
  const scopes: RateLimitScope[] = [
    ...(limits.client ? ["client" as const] : []),
    ...(limits.global ? ["global" as const] : []),
  ];

  async function run(keys: string[], args: string[]): Promise<unknown> {
    try {
      return await redis.evalsha(TAKE_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      // A restarted (or flushed) Redis has forgotten the script: EVAL sends it and caches it again.
      if (!String((error as Error).message).startsWith("NOSCRIPT")) throw error;
      return redis.eval(TAKE_SCRIPT, keys.length, ...keys, ...args);
    }
  }

  return {
    async take(clientKey: string): Promise<RateDecision> {
      const keys = limits.client ? [`${base}client:${clientKey}`] : [];
      if (limits.global) keys.push(globalKey);
      if (keys.length === 0) return ALLOWED;
      const reply = (await run(keys, [...clientArgs, ...globalArgs])) as [number, number, number];
      if (reply[0] === 1) return ALLOWED;
      return { allowed: false, scope: scopes[reply[2] - 1] ?? "global", retryAfterMs: Math.max(1, reply[1]) };
    },
    // The connection belongs to the gateway's state and is closed there.
    async close() {},
  };
}

// The one Redis connection the state adapters share: fail-fast commands, endless reconnects with backoff,
// and every connection error handled (logged) so a Redis outage can never crash the gateway.
import { Redis } from "ioredis";
import type { Logger } from "../../ports/logger.ts";

export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2_000;
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2_000;
export const DEFAULT_REDIS_MAX_RECONNECT_DELAY_MS = 2_000;

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  logger: Logger;
  /** A command without a reply by then fails (and the fallback takes over); default 2,000 ms. */
  commandTimeoutMs?: number;
  /** Give up one connection attempt after this long; default 2,000 ms. */
  connectTimeoutMs?: number;
  /** Reconnect delays double from 50 ms up to this cap (plus jitter); default 2,000 ms. */
  maxReconnectDelayMs?: number;
}

/** Options every adapter on the shared connection takes: the connection and the key prefix. */
export interface RedisStoreOptions {
  redis: Redis;
  /** Prepended to every key, before the per-kind segment (`cache:`, `session:`, `result:`). */
  prefix: string;
}

/**
 * Connects at once rather than lazily: the first client request then does not pay for the handshake, and the
 * fallback's `status()` tells the truth from boot instead of "degraded" until something happens to touch Redis.
 */
export function createRedisConnection(options: RedisConnectionOptions): Redis {
  const maxDelayMs = options.maxReconnectDelayMs ?? DEFAULT_REDIS_MAX_RECONNECT_DELAY_MS;
  const redis = new Redis(options.url, {
    lazyConnect: false,
    connectionName: "switchboard",
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
    // A command caught by a disconnect is retried over one reconnect at most, then rejected: callers fall back
    // to memory instead of queueing behind an outage. The offline queue stays on, so commands sent while the
    // first connection is being made simply wait for it (bounded by commandTimeout).
    maxRetriesPerRequest: 1,
    // disconnect() waits this long for the socket's "close"; after an outage that socket is long closed, and the
    // default 2 s would hold up the gateway's shutdown for nothing.
    disconnectTimeout: 200,
    // Never give up: when Redis comes back the gateway goes back to it.
    retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), maxDelayMs) + Math.floor(Math.random() * 50),
  });
  watchConnection(redis, options.logger.child({ component: "redis" }));
  return redis;
}

/** Logs state changes and errors; one line per distinct error between two "ready"s, not one per retry. */
function watchConnection(redis: Redis, logger: Logger): void {
  let lastError: string | undefined;
  let wasReady = false;
  redis.on("error", (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    logger.warn({ err: error }, "redis error; state falls back to memory while it is unreachable");
  });
  redis.on("ready", () => {
    lastError = undefined;
    wasReady = true;
    logger.info("redis ready");
  });
  // "reconnecting" rather than "close": a deliberate close() must not read as an outage.
  redis.on("reconnecting", () => {
    if (wasReady) logger.warn("redis connection lost; reconnecting");
    wasReady = false;
  });
}

/** Resolves once the connection is ready; rejects after `timeoutMs` (e.g. a boot that requires Redis). */
export function redisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", onReady);
  });
}

/** Idempotent: QUIT when connected (pending replies arrive first), otherwise just drop the socket and retries. */
export async function closeRedisConnection(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  if (redis.status !== "ready") {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

/** Redis wants a positive integer for PX. */
export function toPxMs(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}

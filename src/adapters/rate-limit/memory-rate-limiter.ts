// Token buckets in this process's memory: O(1) per request, no timers. Client buckets are kept in insertion
// order and touched ones move to the end, so the least recently seen go first when `maxClients` is reached.
import { type BucketState, levelAt, msUntilToken } from "../../core/token-bucket.ts";
import type { Clock } from "../../ports/clock.ts";
import { ALLOWED, type RateDecision, type RateLimiter, type RateLimits } from "../../ports/rate-limiter.ts";

export interface MemoryRateLimiterOptions {
  limits: RateLimits;
  clock: Pick<Clock, "now">;
  /** Client buckets kept at most; the least recently used is forgotten (it starts full again). */
  maxClients: number;
}

export function createMemoryRateLimiter(options: MemoryRateLimiterOptions): RateLimiter & { size(): number } {
  const { limits, clock, maxClients } = options;
  const clients = new Map<string, BucketState>();
  let global: BucketState | undefined;

  return {
    take(clientKey: string): RateDecision {
      const now = clock.now();
      const clientState = limits.client ? clients.get(clientKey) : undefined;
      const clientLevel = limits.client ? levelAt(clientState, limits.client, now) : Number.POSITIVE_INFINITY;
      const globalLevel = limits.global ? levelAt(global, limits.global, now) : Number.POSITIVE_INFINITY;
      if (clientLevel < 1 || globalLevel < 1) {
        const waitClient = limits.client ? msUntilToken(clientLevel, limits.client) : 0;
        const waitGlobal = limits.global ? msUntilToken(globalLevel, limits.global) : 0;
        return {
          allowed: false,
          scope: clientLevel < 1 ? "client" : "global",
          retryAfterMs: Math.max(1, waitClient, waitGlobal),
        };
      }
      if (limits.client) {
        if (clientState) {
          clientState.tokens = clientLevel - 1;
          clientState.updatedAt = now;
          clients.delete(clientKey); // re-inserted last: the most recently used
          clients.set(clientKey, clientState);
        } else {
          if (clients.size >= maxClients) clients.delete(clients.keys().next().value as string);
          clients.set(clientKey, { tokens: clientLevel - 1, updatedAt: now });
        }
      }
      if (limits.global) global = { tokens: globalLevel - 1, updatedAt: now };
      return ALLOWED;
    },
    size: () => clients.size,
    async close() {
      clients.clear();
    },
  };
}

// Degradation of shared rate limits: Redis while its connection is ready, this replica's memory buckets while it
// is not (and for a single command that fails), back to Redis by itself when the connection is ready again.
// Each switch is logged once. During an outage every replica enforces the limits on its own: a client may get
// up to the per-client limit from each replica it reaches, and the global limit holds per replica.
import type { Redis } from "ioredis";
import type { Logger } from "../../ports/logger.ts";
import type { RateDecision, RateLimiter } from "../../ports/rate-limiter.ts";

export interface FallbackRateLimiterOptions {
  primary: RateLimiter;
  memory: RateLimiter;
  connection: Pick<Redis, "status">;
  logger: Logger;
}

export type RateLimiterHealth = "shared" | "local";

export function rateLimiterWithFallback(
  options: FallbackRateLimiterOptions,
): RateLimiter & { status(): RateLimiterHealth } {
  const { primary, memory, connection, logger } = options;
  let local = false;
  const goLocal = (error?: unknown) => {
    if (local) return;
    local = true;
    logger.warn(
      error === undefined ? {} : { err: error },
      "rate limits are enforced by this replica alone while Redis is unreachable",
    );
  };
  const goShared = () => {
    if (!local) return;
    local = false;
    logger.info("rate limits are shared through Redis again");
  };
  return {
    take(clientKey: string): RateDecision | Promise<RateDecision> {
      if (connection.status !== "ready") {
        goLocal();
        return memory.take(clientKey);
      }
      // Back to shared only once Redis has answered: a Redis that fails every command logs once, not per call.
      return (primary.take(clientKey) as Promise<RateDecision>).then(
        (decision) => {
          goShared();
          return decision;
        },
        (error: unknown) => {
          goLocal(error);
          return memory.take(clientKey);
        },
      );
    },
    status: () => (connection.status === "ready" ? "shared" : "local"),
    async close() {
      await Promise.all([primary.close(), memory.close()]);
    },
  };
}

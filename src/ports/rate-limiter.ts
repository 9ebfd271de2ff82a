// The rate-limiter port: one token per admitted request from a client's bucket and the global bucket, taken
// together or not at all. Adapters: this process's memory, Redis (shared by every replica), and a wrapper that
// uses Redis while it is reachable and memory while it is not.

import type { BucketLimit } from "../core/token-bucket.ts";

/** The limits a limiter enforces. */
export interface RateLimits {
  /** Per client key; undefined: no per-client limit. */
  client: BucketLimit | undefined;
  /** Shared by every client; undefined: no global limit. */
  global: BucketLimit | undefined;
}

/** Which bucket ran dry: the caller's own, or the one every client shares. */
export type RateLimitScope = "client" | "global";

export type RateDecision =
  | { allowed: true }
  | {
      allowed: false;
      /** The client's bucket when it is empty, else the global one. */
      scope: RateLimitScope;
      /** When both buckets hold a token again (the longer of the two waits), in ms; at least 1. */
      retryAfterMs: number;
    };

export interface RateLimiter {
  /**
   * Takes a token for `clientKey` from its bucket (when a per-client limit is set) and from the global bucket
   * (when a global limit is set). A rejected request takes nothing. The memory adapter answers synchronously.
   */
  take(clientKey: string): RateDecision | Promise<RateDecision>;
  close(): Promise<void>;
}

export const ALLOWED: RateDecision = Object.freeze({ allowed: true });

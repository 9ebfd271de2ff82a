// Token-bucket arithmetic shared by every rate limiter: a bucket holds up to `capacity` tokens and refills
// continuously at `perMinute`; a request takes one. Pure functions of the stored level and the time, no timers.

/** One configured limit. */
export interface BucketLimit {
  /** Tokens added per minute (the sustained rate). */
  perMinute: number;
  /** Most tokens the bucket holds: the requests allowed back to back after a quiet spell. At least 1. */
  capacity: number;
}

/** What is stored per bucket: its level after the last taken token, and when that was (ms). */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

const MS_PER_MINUTE = 60_000;

/** Tokens per millisecond. */
export function refillPerMs(limit: BucketLimit): number {
  return limit.perMinute / MS_PER_MINUTE;
}

/** The level at `now`; a bucket never seen (or expired) is full. A clock that went back refills nothing. */
export function levelAt(state: BucketState | undefined, limit: BucketLimit, now: number): number {
  if (!state) return limit.capacity;
  const elapsedMs = Math.max(0, now - state.updatedAt);
  return Math.min(limit.capacity, state.tokens + elapsedMs * refillPerMs(limit));
}

/** Milliseconds until a bucket at `level` holds one whole token (0 when it already does). */
export function msUntilToken(level: number, limit: BucketLimit): number {
  if (level >= 1) return 0;
  return Math.ceil((1 - level) / refillPerMs(limit));
}

/** How long an untouched bucket takes to fill from empty: after that, forgetting it loses nothing. */
export function msToFull(limit: BucketLimit): number {
  return Math.ceil(limit.capacity / refillPerMs(limit));
}

/** A limit from configuration: `burst` defaults to the per-minute rate (at least 1 token). */
export function bucketLimit(perMinute: number, burst: number | undefined): BucketLimit {
  return { perMinute, capacity: burst ?? Math.max(1, Math.ceil(perMinute)) };
}

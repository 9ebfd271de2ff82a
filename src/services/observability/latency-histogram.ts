// Fixed-bucket latency histograms: constant-time recording and percentile estimates good enough for a health
// report or a dashboard (linear interpolation inside the bucket that holds the rank).

/** Upper bounds (ms) of the buckets; a last, open bucket holds everything slower. */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000,
];

/** Number of counters a histogram needs (the bounded buckets plus the open one). */
export const LATENCY_BUCKETS = LATENCY_BUCKET_BOUNDS_MS.length + 1;

export function bucketOf(durationMs: number): number {
  const bounds = LATENCY_BUCKET_BOUNDS_MS;
  for (let i = 0; i < bounds.length; i++) if (durationMs <= (bounds[i] as number)) return i;
  return bounds.length;
}

/**
 * The `q` quantile (0..1) of the durations counted in `buckets`, or null when there are none. Values in the
 * open bucket are reported as its lower bound (the histogram cannot tell how much slower they were).
 */
export function quantileMs(buckets: ArrayLike<number>, q: number): number | null {
  let count = 0;
  for (let i = 0; i < buckets.length; i++) count += buckets[i] as number;
  if (count === 0) return null;
  const rank = Math.max(1, Math.ceil(q * count));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const inBucket = buckets[i] as number;
    if (seen + inBucket >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BUCKET_BOUNDS_MS[i - 1] as number);
      const upper = LATENCY_BUCKET_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return round1(lower + ((upper - lower) * (rank - seen)) / inBucket);
    }
    seen += inBucket;
  }
  return null;
}

export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

// The cache port: string values under string keys with a TTL; counts hits and misses for metrics.

export interface CacheStats {
  hits: number;
  misses: number;
}

export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  stats(): CacheStats;
  close(): Promise<void>;
}

// Metric family of the caches: hits and misses by cache, read from the caches' own counts at scrape time.
import { Counter } from "prom-client";
import type { CacheStats } from "../../ports/cache.ts";
import type { MetricFamilyContext } from "./metric-family.ts";

export function registerCacheMetrics(
  context: MetricFamilyContext,
  caches: () => Readonly<Record<string, CacheStats>>,
): void {
  const cacheCounter = (metric: string, help: string, pick: (stats: CacheStats) => number) =>
    new Counter({
      name: context.name(metric),
      help,
      labelNames: ["cache"],
      registers: [context.registry],
      collect() {
        this.reset();
        for (const [cache, stats] of Object.entries(caches())) this.inc({ cache }, pick(stats));
      },
    });
  cacheCounter("cache_hits_total", "Cache lookups answered from the cache, by cache.", (s) => s.hits);
  cacheCounter("cache_misses_total", "Cache lookups not found in the cache, by cache.", (s) => s.misses);
}

// Normalizes the state sections of the gateway settings (database, redis, cache, audit): `${VAR}` references in
// URLs are resolved, the SQLite path is made absolute, the cache backend and per-kind TTLs are settled.
import { isAbsolute, resolve } from "node:path";
import type {
  AuditSettings,
  CacheKind,
  CacheSettings,
  ConfigProblem,
  DatabaseSettings,
  RedisSettings,
} from "../core/gateway-config.ts";
import { interpolate } from "./interpolate.ts";
import type { GatewaySection } from "./schema.ts";

export interface StateSettings {
  database: DatabaseSettings;
  redis: RedisSettings;
  cache: CacheSettings;
  audit: AuditSettings;
}

const CACHE_KINDS: readonly CacheKind[] = ["manifest", "search", "embedding"];

export function normalizeStateSettings(
  section: GatewaySection,
  stateDir: string,
  vars: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
): StateSettings {
  const url = (value: string | undefined, path: string, schemes: readonly string[]): string | undefined => {
    if (value === undefined) return undefined;
    const { value: resolved, missing } = interpolate(value, vars);
    if (missing.length > 0) {
      problems.push({ path, message: `undefined environment variable ${missing.map((m) => `\${${m}}`).join(", ")}` });
      return undefined;
    }
    if (resolved === "") return undefined;
    let parsed: URL;
    try {
      parsed = new URL(resolved);
    } catch {
      problems.push({ path, message: "not a valid URL" });
      return undefined;
    }
    if (!schemes.includes(parsed.protocol)) {
      problems.push({ path, message: `expected a ${schemes.map((s) => `${s}//`).join(" or ")} URL` });
      return undefined;
    }
    return resolved;
  };
  const pg = ["postgres:", "postgresql:"];
  const redisSchemes = ["redis:", "rediss:"];
  const { database, redis, cache, audit } = section;
  const redisUrl = url(redis.url, "gateway.redis.url", redisSchemes);
  const cacheRedisUrl = url(cache.redisUrl, "gateway.cache.redisUrl", redisSchemes) ?? redisUrl;
  const backend = cache.backend ?? (cacheRedisUrl ? "redis" : "memory");
  if (backend === "redis" && !cacheRedisUrl) {
    problems.push({
      path: "gateway.cache.backend",
      message:
        "the redis backend needs a Redis URL (gateway.cache.redisUrl, gateway.redis.url, CACHE_REDIS_URL or REDIS_URL)",
    });
  }
  const sqliteFile = database.sqlitePath ?? "switchboard.db";
  const ttlMs = Object.fromEntries(
    CACHE_KINDS.map((kind) => [kind, cache.ttlMs[kind] ?? cache.defaultTtlMs]),
  ) as Record<CacheKind, number>;
  return {
    database: {
      url: url(database.url, "gateway.database.url", pg),
      auditUrl: url(database.auditUrl, "gateway.database.auditUrl", pg),
      poolSize: database.poolSize,
      connectTimeoutMs: database.connectTimeoutMs,
      sqlitePath: isAbsolute(sqliteFile) ? sqliteFile : resolve(stateDir, sqliteFile),
    },
    redis: { url: redisUrl, keyPrefix: redis.keyPrefix },
    cache: {
      enabled: cache.enabled,
      backend,
      redisUrl: backend === "redis" ? cacheRedisUrl : undefined,
      maxEntries: cache.maxEntries,
      maxBytes: cache.maxBytes,
      defaultTtlMs: cache.defaultTtlMs,
      ttlMs,
    },
    audit: { ...audit },
  };
}

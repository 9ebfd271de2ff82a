// The state sections of the gateway's configuration: registry and audit storage (SQLite or PostgreSQL), Redis,
// the cache and the audit log. Part of the gateway section (schema.ts).
import { z } from "zod";
import { ms, positiveMs } from "./schema-units.ts";

export const DatabaseSchema = z
  .object({
    url: z
      .string()
      .optional()
      .describe(
        "PostgreSQL URL (postgres://user@host:port/db) for the registry and, unless auditUrl is set, the audit log; unset: embedded SQLite in the state directory (env DATABASE_URL). `${VAR}` allowed.",
      ),
    auditUrl: z
      .string()
      .optional()
      .describe("Separate PostgreSQL URL for the audit log (env AUDIT_DATABASE_URL); default: url."),
    poolSize: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(10)
      .describe("Most PostgreSQL connections per pool (env DB_POOL_SIZE); default 10."),
    connectTimeoutMs: positiveMs("How long to wait for a PostgreSQL connection before failing as unavailable.", 5000),
    sqlitePath: z
      .string()
      .optional()
      .describe("SQLite file when no url is set, relative to the state directory; default switchboard.db."),
  })
  .strict()
  .describe("Registry and audit storage: embedded SQLite by default, PostgreSQL when a URL is set.");

export const RedisSchema = z
  .object({
    url: z
      .string()
      .optional()
      .describe(
        "Redis URL for sessions, paged results and (unless cache.backend is memory) the cache (env REDIS_URL); unset: this process's memory. `${VAR}` allowed.",
      ),
    keyPrefix: z
      .string()
      .default("switchboard:")
      .describe("Prepended to every key (env REDIS_KEY_PREFIX); default switchboard:."),
  })
  .strict()
  .describe("Shared state for several replicas. While Redis is unreachable the gateway uses memory (degraded).");

export const CacheTtlSchema = z
  .object({
    manifest: z.number().int().min(1).optional().describe("Per-server manifests. Milliseconds; default defaultTtlMs."),
    search: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("Tool-search results (env CACHE_SEARCH_TTL, seconds). Milliseconds; default defaultTtlMs."),
    embedding: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("Embedding vectors (env CACHE_EMBEDDING_TTL, seconds). Milliseconds; default defaultTtlMs."),
  })
  .strict();

export const CacheSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe("Cache manifests (and later search results and embeddings) (env CACHE_ENABLED); default true."),
    backend: z
      .enum(["memory", "redis"])
      .optional()
      .describe("memory or redis (env CACHE_BACKEND); default redis when a Redis URL is set, else memory."),
    redisUrl: z
      .string()
      .optional()
      .describe("Redis URL of the cache if it differs from redis.url (env CACHE_REDIS_URL)."),
    maxEntries: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe("Most entries of the memory cache (env CACHE_MAX_SIZE); default 10000."),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024)
      .describe("Most bytes of the memory cache. Bytes; default 67108864."),
    defaultTtlMs: positiveMs(
      "Time to live of entries without a per-kind TTL (env CACHE_DEFAULT_TTL, seconds).",
      300_000,
    ),
    ttlMs: CacheTtlSchema.prefault({}).describe("Per-kind times to live."),
  })
  .strict()
  .describe("Cache of manifests, search results and embeddings, with hit/miss counts.");

export const AuditSchema = z
  .object({
    enabled: z.boolean().default(true).describe("Record every tools/call (env AUDIT_ENABLED); default true."),
    retentionDays: z
      .number()
      .min(0)
      .default(30)
      .describe(
        "Delete records older than this many days; 0 keeps them forever (env AUDIT_RETENTION_DAYS); default 30.",
      ),
    pruneIntervalMs: positiveMs("How often old records are deleted.", 3_600_000),
    flushIntervalMs: ms(
      "Records are written in one batch at most this long after a call ends (one commit for many calls); 0 writes each event-loop turn.",
      50,
    ),
    maxQueued: z
      .number()
      .int()
      .min(1)
      .default(100_000)
      .describe(
        "Records held in memory while the audit database is unreachable; beyond it the oldest are dropped (and logged); default 100000.",
      ),
  })
  .strict()
  .describe("The audit log of tool calls (never their arguments, only a hash).");

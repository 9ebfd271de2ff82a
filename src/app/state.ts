// Picks and opens the state adapters from the settings: SQLite or PostgreSQL for the registry (with API keys,
// sealed secrets and pins) and audit log, memory or Redis (with memory fallback) for the cache, sessions and paged results. Reports their health.
import type { Redis } from "ioredis";
import { createMemoryCache } from "../adapters/cache/memory-cache.ts";
import { createMemoryResultStore } from "../adapters/storage/memory-result-store.ts";
import { createMemorySessionStore } from "../adapters/storage/memory-session-store.ts";
import { createRegistryManifestStore } from "../adapters/storage/registry-manifest-store.ts";
import { canonicalHash } from "../core/canonical-hash.ts";
import type { GatewaySettings } from "../core/gateway-config.ts";
import { redactUrl } from "../core/redact-url.ts";
import type { ServerSpec } from "../core/server-spec.ts";
import type { ApiKeyStore } from "../ports/api-key-store.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import type { Cache } from "../ports/cache.ts";
import type { EmbeddingStore } from "../ports/embedding-store.ts";
import type { Logger } from "../ports/logger.ts";
import type { ManifestStore } from "../ports/manifest-store.ts";
import type { PinStore } from "../ports/pin-store.ts";
import type { RegistryStore } from "../ports/registry-store.ts";
import type { ResultStore } from "../ports/result-store.ts";
import type { SecretStore } from "../ports/secret-store.ts";
import type { SessionStore } from "../ports/session-store.ts";

export type DependencyHealth = "up" | "degraded" | "down";

export interface DependencyStatus {
  status: DependencyHealth;
  /** sqlite, postgres, redis or memory. */
  backend: string;
  /** Where it is (URLs without passwords, or the SQLite path). */
  location?: string;
  detail?: string;
  latencyMs?: number;
}

export interface GatewayState {
  registry: RegistryStore;
  audit: AuditLog;
  /** API keys (hashes only), in the registry's database. */
  apiKeys: ApiKeyStore;
  /** Sealed per-principal credentials and OAuth tokens, in the registry's database. */
  secrets: SecretStore;
  /** The approved (pinned) definitions and what waits for review, in the registry's database. */
  pins: PinStore;
  manifests: ManifestStore;
  /** Undefined when caching is disabled. */
  cache: Cache | undefined;
  sessions: SessionStore;
  /** False while the session store is a memory stand-in for an unreachable Redis. */
  sessionsAuthoritative(): boolean;
  results: ResultStore;
  /** The connection to gateway.redis.url (shared by the sessions, results and rate limits); undefined without one. */
  redis: Redis | undefined;
  /** Vectors for semantic tool search, in the registry's database; undefined unless semantic search is enabled. */
  embeddings: EmbeddingStore | undefined;
  /** Pings the database(s) and reads the Redis connection states; never rejects. */
  dependencies(): Promise<Record<string, DependencyStatus>>;
  close(): Promise<void>;
}

const PING_TIMEOUT_MS = 2_000;
const REDIS_BOOT_WAIT_MS = 2_000;
const IDENTITY_POOL_SIZE = 4;

/** Opens every store; rejects (closing what was opened) when the database cannot be opened. */
export async function openState(settings: GatewaySettings, logger: Logger): Promise<GatewayState> {
  const { database, redis, cache: cacheSettings } = settings;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    closers.length = 0;
  };
  try {
    const { registry, audit, identity } = await openDatabase(settings, logger, closers);
    const embeddings = settings.discovery.search.semantic.enabled
      ? await openEmbeddingStore(settings, logger)
      : undefined;
    if (embeddings) closers.push(() => embeddings.close());
    // ioredis and the Redis adapters are loaded only when a Redis URL is configured (they cost ~8 MiB).
    const r = redis.url || cacheSettings.redisUrl ? await loadRedisAdapters() : undefined;
    const connections = new Map<string, Redis>();
    const connect = (url: string): Redis => {
      let connection = connections.get(url);
      if (!connection) {
        const { createRedisConnection, closeRedisConnection } = r as RedisAdapters;
        const opened = createRedisConnection({ url, logger });
        closers.push(() => closeRedisConnection(opened));
        connections.set(url, opened);
        connection = opened;
      }
      return connection;
    };
    const prefix = redis.keyPrefix;
    let sessions: SessionStore = createMemorySessionStore({ maxSessions: settings.limits.maxSessions });
    let results: ResultStore = createMemoryResultStore();
    let sessionsAuthoritative = () => true;
    if (redis.url && r) {
      const connection = connect(redis.url);
      sessionsAuthoritative = () => connection.status === "ready";
      sessions = r.sessionStoreWithFallback({
        primary: r.createRedisSessionStore({ redis: connection, prefix }),
        memory: sessions,
        connection,
        logger,
      });
      results = r.resultStoreWithFallback({
        primary: r.createRedisResultStore({ redis: connection, prefix }),
        memory: results,
        connection,
        logger,
      });
    }
    let cache: Cache | undefined;
    if (cacheSettings.enabled) {
      const memory = createMemoryCache({ maxEntries: cacheSettings.maxEntries, maxBytes: cacheSettings.maxBytes });
      if (cacheSettings.backend === "redis" && cacheSettings.redisUrl && r) {
        const connection = connect(cacheSettings.redisUrl);
        cache = r.cacheWithFallback({
          primary: r.createRedisCache({ redis: connection, prefix }),
          memory,
          connection,
          logger,
        });
      } else cache = memory;
    }
    // Give Redis a moment to connect, so boot reads (the catalog's manifests) go to it rather than to the empty
    // memory stand-in; an unreachable Redis only delays the start by this much and leaves the state degraded.
    await Promise.all(
      [...connections.entries()].map(([url, connection]) =>
        (r as RedisAdapters).redisReady(connection, REDIS_BOOT_WAIT_MS).catch(() => {
          logger.warn({ url: redactUrl(url) }, "redis not reachable at start; running on memory until it is");
        }),
      ),
    );
    const manifests = createRegistryManifestStore({ registry, cache, ttlMs: cacheSettings.ttlMs.manifest, logger });
    const pings = new Map<string, Promise<DependencyStatus>>();
    const ping = (name: string, run: () => Promise<DependencyStatus>) => {
      // Concurrent health requests share one ping per dependency.
      let pending = pings.get(name);
      if (!pending) {
        pending = run().finally(() => pings.delete(name));
        pings.set(name, pending);
      }
      return pending;
    };
    return {
      registry,
      audit,
      apiKeys: identity,
      secrets: identity,
      pins: identity,
      manifests,
      cache,
      sessions,
      sessionsAuthoritative: () => sessionsAuthoritative(),
      results,
      redis: redis.url && r ? connect(redis.url) : undefined,
      embeddings,
      async dependencies() {
        const report: Record<string, DependencyStatus> = {};
        const dbBackend = database.url ? "postgres" : "sqlite";
        const [db, auditDb] = await Promise.all([
          ping("database", () => pingStore(registry, dbBackend, database.url ?? database.sqlitePath)),
          database.auditUrl
            ? ping("audit_database", () => pingStore(audit, "postgres", database.auditUrl as string))
            : undefined,
        ]);
        report.database = db;
        if (auditDb) report.audit_database = auditDb;
        if (redis.url) report.redis = redisStatus(connect(redis.url), redis.url);
        else report.sessions = { status: "up", backend: "memory", detail: "sessions and results in this process" };
        if (cacheSettings.enabled && cacheSettings.backend === "redis" && cacheSettings.redisUrl) {
          if (cacheSettings.redisUrl !== redis.url)
            report.cache = redisStatus(connect(cacheSettings.redisUrl), cacheSettings.redisUrl);
        }
        return report;
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

type RedisAdapters = Awaited<ReturnType<typeof loadRedisAdapters>>;

async function loadRedisAdapters() {
  const [connection, fallback, cache, sessions, results] = await Promise.all([
    import("../adapters/redis/connection.ts"),
    import("../adapters/redis/fallback.ts"),
    import("../adapters/cache/redis-cache.ts"),
    import("../adapters/storage/redis-session-store.ts"),
    import("../adapters/storage/redis-result-store.ts"),
  ]);
  return { ...connection, ...fallback, ...cache, ...sessions, ...results };
}

async function openDatabase(
  settings: GatewaySettings,
  logger: Logger,
  closers: (() => Promise<void>)[],
): Promise<{ registry: RegistryStore; audit: AuditLog; identity: IdentityStore }> {
  const { database } = settings;
  let registry: RegistryStore;
  if (database.url) {
    const { createPostgresRegistryStore } = await import("../adapters/storage/postgres/pg-registry-store.ts");
    registry = await createPostgresRegistryStore(pgOptions(settings, database.url, logger));
  } else {
    const { createSqliteRegistryStore } = await import("../adapters/storage/sqlite/sqlite-registry-store.ts");
    registry = await createSqliteRegistryStore(database.sqlitePath);
  }
  closers.push(() => registry.close());
  const audit = await openAuditLog(settings, logger);
  closers.push(() => audit.close());
  const identity = await openIdentityStore(settings, logger);
  closers.push(() => identity.close());
  return { registry, audit, identity };
}

/** The API keys, sealed secrets and pins: one store implementing the three ports, on its own connection. */
export type IdentityStore = ApiKeyStore & SecretStore & PinStore & { close(): Promise<void> };

/**
 * The API keys, secrets and pins alone, beside the registry (`switchboard keys` reads and writes them, and a
 * review command the pins, without starting a gateway). PostgreSQL gets a small pool: lookups are by primary
 * key and verified keys are cached.
 */
export async function openIdentityStore(settings: GatewaySettings, logger: Logger): Promise<IdentityStore> {
  const { database } = settings;
  if (database.url) {
    const { createPostgresIdentityStore } = await import("../adapters/storage/postgres/pg-identity-store.ts");
    const poolSize = Math.min(IDENTITY_POOL_SIZE, database.poolSize);
    return createPostgresIdentityStore({ ...pgOptions(settings, database.url, logger), poolSize });
  }
  const { createSqliteIdentityStore } = await import("../adapters/storage/sqlite/sqlite-identity-store.ts");
  return createSqliteIdentityStore(database.sqlitePath);
}

/** Embeddings live beside the registry: the SQLite state file, or the PostgreSQL database on a small pool. */
async function openEmbeddingStore(settings: GatewaySettings, logger: Logger): Promise<EmbeddingStore> {
  const { database } = settings;
  if (database.url) {
    const { createPostgresEmbeddingStore } = await import("../adapters/storage/postgres/pg-embedding-store.ts");
    return createPostgresEmbeddingStore({ ...pgOptions(settings, database.url, logger), poolSize: 2 });
  }
  const { createSqliteEmbeddingStore } = await import("../adapters/storage/sqlite/sqlite-embedding-store.ts");
  return createSqliteEmbeddingStore(database.sqlitePath);
}

/** The audit log alone (the `audit` command reads it without starting a gateway). */
export async function openAuditLog(settings: GatewaySettings, logger: Logger): Promise<AuditLog> {
  const { database } = settings;
  const auditUrl = database.auditUrl ?? database.url;
  if (auditUrl) {
    const { createPostgresAuditLog } = await import("../adapters/storage/postgres/pg-audit-log.ts");
    return createPostgresAuditLog(pgOptions(settings, auditUrl, logger));
  }
  const { createSqliteAuditLog } = await import("../adapters/storage/sqlite/sqlite-audit-log.ts");
  return createSqliteAuditLog(database.sqlitePath);
}

function pgOptions(settings: GatewaySettings, url: string, logger: Logger) {
  return {
    url,
    poolSize: settings.database.poolSize,
    connectTimeoutMs: settings.database.connectTimeoutMs,
    logger: logger.child({ component: "postgres" }),
  };
}

async function pingStore(
  store: { ping(): Promise<void> },
  backend: string,
  location: string,
): Promise<DependencyStatus> {
  const started = performance.now();
  const where = backend === "postgres" ? redactUrl(location) : location;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      }),
    ]);
    return { status: "up", backend, location: where, latencyMs: round(performance.now() - started) };
  } catch (error) {
    return { status: "down", backend, location: where, detail: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

function redisStatus(connection: Redis, url: string): DependencyStatus {
  const ready = connection.status === "ready";
  return {
    status: ready ? "up" : "degraded",
    backend: "redis",
    location: redactUrl(url),
    ...(ready ? {} : { detail: `connection ${connection.status}: using this process's memory until it is back` }),
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Stores each server's configuration snapshot (no env or header values, no URL passwords) with its hash. */
export async function recordServers(state: GatewayState, specs: readonly ServerSpec[], logger: Logger): Promise<void> {
  for (const spec of specs) {
    const transport =
      spec.transport.kind === "stdio"
        ? { ...spec.transport, env: Object.keys(spec.transport.env) }
        : { ...spec.transport, url: redactUrl(spec.transport.url), headers: Object.keys(spec.transport.headers) };
    const config = { ...spec, transport } as unknown as Record<string, unknown>;
    try {
      await state.registry.putServer({ server: spec.name, configHash: canonicalHash(config), config });
    } catch (error) {
      logger.warn({ err: error, server: spec.name }, "could not record the server's configuration in the registry");
    }
  }
}

// The normalized, frozen configuration of a gateway: what app.ts composes a running gateway from.
import type { ServerSpec } from "./server-spec.ts";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface GatewaySettings {
  host: string;
  port: number;
  /** Absolute path of the state directory (manifest cache, child records). */
  stateDir: string;
  namespaceSeparator: string;
  maxBodyBytes: number;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  shutdownGraceMs: number;
  sessionIdleTimeoutMs: number;
  logLevel: LogLevel;
  jsonLogs: boolean;
  inheritEnv: readonly string[];
  database: DatabaseSettings;
  redis: RedisSettings;
  cache: CacheSettings;
  audit: AuditSettings;
}

export interface DatabaseSettings {
  /** PostgreSQL URL of the registry (and the audit log unless auditUrl is set); undefined: SQLite. */
  url: string | undefined;
  /** PostgreSQL URL of the audit log; undefined: the same store as the registry. */
  auditUrl: string | undefined;
  poolSize: number;
  connectTimeoutMs: number;
  /** Absolute path of the SQLite file used when no url is set. */
  sqlitePath: string;
}

export interface RedisSettings {
  /** Redis URL for sessions and paged results; undefined: this process's memory. */
  url: string | undefined;
  keyPrefix: string;
}

export type CacheKind = "manifest" | "search" | "embedding";

export interface CacheSettings {
  enabled: boolean;
  backend: "memory" | "redis";
  /** Redis URL of the cache when the backend is redis. */
  redisUrl: string | undefined;
  maxEntries: number;
  maxBytes: number;
  defaultTtlMs: number;
  /** Resolved time to live per kind (the default where none is set). */
  ttlMs: Readonly<Record<CacheKind, number>>;
}

export interface AuditSettings {
  enabled: boolean;
  /** 0 keeps records forever. */
  retentionDays: number;
  pruneIntervalMs: number;
  flushIntervalMs: number;
  maxQueued: number;
}

export interface GatewayConfig {
  /** Absolute path of the file it came from, if any. */
  source: string | undefined;
  gateway: GatewaySettings;
  /** Enabled and disabled servers, in file order. */
  servers: readonly ServerSpec[];
}

export interface ConfigProblem {
  /** Dotted JSON path of the offending value, e.g. `servers.memory.idleTimeoutMs`. */
  path: string;
  message: string;
}

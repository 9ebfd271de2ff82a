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
  discovery: DiscoverySettings;
  budgets: BudgetSettings;
}

/** How tools are listed: all of them, or the meta-tools (search, describe, call, read a result) plus pins. */
export type DiscoveryMode = "full" | "progressive" | "auto";

export interface ClientDiscovery {
  /** Case-insensitive glob (`*`) on the client's clientInfo.name. */
  name: string;
  mode: DiscoveryMode | undefined;
  pinned: readonly string[] | undefined;
}

export interface SemanticSearchSettings {
  enabled: boolean;
  /** Base URL of an OpenAI-compatible API; embeddings come from `${url}/embeddings`. */
  url: string | undefined;
  model: string | undefined;
  apiKey: string | undefined;
  dimensions: number | undefined;
  batchSize: number;
  timeoutMs: number;
}

export interface DiscoverySettings {
  mode: DiscoveryMode;
  autoThreshold: number;
  pinned: readonly string[];
  clients: readonly ClientDiscovery[];
  search: { defaultLimit: number; maxLimit: number; semantic: SemanticSearchSettings };
}

export interface BudgetSettings {
  /** Default output budget of a tool result in tokens; 0: none. */
  maxResultTokens: number;
  /** Tokens per read_result page; 0: the budget that cut the result. */
  pageTokens: number;
  resultTtlMs: number;
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

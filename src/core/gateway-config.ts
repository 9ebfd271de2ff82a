// The normalized, frozen configuration of a gateway: what src/app/ composes a running gateway from.
import type { DiscoveryMode } from "./discovery-mode.ts";
import type { AccessSettings, AuthSettings } from "./identity.ts";
import type { ServerSpec } from "./server-spec.ts";
import type { BucketLimit } from "./token-bucket.ts";

/** Log levels, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface GatewaySettings {
  host: string;
  port: number;
  /** Absolute path of the state directory (manifest cache, child records). */
  stateDir: string;
  namespaceSeparator: string;
  maxBodyBytes: number;
  /** Levels of nested objects and arrays allowed in a request's params (params itself is level 1). */
  maxParamsDepth: number;
  allowedHosts: readonly string[];
  /** Bind a non-loopback host without allowedHosts (no Host check, no authentication); refused otherwise. */
  allowInsecureBind: boolean;
  allowedOrigins: readonly string[];
  shutdownGraceMs: number;
  sessionIdleTimeoutMs: number;
  /** Longest wait for a client to answer a server-initiated request (sampling, elicitation, roots). */
  clientAnswerTimeoutMs: number;
  logLevel: LogLevel;
  /** JSON log lines; undefined: JSON unless stderr is a terminal. */
  jsonLogs: boolean | undefined;
  /** Absolute path of a file that also receives the JSON log lines; undefined: none. */
  logFile: string | undefined;
  upstreamStderr: UpstreamStderrSettings;
  upstreamStdio: UpstreamStdioSettings;
  tracing: TracingSettings;
  inheritEnv: readonly string[];
  database: DatabaseSettings;
  redis: RedisSettings;
  cache: CacheSettings;
  audit: AuditSettings;
  discovery: DiscoverySettings;
  budgets: BudgetSettings;
  rateLimit: RateLimitSettings;
  limits: FrontLimitSettings;
  metrics: MetricsSettings;
  definitionLimits: DefinitionLimits;
  /** Client authentication (gateway.auth). */
  auth: AuthSettings;
  /** Access rules per principal (gateway.access; docs/access.md). */
  access: AccessSettings;
  secrets: SecretsSettings;
}

/** The key that seals stored credentials (gateway.secrets; docs/credentials.md). */
export interface SecretsSettings {
  /** Absolute path of the key file; undefined: SWITCHBOARD_SECRET_KEY, else `<stateDir>/secret.key`. */
  keyFile: string | undefined;
}

/** Bounds on the definitions a server offers (docs/configuration.md, gateway.definitionLimits). */
export interface DefinitionLimits {
  /** Longer descriptions are cut to this many characters, marker included. */
  maxDescriptionChars: number;
  /** A definition whose JSON (description cut) is larger is refused. UTF-8 bytes. */
  maxDefinitionBytes: number;
  /** Most items per list (tools, prompts, resources, resource templates) and server. */
  maxItems: number;
  /** Most JSON bytes of one server's definitions, all lists together. */
  maxManifestBytes: number;
}

/** Limits on upstream stderr in the logs: a token bucket per server and a line length cap. */
export interface UpstreamStderrSettings {
  linesPerSecond: number;
  burstLines: number;
  maxLineChars: number;
}

/** Bounds on the pipes of stdio servers. */
export interface UpstreamStdioSettings {
  /** Bytes queued for a server's stdin past which it is overloaded (calls fail, it is restarted). */
  maxPendingInputBytes: number;
  /** Longest line a server may write on stdout; a longer JSON-RPC message fails the connection. */
  maxMessageBytes: number;
}

/** OpenTelemetry export; no endpoint: tracing off (no SDK loaded). */
export interface TracingSettings {
  /** OTLP/HTTP traces URL (with `/v1/traces`). */
  endpoint: string | undefined;
  serviceName: string;
  sampleRatio: number;
  headers: Readonly<Record<string, string>>;
  exportTimeoutMs: number;
  propagate: boolean;
}

export type { DiscoveryMode };

export interface ClientDiscovery {
  /** Case-insensitive glob (`*`) on the client's clientInfo.name. */
  name: string;
  mode: DiscoveryMode | undefined;
  pinned: readonly string[] | undefined;
}

export interface SemanticSearchSettings {
  enabled: boolean;
  /** Where vectors come from: an OpenAI-compatible embeddings API, or bundled static word vectors. */
  provider: "openai" | "word-vectors";
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
  /** How long a listing waits for servers whose tools are not known yet (first start), in ms. */
  listWaitMs: number;
}

export interface BudgetSettings {
  /** Default output budget of a tool result in tokens; 0: none. */
  maxResultTokens: number;
  /** Tokens per read_result page; 0: the budget that cut the result. */
  pageTokens: number;
  resultTtlMs: number;
}

/** Token-bucket rate limits (docs/rate-limits.md). */
export interface RateLimitSettings {
  /** True when enabled and at least one limit is set. */
  enabled: boolean;
  /** Per client key; undefined: none. */
  client: BucketLimit | undefined;
  /** Shared by all clients; undefined: none. */
  global: BucketLimit | undefined;
  /** Where buckets live: this process, or Redis (gateway.redis.url) shared by every replica. */
  backend: "memory" | "redis";
  clientKey: {
    /** Lower-case header name whose value (hashed) keys a client; undefined: by address only. */
    header: string | undefined;
    /** Trusted proxies in front: the client address is the n-th X-Forwarded-For entry from the right. */
    trustProxyHops: number;
  };
  maxClients: number;
}

/** Bounds on what clients may hold in one replica (gateway.limits; docs/configuration.md). */
export interface FrontLimitSettings {
  /** Sessions held in this replica's memory (2025-era sessions and 2026-era listen streams). */
  maxSessions: number;
  /** Per-client-key token bucket for opening sessions; perMinute 0: none. */
  sessionCreation: { perMinute: number; burst: number };
  /** Bytes of recorded SSE events across all streams of this replica. */
  maxReplayBytes: number;
  maxConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
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

export interface MetricsSettings {
  /** Serve GET /metrics. */
  enabled: boolean;
  /** Node process metrics (collectDefaultMetrics) on the gateway's own registry. */
  processMetrics: boolean;
  /** Prefix of the gateway's metric names, e.g. `switchboard_`. */
  prefix: string;
  /** Distinct tool label values per server before `_other`. */
  maxToolsPerServer: number;
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

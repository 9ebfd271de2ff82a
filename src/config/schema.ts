// The configuration file's schema (zod): the single source for validation, defaults and the published
// JSON Schema under schema/. Every duration names its unit; defaults are stated in each description.
import { z } from "zod";
import { LOG_LEVELS } from "../core/gateway-config.ts";
import { UPSTREAM_PROTOCOLS } from "../core/server-spec.ts";
import { LIFECYCLES } from "../core/server-state.ts";
import { DefinitionLimitsSchema } from "./definition-limits-schema.ts";
import { BudgetSchema, DiscoverySchema, ToolSettingsSchema } from "./discovery-schema.ts";
import { FrontLimitsSchema } from "./front-limits-schema.ts";
import { MetricsSchema } from "./metrics-schema.ts";
import { TracingSchema, UpstreamStderrSchema } from "./observability-schema.ts";
import { policySettings } from "./policy-schema.ts";
import { RateLimitSchema } from "./rate-limit-schema.ts";
import { UpstreamStdioSchema } from "./upstream-stdio-schema.ts";

export const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ms = (description: string, defaultValue: number) =>
  z.number().int().min(0).default(defaultValue).describe(`${description} Milliseconds; default ${defaultValue}.`);

export const RestartSchema = z
  .object({
    initialDelayMs: ms("Delay before the first restart after a failure.", 250),
    maxDelayMs: ms("Upper bound of the restart delay.", 30_000),
    multiplier: z.number().min(1).default(2).describe("Growth factor of the delay per consecutive failure; default 2."),
    maxRestarts: z
      .number()
      .int()
      .min(0)
      .default(5)
      .describe("Consecutive failures before the server is held in `failed`; default 5."),
    resetAfterMs: ms("Uptime after which the failure count resets.", 60_000),
  })
  .strict()
  .describe("Restart backoff: jittered exponential delay between consecutive failures, with a limit.");

/** Settings every server has, whatever its transport; also the shape of `gateway.serverDefaults`. */
const serverSettings = {
  enabled: z.boolean().optional().describe("Serve this server; default true."),
  disabled: z.boolean().optional().describe("Claude-Desktop/Cline spelling of `enabled: false`."),
  lifecycle: z
    .enum(LIFECYCLES)
    .optional()
    .describe(
      "on-demand (default): start at first call, sleep when idle. eager: also start at boot. always: never sleep.",
    ),
  idleTimeoutMs: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("Stop after this long without client calls; 0 never. Milliseconds; default 300000."),
  startTimeoutMs: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Limit for spawn + initialize. Milliseconds; default 60000."),
  healthCheckIntervalMs: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("MCP ping interval while running; 0 disables. Milliseconds; default 30000."),
  timeoutMs: z.number().int().min(1).optional().describe("Per-call timeout. Milliseconds; default 30000."),
  maxRetries: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("Retries of a call that failed before reaching the server; default 3."),
  stopGraceMs: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("Wait after closing stdin and again after SIGTERM. Milliseconds; default 2000."),
  restart: z
    .object({
      initialDelayMs: z.number().int().min(0).optional().describe("Milliseconds; default 250."),
      maxDelayMs: z.number().int().min(0).optional().describe("Milliseconds; default 30000."),
      multiplier: z.number().min(1).optional().describe("Default 2."),
      maxRestarts: z.number().int().min(0).optional().describe("Default 5."),
      resetAfterMs: z.number().int().min(0).optional().describe("Milliseconds; default 60000."),
    })
    .strict()
    .optional()
    .describe("Restart backoff; unset fields come from serverDefaults.restart, then the built-in defaults."),
  protocol: z
    .enum(UPSTREAM_PROTOCOLS)
    .optional()
    .describe(
      "Protocol era spoken to the server: legacy (2025, default), modern (2026-07-28: per-request envelope, exact attribution), auto (probe, fall back).",
    ),
  relay: z
    .object({
      sampling: z
        .boolean()
        .optional()
        .describe("Relay sampling/createMessage to the client whose call caused it; default true."),
      elicitation: z.boolean().optional().describe("Relay elicitation/create (form and URL modes); default true."),
      roots: z
        .boolean()
        .optional()
        .describe(
          "Declare roots and relay roots/list; default false: roots describe one client's workspace while the server process is shared.",
        ),
    })
    .strict()
    .optional()
    .describe("Which client features the gateway declares to this server and relays to the calling client."),
  description: z.string().optional().describe("Shown to operators and used by tool search."),
  tags: z.array(z.string()).optional().describe("Free-form labels."),
  maxResultTokens: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("Output budget of this server's tool results in tokens; 0 disables; default gateway.budgets."),
  discovery: z
    .enum(["full", "progressive", "minimal", "auto"])
    .optional()
    .describe("Listing mode of this server's own endpoint /mcp/{server}; default full (a transparent proxy)."),
  tools: z
    .record(z.string(), ToolSettingsSchema)
    .optional()
    .describe("Per-tool settings by the server's own tool name: output budget, JSON projection, idempotency."),
  ...policySettings,
};

export const ServerSchema = z
  .object({
    ...serverSettings,
    type: z
      .enum(["stdio", "http", "streamable-http", "sse"])
      .optional()
      .describe("Transport; inferred from `command` or `url`."),
    command: z.string().min(1).optional().describe("Executable of a stdio server."),
    package: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Run the `bin` of an installed npm package with the gateway's own Node (no npx). Alternative to `command`.",
      ),
    args: z.array(z.string()).optional().describe("Arguments of a stdio server."),
    env: z.record(z.string(), z.string()).optional().describe("Extra environment of a stdio server; `${VAR}` allowed."),
    cwd: z.string().optional().describe("Working directory of a stdio server, relative to the config file."),
    url: z.string().optional().describe("Endpoint of a remote server (streamable HTTP, or HTTP+SSE)."),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe("HTTP headers for a remote server; `${VAR}` allowed."),
  })
  .strict();

const positiveMs = (description: string, defaultValue: number) =>
  z.number().int().min(1).default(defaultValue).describe(`${description} Milliseconds; default ${defaultValue}.`);

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

export const GatewaySchema = z
  .object({
    host: z.string().default("127.0.0.1").describe("Bind address; default 127.0.0.1 (env MCP_BIND_HOST)."),
    port: z.number().int().min(0).max(65535).default(8080).describe("HTTP port; default 8080; 0 picks a free one."),
    stateDir: z
      .string()
      .default(".switchboard")
      .describe("State directory, relative to the config file; default .switchboard."),
    namespaceSeparator: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,4}$/)
      .default("__")
      .describe("Joins server and tool names on the aggregated endpoint; default __."),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .default(4 * 1024 * 1024)
      .describe("Request body cap. Bytes; default 4194304."),
    maxParamsDepth: z
      .number()
      .int()
      .min(2)
      .max(100_000)
      .default(64)
      .describe(
        "Levels of nested objects and arrays a request's params may have (params itself is level 1); deeper requests are refused with invalid_params before any work (above ~3,000 the failure only moves to serialization, refused as the caller's fault too). Levels; default 64.",
      ),
    allowedHosts: z
      .array(z.string())
      .default([])
      .describe(
        "Extra Host header values accepted besides the bind address and localhost; required (non-empty) to bind a non-loopback host unless allowInsecureBind is set.",
      ),
    allowInsecureBind: z
      .boolean()
      .default(false)
      .describe(
        "Bind a non-loopback host with an empty allowedHosts: no Host check and no authentication, so anyone who reaches the port (or a DNS-rebinding web page) may call tools and use the admin API; default false (--insecure-bind).",
      ),
    allowedOrigins: z
      .array(z.string())
      .default([])
      .describe("Extra Origin values accepted besides http(s)://localhost and loopback."),
    shutdownGraceMs: ms("How long shutdown waits for calls in flight.", 10_000),
    sessionIdleTimeoutMs: ms(
      "Sessions without a request for this long are ended (clients that never send DELETE).",
      1_800_000,
    ),
    clientAnswerTimeoutMs: positiveMs(
      "Longest wait for a client to answer a request a server sent it (sampling, elicitation, roots): a person may be answering.",
      600_000,
    ),
    logLevel: z.enum(LOG_LEVELS).default("info").describe("Log level; default info (env LOG_LEVEL)."),
    jsonLogs: z
      .boolean()
      .optional()
      .describe(
        "JSON log lines on stderr, else a compact human format; default: JSON unless stderr is a terminal (env USE_JSON_LOGS).",
      ),
    logFile: z
      .string()
      .min(1)
      .optional()
      .describe("Also append JSON log lines to this file (relative to the config file); default none (env LOG_FILE)."),
    upstreamStderr: UpstreamStderrSchema.prefault({}),
    upstreamStdio: UpstreamStdioSchema.prefault({}),
    tracing: TracingSchema.prefault({}),
    inheritEnv: z
      .array(z.string())
      .default([])
      .describe("Environment variables passed to stdio servers besides the built-in allow-list (PATH, HOME, LANG, …)."),
    serverDefaults: z.object(serverSettings).strict().partial().default({}).describe("Defaults for every server."),
    database: DatabaseSchema.prefault({}),
    redis: RedisSchema.prefault({}),
    cache: CacheSchema.prefault({}),
    audit: AuditSchema.prefault({}),
    discovery: DiscoverySchema.prefault({}),
    budgets: BudgetSchema.prefault({}),
    rateLimit: RateLimitSchema.prefault({}),
    limits: FrontLimitsSchema.prefault({}),
    metrics: MetricsSchema.prefault({}),
    definitionLimits: DefinitionLimitsSchema.prefault({}),
  })
  .strict();

export const ConfigFileSchema = z
  .object({
    $schema: z.string().optional(),
    gateway: z.unknown().optional().describe("Gateway settings (see GatewaySchema)."),
    servers: z.record(z.string(), z.unknown()).optional().describe("Servers by name (see ServerSchema)."),
    mcpServers: z.record(z.string(), z.unknown()).optional().describe("Claude-Desktop form; merged with `servers`."),
  })
  .strict();

export type ConfigFile = z.infer<typeof ConfigFileSchema>;
export type ServerEntry = z.infer<typeof ServerSchema>;
export type GatewaySection = z.infer<typeof GatewaySchema>;

/** The whole file as one schema, for the published JSON Schema (validation itself goes section by section). */
export const PublishedConfigSchema = ConfigFileSchema.extend({
  gateway: GatewaySchema.partial().optional().describe("Gateway settings."),
  servers: z.record(z.string().regex(SERVER_NAME), ServerSchema).optional().describe("Servers by name."),
  mcpServers: z
    .record(z.string().regex(SERVER_NAME), ServerSchema)
    .optional()
    .describe("Claude-Desktop form; merged with `servers`."),
}).describe("Switchboard configuration (switchboard.json)");

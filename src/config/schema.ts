// The configuration file's schema (zod): the single source for validation, defaults and the published
// JSON Schema under schema/. Every duration names its unit; defaults are stated in each description. The
// sections live beside it: servers (server-schema.ts), state (state-schema.ts), and one file per other concern.
import { z } from "zod";
import { LOG_LEVELS } from "../core/gateway-config.ts";
import { AccessSchema } from "./access-schema.ts";
import { AuthSchema } from "./auth-schema.ts";
import { SecretsSchema } from "./credentials-schema.ts";
import { DefinitionLimitsSchema } from "./definition-limits-schema.ts";
import { BudgetSchema, DiscoverySchema } from "./discovery-schema.ts";
import { FrontLimitsSchema } from "./front-limits-schema.ts";
import { MetricsSchema } from "./metrics-schema.ts";
import { TracingSchema, UpstreamStderrSchema } from "./observability-schema.ts";
import { RateLimitSchema } from "./rate-limit-schema.ts";
import { ms, positiveMs } from "./schema-units.ts";
import { SERVER_NAME, ServerSchema, serverSettings } from "./server-schema.ts";
import { AuditSchema, CacheSchema, DatabaseSchema, RedisSchema } from "./state-schema.ts";
import { UpstreamStdioSchema } from "./upstream-stdio-schema.ts";

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
    auth: AuthSchema.prefault({}),
    access: AccessSchema.prefault({}),
    secrets: SecretsSchema.prefault({}),
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

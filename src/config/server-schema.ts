// The settings of one server in the configuration file, also the shape of `gateway.serverDefaults`. A setting a
// server leaves unset comes from serverDefaults, then from SERVER_DEFAULTS / RESTART_DEFAULTS: the one place the
// built-in values are written (normalisation applies them, the descriptions quote them).
import { z } from "zod";
import { UPSTREAM_PROTOCOLS } from "../core/server-spec.ts";
import { LIFECYCLES } from "../core/server-state.ts";
import { credentialServerSettings } from "./credentials-schema.ts";
import { ToolSettingsSchema } from "./discovery-schema.ts";
import { integritySettings } from "./integrity-schema.ts";
import { policySettings } from "./policy-schema.ts";
import { SandboxSchema } from "./sandbox-schema.ts";
import { ms } from "./schema-units.ts";
import { UpstreamOAuthSchema } from "./upstream-oauth-schema.ts";

export const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** What a server gets for a setting that neither it nor gateway.serverDefaults sets. */
export const SERVER_DEFAULTS = {
  lifecycle: "on-demand",
  idleTimeoutMs: 300_000,
  startTimeoutMs: 60_000,
  healthCheckIntervalMs: 30_000,
  timeoutMs: 30_000,
  maxRetries: 3,
  stopGraceMs: 2_000,
  protocol: "legacy",
  relay: { sampling: true, elicitation: true, roots: false },
  /** Of the server's own endpoint; gateway.serverDefaults does not set it. */
  discovery: "full",
} as const;

/** The built-in restart backoff, field by field (see RestartSchema). */
export const RESTART_DEFAULTS = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  multiplier: 2,
  maxRestarts: 5,
  resetAfterMs: 60_000,
} as const;

export const RestartSchema = z
  .object({
    initialDelayMs: ms("Delay before the first restart after a failure.", RESTART_DEFAULTS.initialDelayMs),
    maxDelayMs: ms("Upper bound of the restart delay.", RESTART_DEFAULTS.maxDelayMs),
    multiplier: z
      .number()
      .min(1)
      .default(RESTART_DEFAULTS.multiplier)
      .describe(`Growth factor of the delay per consecutive failure; default ${RESTART_DEFAULTS.multiplier}.`),
    maxRestarts: z
      .number()
      .int()
      .min(0)
      .default(RESTART_DEFAULTS.maxRestarts)
      .describe(
        `Consecutive failures before the server is held in \`failed\`; default ${RESTART_DEFAULTS.maxRestarts}.`,
      ),
    resetAfterMs: ms("Uptime after which the failure count resets.", RESTART_DEFAULTS.resetAfterMs),
  })
  .strict()
  .describe("Restart backoff: jittered exponential delay between consecutive failures, with a limit.");

/** Settings every server has, whatever its transport; also the shape of `gateway.serverDefaults`. */
export const serverSettings = {
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
    .describe(
      `Stop after this long without client calls; 0 never. Milliseconds; default ${SERVER_DEFAULTS.idleTimeoutMs}.`,
    ),
  startTimeoutMs: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(`Limit for spawn + initialize. Milliseconds; default ${SERVER_DEFAULTS.startTimeoutMs}.`),
  healthCheckIntervalMs: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      `MCP ping interval while running; 0 disables. Milliseconds; default ${SERVER_DEFAULTS.healthCheckIntervalMs}.`,
    ),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(`Per-call timeout. Milliseconds; default ${SERVER_DEFAULTS.timeoutMs}.`),
  maxRetries: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(`Retries of a call that failed before reaching the server; default ${SERVER_DEFAULTS.maxRetries}.`),
  stopGraceMs: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      `Wait after closing stdin and again after SIGTERM. Milliseconds; default ${SERVER_DEFAULTS.stopGraceMs}.`,
    ),
  restart: z
    .object({
      initialDelayMs: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe(`Milliseconds; default ${RESTART_DEFAULTS.initialDelayMs}.`),
      maxDelayMs: z.number().int().min(0).optional().describe(`Milliseconds; default ${RESTART_DEFAULTS.maxDelayMs}.`),
      multiplier: z.number().min(1).optional().describe(`Default ${RESTART_DEFAULTS.multiplier}.`),
      maxRestarts: z.number().int().min(0).optional().describe(`Default ${RESTART_DEFAULTS.maxRestarts}.`),
      resetAfterMs: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe(`Milliseconds; default ${RESTART_DEFAULTS.resetAfterMs}.`),
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
  sandbox: SandboxSchema.optional(),
  ...policySettings,
  ...integritySettings,
};

export const ServerSchema = z
  .object({
    ...serverSettings,
    ...credentialServerSettings,
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
    oauth: UpstreamOAuthSchema.optional(),
  })
  .strict();

export type ServerEntry = z.infer<typeof ServerSchema>;

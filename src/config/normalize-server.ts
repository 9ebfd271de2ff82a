// Normalisation of one server's entry: the entry over gateway.serverDefaults over the built-in defaults, its
// transport resolved (`${VAR}` references, paths relative to the config file, `package` to a bin), and every
// problem reported with its path instead of thrown.
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ConfigProblem } from "../core/gateway-config.ts";
import type { ServerSpec, TransportSpec } from "../core/server-spec.ts";
import { DEFAULT_MAX_INSTANCES } from "./credentials-schema.ts";
import { normalizeCredentials } from "./credentials-settings.ts";
import { canonicalMode } from "./discovery-settings.ts";
import { normalizeIntegrity } from "./integrity-settings.ts";
import { interpolate } from "./interpolate.ts";
import { normalizePolicies } from "./policy-settings.ts";
import { resolvePackageBin } from "./resolve-package.ts";
import { normalizeSandbox } from "./sandbox-settings.ts";
import type { GatewaySection } from "./schema.ts";
import { RestartSchema, SERVER_DEFAULTS, type ServerEntry } from "./server-schema.ts";
import { normalizeUpstreamOAuth } from "./upstream-oauth-settings.ts";

/** The directory this gateway is installed in: `package` entries also resolve from here. */
const INSTALL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ServerContext {
  path: string;
  configDir: string;
  vars: Readonly<Record<string, string | undefined>>;
  problems: ConfigProblem[];
}

export function normalizeServer(
  name: string,
  entry: ServerEntry,
  defaults: GatewaySection["serverDefaults"],
  ctx: ServerContext,
): ServerSpec | undefined {
  const merged = { ...SERVER_DEFAULTS, ...stripUndefined(defaults), ...stripUndefined(entry) };
  const transport = normalizeTransport(entry, ctx);
  if (!transport) return undefined;
  const enabled = merged.enabled ?? !(merged.disabled ?? false);
  const credentials = normalizeCredentials(entry, transport, ctx.path, ctx.problems);
  return {
    name,
    enabled,
    // Instances of a per-principal server start at their principal's first call (a serverDefaults lifecycle
    // cannot make them eager: there is no principal to start one for).
    lifecycle: credentials ? "on-demand" : merged.lifecycle,
    idleTimeoutMs: merged.idleTimeoutMs,
    startTimeoutMs: merged.startTimeoutMs,
    healthCheckIntervalMs: merged.healthCheckIntervalMs,
    timeoutMs: merged.timeoutMs,
    maxRetries: merged.maxRetries,
    stopGraceMs: merged.stopGraceMs,
    policies: normalizePolicies(defaults, entry, merged.timeoutMs),
    restart: RestartSchema.parse({ ...defaults.restart, ...entry.restart }),
    protocol: merged.protocol,
    relay: {
      ...SERVER_DEFAULTS.relay,
      ...stripUndefined(defaults.relay ?? {}),
      ...stripUndefined(entry.relay ?? {}),
    },
    description: merged.description,
    tags: merged.tags ?? [],
    maxResultTokens: merged.maxResultTokens,
    discovery: canonicalMode(entry.discovery ?? SERVER_DEFAULTS.discovery),
    tools: Object.fromEntries(
      Object.entries(entry.tools ?? {}).map(([tool, settings]) => [tool, stripUndefined(settings)]),
    ),
    transport,
    oauth: normalizeUpstreamOAuth(entry.oauth, transport.kind === "http", { ...ctx, path: `${ctx.path}.oauth` }),
    sandbox:
      transport.kind === "stdio"
        ? normalizeSandbox(defaults.sandbox, entry.sandbox, { ...ctx, path: `${ctx.path}.sandbox` })
        : undefined,
    integrity: normalizeIntegrity(defaults, entry),
    ...(credentials ? { credentials, maxInstances: entry.maxInstances ?? DEFAULT_MAX_INSTANCES } : {}),
  };
}

function normalizeTransport(entry: ServerEntry, ctx: ServerContext): TransportSpec | undefined {
  const { path, problems } = ctx;
  const isRemote = entry.url !== undefined;
  const isLocal = entry.command !== undefined || entry.package !== undefined;
  if (isRemote === isLocal) {
    problems.push({
      path,
      message: isRemote
        ? "give either `command`/`package` (stdio) or `url` (remote), not both"
        : "a server needs `command` or `package` (stdio) or `url` (remote)",
    });
    return undefined;
  }
  if (entry.type && (entry.type === "stdio") !== isLocal) {
    problems.push({
      path: `${path}.type`,
      message: `type "${entry.type}" does not match the given ${isLocal ? "command" : "url"}`,
    });
  }
  if (isRemote) return normalizeRemote(entry, ctx);
  if (entry.command !== undefined && entry.package !== undefined) {
    problems.push({ path: `${path}.package`, message: "give `command` or `package`, not both" });
    return undefined;
  }
  const args = (entry.args ?? []).map((arg, i) => resolveRef(arg, `${path}.args[${i}]`, ctx));
  const cwd = resolve(ctx.configDir, resolveRef(entry.cwd ?? ".", `${path}.cwd`, ctx));
  const env = mapValues(entry.env ?? {}, (value, key) => resolveRef(value, `${path}.env.${key}`, ctx));
  if (entry.package !== undefined) {
    try {
      const { bin, name, version } = resolvePackageBin(entry.package, [ctx.configDir, INSTALL_DIR]);
      return { kind: "stdio", command: process.execPath, args: [bin, ...args], env, cwd, package: { name, version } };
    } catch (error) {
      problems.push({ path: `${path}.package`, message: (error as Error).message });
      return undefined;
    }
  }
  const command = resolveRef(entry.command as string, `${path}.command`, ctx);
  const looksRelative = !isAbsolute(command) && command.includes("/");
  return { kind: "stdio", command: looksRelative ? resolve(ctx.configDir, command) : command, args, env, cwd };
}

function normalizeRemote(entry: ServerEntry, ctx: ServerContext): TransportSpec | undefined {
  const { path, problems } = ctx;
  for (const key of ["args", "env", "cwd", "sandbox"] as const) {
    if (entry[key] !== undefined)
      problems.push({ path: `${path}.${key}`, message: `\`${key}\` applies to stdio servers only` });
  }
  const url = resolveRef(entry.url as string, `${path}.url`, ctx);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    problems.push({ path: `${path}.url`, message: `"${entry.url}" is not an http(s) URL` });
    return undefined;
  }
  const headers = mapValues(entry.headers ?? {}, (value, key) => resolveRef(value, `${path}.headers.${key}`, ctx));
  const mode = entry.type === "sse" ? "sse" : entry.type === "streamable-http" ? "streamable-http" : "auto";
  return { kind: "http", url, headers, mode };
}

function resolveRef(text: string, path: string, ctx: ServerContext): string {
  const { value, missing } = interpolate(text, ctx.vars);
  for (const name of missing) ctx.problems.push({ path, message: `environment variable ${name} is not set` });
  return value;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function mapValues(record: Record<string, string>, fn: (value: string, key: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value, key)]));
}

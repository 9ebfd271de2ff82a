// Reads, validates and normalizes a configuration once: every problem is collected with its JSON path,
// then the result is frozen. `check-config` and `serve` both go through here.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { SwitchboardError } from "../core/errors.ts";
import type { ConfigProblem, GatewayConfig, GatewaySettings } from "../core/gateway-config.ts";
import { separatorProblem } from "../core/naming.ts";
import type { ServerSpec, TransportSpec } from "../core/server-spec.ts";
import { canonicalMode, normalizeDiscovery } from "./discovery-settings.ts";
import { readEnvOverrides } from "./env-overrides.ts";
import { applyOverrides, cliOverrides } from "./gateway-overrides.ts";
import { interpolate } from "./interpolate.ts";
import { normalizeObservability } from "./observability-settings.ts";
import { POLICY_NESTED_SECTIONS } from "./policy-schema.ts";
import { normalizePolicies } from "./policy-settings.ts";
import { normalizeRateLimit } from "./rate-limit-settings.ts";
import { resolvePackageBin } from "./resolve-package.ts";
import {
  ConfigFileSchema,
  GatewaySchema,
  type GatewaySection,
  RestartSchema,
  SERVER_NAME,
  type ServerEntry,
  ServerSchema,
} from "./schema.ts";
import { normalizeStateSettings } from "./state-settings.ts";

/** The directory this gateway is installed in: `package` entries also resolve from here. */
const INSTALL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const SERVER_DEFAULTS = {
  lifecycle: "on-demand",
  idleTimeoutMs: 300_000,
  startTimeoutMs: 60_000,
  healthCheckIntervalMs: 30_000,
  timeoutMs: 30_000,
  maxRetries: 3,
  stopGraceMs: 2_000,
} as const;

export interface LoadOptions {
  /** Environment for overrides and `${VAR}` references; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Command-line overrides (highest precedence). */
  overrides?: Partial<Pick<GatewaySettings, "host" | "port" | "stateDir" | "logLevel" | "allowInsecureBind">>;
}

/** Loads a file; throws `config_invalid` with `data.problems` listing every problem. */
export function loadConfigFile(path: string, options: LoadOptions = {}): GatewayConfig {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : String(code ?? error);
    throw invalid(absolute, [{ path: "", message: `cannot read ${absolute}: ${reason}` }]);
  }
  return parseConfig(text, absolute, options);
}

export function parseConfig(text: string, source: string | undefined, options: LoadOptions = {}): GatewayConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw invalid(source, [{ path: "", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  return normalizeConfig(raw, source, options);
}

export function normalizeConfig(raw: unknown, source: string | undefined, options: LoadOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const fromEnv = readEnvOverrides(env);
  const problems: ConfigProblem[] = [...fromEnv.problems];
  if (!isObject(raw))
    throw invalid(source, [...problems, { path: "", message: "the configuration must be a JSON object" }]);
  // The file is validated as written, section by section, so one bad part does not hide the problems of the
  // others; overrides are validated under their own names and applied afterwards.
  const top = ConfigFileSchema.safeParse(raw);
  if (!top.success) problems.push(...zodProblems(top.error, [], Object.keys(ConfigFileSchema.shape)));
  const gatewaySection = GatewaySchema.safeParse(raw.gateway ?? {});
  if (!gatewaySection.success) {
    problems.push(...zodProblems(gatewaySection.error, ["gateway"], Object.keys(GatewaySchema.shape)));
  }
  const sectionData = applyOverrides(
    gatewaySection.success ? gatewaySection.data : GatewaySchema.parse({}),
    [...fromEnv.overrides, ...cliOverrides(options.overrides)],
    problems,
  );
  const configDir = source ? dirname(source) : process.cwd();
  const stateDir = resolve(configDir, sectionData.stateDir);
  const vars = { ...env, SWITCHBOARD_CONFIG_DIR: configDir, SWITCHBOARD_STATE_DIR: stateDir };
  const gateway = normalizeGateway(sectionData, stateDir, vars, problems);
  const servers: ServerSpec[] = [];
  const seen = new Set<string>();
  for (const section of ["servers", "mcpServers"] as const) {
    const entries = raw[section];
    if (!isObject(entries)) continue; // a non-object section is already reported by the top-level check
    for (const [name, rawEntry] of Object.entries(entries)) {
      const path = `${section}.${name}`;
      if (!SERVER_NAME.test(name)) {
        problems.push({
          path,
          message: "server names use letters, digits, _ . - (at most 64, starting with a letter or digit)",
        });
        continue;
      }
      const ambiguous = separatorProblem(name, sectionData.namespaceSeparator);
      if (ambiguous) {
        problems.push({ path, message: ambiguous });
        continue;
      }
      if (seen.has(name)) {
        problems.push({ path, message: `server "${name}" is defined in both "servers" and "mcpServers"` });
        continue;
      }
      seen.add(name);
      const entry = ServerSchema.safeParse(rawEntry);
      if (!entry.success) {
        problems.push(...zodProblems(entry.error, [section, name], Object.keys(ServerSchema.shape)));
        continue;
      }
      const spec = normalizeServer(name, entry.data, sectionData.serverDefaults, { path, configDir, vars, problems });
      if (spec) servers.push(spec);
    }
  }
  if (problems.length > 0) throw invalid(source, problems);
  return deepFreeze({ source, gateway, servers });
}

function normalizeGateway(
  section: GatewaySection,
  stateDir: string,
  vars: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
): GatewaySettings {
  const { serverDefaults: _s, database: _d, redis: _r, cache: _c, audit: _a, discovery, budgets, ...rest } = section;
  const state = normalizeStateSettings(section, stateDir, vars, problems);
  return {
    ...rest,
    ...normalizeObservability(section, vars, problems),
    stateDir,
    ...state,
    discovery: normalizeDiscovery(discovery, vars, problems),
    budgets: { ...budgets },
    rateLimit: normalizeRateLimit(section.rateLimit, state.redis.url, problems),
  };
}

interface ServerContext {
  path: string;
  configDir: string;
  vars: Readonly<Record<string, string | undefined>>;
  problems: ConfigProblem[];
}

function normalizeServer(
  name: string,
  entry: ServerEntry,
  defaults: GatewaySection["serverDefaults"],
  ctx: ServerContext,
): ServerSpec | undefined {
  const merged = { ...stripUndefined(defaults), ...stripUndefined(entry) };
  const transport = normalizeTransport(entry, ctx);
  if (!transport) return undefined;
  const enabled = merged.enabled ?? !(merged.disabled ?? false);
  return {
    name,
    enabled,
    lifecycle: merged.lifecycle ?? SERVER_DEFAULTS.lifecycle,
    idleTimeoutMs: merged.idleTimeoutMs ?? SERVER_DEFAULTS.idleTimeoutMs,
    startTimeoutMs: merged.startTimeoutMs ?? SERVER_DEFAULTS.startTimeoutMs,
    healthCheckIntervalMs: merged.healthCheckIntervalMs ?? SERVER_DEFAULTS.healthCheckIntervalMs,
    timeoutMs: merged.timeoutMs ?? SERVER_DEFAULTS.timeoutMs,
    maxRetries: merged.maxRetries ?? SERVER_DEFAULTS.maxRetries,
    stopGraceMs: merged.stopGraceMs ?? SERVER_DEFAULTS.stopGraceMs,
    policies: normalizePolicies(defaults, entry, merged.timeoutMs ?? SERVER_DEFAULTS.timeoutMs),
    restart: RestartSchema.parse({ ...defaults.restart, ...entry.restart }),
    protocol: merged.protocol ?? "legacy",
    relay: {
      sampling: true,
      elicitation: true,
      roots: false,
      ...stripUndefined(defaults.relay ?? {}),
      ...stripUndefined(entry.relay ?? {}),
    },
    description: merged.description,
    tags: merged.tags ?? [],
    maxResultTokens: merged.maxResultTokens,
    discovery: canonicalMode(entry.discovery ?? "full"),
    tools: Object.fromEntries(
      Object.entries(entry.tools ?? {}).map(([tool, settings]) => [tool, stripUndefined(settings)]),
    ),
    transport,
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
      const bin = resolvePackageBin(entry.package, [ctx.configDir, INSTALL_DIR]);
      return { kind: "stdio", command: process.execPath, args: [bin, ...args], env, cwd };
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
  for (const key of ["args", "env", "cwd"] as const) {
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

function zodProblems(
  error: z.ZodError,
  prefix: readonly PropertyKey[] = [],
  rootKeys: readonly string[] = [],
): ConfigProblem[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: formatPath([...path, key]),
        message: unknownKeyMessage(key, issue, rootKeys),
      }));
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

/** "unknown setting" plus the closest known key when the typo is small. */
function unknownKeyMessage(key: string, issue: z.core.$ZodIssueUnrecognizedKeys, rootKeys: readonly string[]): string {
  const known = knownKeysFor(issue, rootKeys);
  const suggestion = known
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .filter(({ candidate, distance }) => distance <= 3 || candidate.toLowerCase().startsWith(key.toLowerCase()))
    .sort((a, b) => a.distance - b.distance)[0];
  return suggestion ? `unknown setting "${key}" (did you mean "${suggestion.candidate}"?)` : `unknown setting "${key}"`;
}

function knownKeysFor(issue: z.core.$ZodIssueUnrecognizedKeys, rootKeys: readonly string[]): readonly string[] {
  const where = issue.path[issue.path.length - 1];
  if (where === "restart") return Object.keys(RestartSchema.shape);
  const policy = typeof where === "string" ? POLICY_NESTED_SECTIONS[where] : undefined;
  if (policy) return Object.keys(policy.shape);
  if (where === "serverDefaults") return Object.keys(ServerSchema.shape);
  return issue.path.length === 0 ? rootKeys : [];
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

function invalid(source: string | undefined, problems: ConfigProblem[]): SwitchboardError {
  const where = source ? ` in ${source}` : "";
  return new SwitchboardError("config_invalid", `${problems.length} configuration problem(s)${where}`, {
    data: { source: source ?? null, problems },
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function mapValues(record: Record<string, string>, fn: (value: string, key: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value, key)]));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

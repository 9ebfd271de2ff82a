// Reads, validates and normalizes a configuration once: every problem is collected with its JSON path,
// then the result is frozen. `check-config` and `serve` both go through here. Servers are normalised in
// normalize-server.ts, problems worded in config-problems.ts.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ConfigProblem, GatewayConfig, GatewaySettings } from "../core/gateway-config.ts";
import { separatorProblem } from "../core/naming.ts";
import type { ServerSpec } from "../core/server-spec.ts";
import { normalizeAccess } from "./access-settings.ts";
import { normalizeAuth } from "./auth-settings.ts";
import { invalid, zodProblems } from "./config-problems.ts";
import { inheritedCredentialProblems, normalizeSecrets } from "./credentials-settings.ts";
import { normalizeDiscovery } from "./discovery-settings.ts";
import { readEnvOverrides } from "./env-overrides.ts";
import { applyOverrides, cliOverrides } from "./gateway-overrides.ts";
import { normalizeServer } from "./normalize-server.ts";
import { normalizeObservability } from "./observability-settings.ts";
import { normalizeRateLimit } from "./rate-limit-settings.ts";
import { ConfigFileSchema, GatewaySchema, type GatewaySection } from "./schema.ts";
import { SERVER_NAME, ServerSchema } from "./server-schema.ts";
import { normalizeStateSettings } from "./state-settings.ts";

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
  problems.push(...inheritedCredentialProblems(servers, gateway.inheritEnv));
  if (problems.length > 0) throw invalid(source, problems);
  return deepFreeze({ source, gateway, servers });
}

function normalizeGateway(
  section: GatewaySection,
  stateDir: string,
  vars: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
): GatewaySettings {
  const {
    serverDefaults: _s,
    database: _d,
    redis: _r,
    cache: _c,
    audit: _a,
    discovery,
    budgets,
    auth,
    ...rest
  } = section;
  const state = normalizeStateSettings(section, stateDir, vars, problems);
  return {
    ...rest,
    ...normalizeObservability(section, vars, problems),
    stateDir,
    ...state,
    discovery: normalizeDiscovery(discovery, vars, problems),
    budgets: { ...budgets },
    rateLimit: normalizeRateLimit(section.rateLimit, state.redis.url, problems),
    auth: normalizeAuth(auth, problems),
    access: normalizeAccess(section.access, problems),
    secrets: normalizeSecrets(section.secrets, vars.SWITCHBOARD_CONFIG_DIR ?? process.cwd()),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

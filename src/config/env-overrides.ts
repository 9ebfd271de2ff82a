// Environment variables that override the configuration file (names from the seeds where they fit).
// Precedence: CLI flags > environment > file > built-in defaults. Seconds-valued seed variables are converted.
import type { ConfigProblem } from "../core/gateway-config.ts";

/** One override value, named by where it came from (`env.LOG_LEVEL`, `--port`) for problem reports. */
export interface Override {
  source: string;
  target: "gateway" | "serverDefaults";
  key: string;
  value: unknown;
}

type Target = "gateway" | "serverDefaults";
interface Mapping {
  names: string[];
  target: Target;
  key: string;
  parse: (raw: string) => unknown;
}

const seconds = (raw: string) => Math.round(toNumber(raw) * 1000);
const toNumber = (raw: string) => {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw new Error(`"${raw}" is not a number`);
  return n;
};
/** `1.5` cores, or `80%` of one core. */
const cpus = (raw: string) => (raw.trim().endsWith("%") ? toNumber(raw.trim().slice(0, -1)) / 100 : toNumber(raw));
const toBoolean = (raw: string) => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`"${raw}" is not a boolean`);
};

/** `none`, `apikey`/`apiKey`/`api-key`, `jwt`, `oauth`, in any letter case. */
const authMode = (raw: string) => {
  const mode = raw.trim().toLowerCase().replace(/[-_]/g, "");
  return mode === "apikey" ? "apiKey" : mode;
};
/** One value or several, comma-separated (`https://a,https://b`). */
const commaList = (raw: string) => {
  const items = raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.length === 1 ? items[0] : items;
};

/** The documented mapping (docs/configuration.md lists the same table). */
export const ENV_MAPPINGS: readonly Mapping[] = [
  { names: ["MCP_BIND_HOST", "SWITCHBOARD_HOST"], target: "gateway", key: "host", parse: (v) => v },
  { names: ["SWITCHBOARD_PORT"], target: "gateway", key: "port", parse: toNumber },
  { names: ["SWITCHBOARD_STATE_DIR"], target: "gateway", key: "stateDir", parse: (v) => v },
  { names: ["LOG_LEVEL", "MCP_LOG_LEVEL"], target: "gateway", key: "logLevel", parse: (v) => v.toLowerCase() },
  { names: ["USE_JSON_LOGS"], target: "gateway", key: "jsonLogs", parse: toBoolean },
  { names: ["LOG_FILE"], target: "gateway", key: "logFile", parse: (v) => v },
  { names: ["OTLP_ENDPOINT"], target: "gateway", key: "tracing.endpoint", parse: (v) => v },
  { names: ["OTEL_SERVICE_NAME"], target: "gateway", key: "tracing.serviceName", parse: (v) => v },
  { names: ["OTEL_TRACES_SAMPLER_ARG"], target: "gateway", key: "tracing.sampleRatio", parse: toNumber },
  { names: ["AUTO_SHUTDOWN_TIMEOUT"], target: "serverDefaults", key: "idleTimeoutMs", parse: seconds },
  {
    names: ["HEALTH_CHECK_INTERVAL", "MCP_HEALTH_CHECK_INTERVAL"],
    target: "serverDefaults",
    key: "healthCheckIntervalMs",
    parse: seconds,
  },
  { names: ["MCP_MAX_STARTUP_TIME"], target: "serverDefaults", key: "startTimeoutMs", parse: seconds },
  { names: ["REQUEST_TIMEOUT", "STDIO_TIMEOUT"], target: "serverDefaults", key: "timeoutMs", parse: seconds },
  {
    names: ["MCP_FAILURE_THRESHOLD"],
    target: "serverDefaults",
    key: "circuitBreaker.consecutiveFailures",
    parse: toNumber,
  },
  { names: ["MCP_RECOVERY_TIMEOUT"], target: "serverDefaults", key: "circuitBreaker.cooldownMs", parse: seconds },
  { names: ["DATABASE_URL"], target: "gateway", key: "database.url", parse: (v) => v },
  { names: ["AUDIT_DATABASE_URL"], target: "gateway", key: "database.auditUrl", parse: (v) => v },
  { names: ["DB_POOL_SIZE"], target: "gateway", key: "database.poolSize", parse: toNumber },
  { names: ["REDIS_URL"], target: "gateway", key: "redis.url", parse: (v) => v },
  { names: ["REDIS_KEY_PREFIX"], target: "gateway", key: "redis.keyPrefix", parse: (v) => v },
  { names: ["CACHE_ENABLED"], target: "gateway", key: "cache.enabled", parse: toBoolean },
  { names: ["CACHE_BACKEND"], target: "gateway", key: "cache.backend", parse: (v) => v.toLowerCase() },
  { names: ["CACHE_REDIS_URL"], target: "gateway", key: "cache.redisUrl", parse: (v) => v },
  { names: ["CACHE_MAX_SIZE"], target: "gateway", key: "cache.maxEntries", parse: toNumber },
  { names: ["CACHE_DEFAULT_TTL", "MCP_CACHE_TTL"], target: "gateway", key: "cache.defaultTtlMs", parse: seconds },
  { names: ["CACHE_SEARCH_TTL"], target: "gateway", key: "cache.ttlMs.search", parse: seconds },
  { names: ["CACHE_EMBEDDING_TTL"], target: "gateway", key: "cache.ttlMs.embedding", parse: seconds },
  { names: ["AUDIT_ENABLED"], target: "gateway", key: "audit.enabled", parse: toBoolean },
  { names: ["AUDIT_RETENTION_DAYS"], target: "gateway", key: "audit.retentionDays", parse: toNumber },
  { names: ["DISCOVERY_MODE"], target: "gateway", key: "discovery.mode", parse: (v) => v.toLowerCase() },
  { names: ["MAX_RESULT_TOKENS"], target: "gateway", key: "budgets.maxResultTokens", parse: toNumber },
  { names: ["MCP_AUTH_MODE"], target: "gateway", key: "auth.mode", parse: authMode },
  { names: ["MCP_AUTH_JWKS_URL"], target: "gateway", key: "auth.jwt.jwksUrl", parse: (v) => v },
  { names: ["MCP_AUTH_ISSUER"], target: "gateway", key: "auth.jwt.issuer", parse: (v) => v },
  { names: ["MCP_AUTH_AUDIENCE"], target: "gateway", key: "auth.jwt.audiences", parse: commaList },
  { names: ["RATE_LIMIT_ENABLED"], target: "gateway", key: "rateLimit.enabled", parse: toBoolean },
  { names: ["RATE_LIMIT_PER_MINUTE"], target: "gateway", key: "rateLimit.perMinute", parse: toNumber },
  { names: ["RATE_LIMIT_BURST"], target: "gateway", key: "rateLimit.burst", parse: toNumber },
  { names: ["RATE_LIMIT_GLOBAL_PER_MINUTE"], target: "gateway", key: "rateLimit.global.perMinute", parse: toNumber },
  { names: ["RATE_LIMIT_GLOBAL_BURST"], target: "gateway", key: "rateLimit.global.burst", parse: toNumber },
  { names: ["RATE_LIMIT_BACKEND"], target: "gateway", key: "rateLimit.backend", parse: (v) => v.toLowerCase() },
  {
    names: ["MCP_SANDBOX_RUNNER", "SWITCHBOARD_SANDBOX"],
    target: "serverDefaults",
    key: "sandbox.backend",
    parse: (v) => v.toLowerCase(),
  },
  {
    names: ["MAX_MEMORY_PER_CONTAINER", "MCP_MEMORY_LIMIT"],
    target: "serverDefaults",
    key: "sandbox.limits.memory",
    parse: (v) => v,
  },
  {
    names: ["MAX_CPU_PER_CONTAINER", "MCP_CPU_QUOTA"],
    target: "serverDefaults",
    key: "sandbox.limits.cpus",
    parse: cpus,
  },
];

export function readEnvOverrides(env: Readonly<Record<string, string | undefined>>): {
  overrides: Override[];
  problems: ConfigProblem[];
} {
  const overrides: Override[] = [];
  const problems: ConfigProblem[] = [];
  for (const mapping of ENV_MAPPINGS) {
    const name = mapping.names.find((n) => env[n] !== undefined && env[n] !== "");
    if (name === undefined) continue;
    try {
      overrides.push({
        source: `env.${name}`,
        target: mapping.target,
        key: mapping.key,
        value: mapping.parse(env[name] as string),
      });
    } catch (error) {
      problems.push({ path: `env.${name}`, message: (error as Error).message });
    }
  }
  return { overrides, problems };
}

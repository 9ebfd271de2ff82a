// The overrides of the gateway settings: environment variables and command-line flags, each validated against
// the schema of the setting (or nested section, such as `database.url`) it reaches, then applied in order.
import type { z } from "zod";
import type { ConfigProblem } from "../core/gateway-config.ts";
import { AuthSchema, JwtSchema } from "./auth-schema.ts";
import { BudgetSchema, DiscoverySchema } from "./discovery-schema.ts";
import type { Override } from "./env-overrides.ts";
import { TracingSchema } from "./observability-schema.ts";
import { POLICY_NESTED_SECTIONS } from "./policy-schema.ts";
import { RateLimitGlobalSchema, RateLimitSchema } from "./rate-limit-schema.ts";
import { SandboxLimitsSchema, SandboxSchema } from "./sandbox-schema.ts";
import { GatewaySchema, type GatewaySection } from "./schema.ts";
import { ServerSchema } from "./server-schema.ts";
import { AuditSchema, CacheSchema, CacheTtlSchema, DatabaseSchema, RedisSchema } from "./state-schema.ts";

const CLI_FLAGS: Record<string, string> = {
  host: "--host",
  port: "--port",
  stateDir: "--state-dir",
  logLevel: "--log-level",
  allowInsecureBind: "--insecure-bind",
};

/** Sections of a server's settings that environment variables reach into (`sandbox.limits.memory`). */
const SERVER_NESTED_SECTIONS: Record<string, { shape: Record<string, z.ZodType> }> = {
  ...POLICY_NESTED_SECTIONS,
  sandbox: SandboxSchema,
  "sandbox.limits": SandboxLimitsSchema,
};

/** Command-line flags as overrides, named after their flag in problems. */
export function cliOverrides(cli: Readonly<Record<string, unknown>> | undefined): Override[] {
  return Object.entries(cli ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ({ source: CLI_FLAGS[key] ?? `--${key}`, target: "gateway", key, value }));
}

/** Sections of the gateway settings that environment variables reach into (`database.url`). */
const NESTED_SECTIONS: Record<string, { shape: Record<string, z.ZodType> }> = {
  database: DatabaseSchema,
  redis: RedisSchema,
  cache: CacheSchema,
  "cache.ttlMs": CacheTtlSchema,
  audit: AuditSchema,
  discovery: DiscoverySchema,
  budgets: BudgetSchema,
  rateLimit: RateLimitSchema,
  "rateLimit.global": RateLimitGlobalSchema,
  tracing: TracingSchema,
  auth: AuthSchema,
  "auth.jwt": JwtSchema,
};

/** Applies validated overrides in order (environment, then flags); invalid ones become problems. */
export function applyOverrides(
  section: GatewaySection,
  overrides: readonly Override[],
  problems: ConfigProblem[],
): GatewaySection {
  const gateway: Record<string, unknown> = { ...section };
  const serverDefaults: Record<string, unknown> = { ...section.serverDefaults };
  for (const override of overrides) {
    const dot = override.key.lastIndexOf(".");
    const group = dot < 0 ? undefined : override.key.slice(0, dot);
    const key = override.key.slice(dot + 1);
    const schemas: Record<string, z.ZodType> =
      override.target === "serverDefaults"
        ? group === undefined
          ? ServerSchema.shape
          : (SERVER_NESTED_SECTIONS[group]?.shape ?? {})
        : group === undefined
          ? GatewaySchema.shape
          : (NESTED_SECTIONS[group]?.shape ?? {});
    const result = schemas[key]?.safeParse(override.value);
    if (!result?.success) {
      problems.push({ path: override.source, message: result?.error.issues[0]?.message ?? "not a known setting" });
      continue;
    }
    const path = group === undefined ? [key] : [...group.split("."), key];
    setPath(override.target === "serverDefaults" ? serverDefaults : gateway, path, result.data);
  }
  return { ...(gateway as GatewaySection), serverDefaults: serverDefaults as GatewaySection["serverDefaults"] };
}

/** Sets a value at a path of plain objects, copying each object on the way (the parsed section stays untouched). */
function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const copy = { ...(node[segment] as Record<string, unknown> | undefined) };
    node[segment] = copy;
    node = copy;
  }
  node[path[path.length - 1] as string] = value;
}

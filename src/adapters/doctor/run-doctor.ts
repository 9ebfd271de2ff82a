// Everything a deployment needs, checked against one loaded configuration. The database and Redis checks are
// exported on their own so a health report can run just those. Independent checks run concurrently, and each
// network step is bounded, so the whole run takes a few seconds at worst.
import type { ConfigProblem, GatewayConfig, GatewaySettings } from "../../core/gateway-config.ts";
import { POSTGRES_AUDIT_MIGRATIONS, POSTGRES_REGISTRY_MIGRATIONS } from "../storage/postgres/pg-schema.ts";
import { SQLITE_AUDIT_MIGRATIONS, SQLITE_REGISTRY_MIGRATIONS } from "../storage/sqlite/sqlite-schema.ts";
import { check, checkNode, checkStateDir, type DoctorCheck } from "./checks.ts";
import { checkServers } from "./executables.ts";
import { checkPostgres } from "./postgres-check.ts";
import { checkRedis } from "./redis-check.ts";
import {
  checkSandboxBackends,
  checkServerSandboxes,
  defaultSandboxHost,
  probeSandboxBackends,
  type SandboxHost,
  trySandboxBackends,
} from "./sandbox-backends.ts";
import { checkSqlite } from "./sqlite-check.ts";

/** `host`: where PATH and the kernel's security modules are read (this process's by default). */
export async function runDoctor(
  config: GatewayConfig,
  host: SandboxHost = defaultSandboxHost(),
): Promise<DoctorCheck[]> {
  const settings = config.gateway;
  const enabled = config.servers.filter((s) => s.enabled).length;
  const backends = await trySandboxBackends(host);
  const groups = await Promise.all([
    checkStateDir(settings.stateDir).then((row) => [row]),
    checkDatabase(settings),
    checkRedisSettings(settings),
    checkSandboxBackends(backends),
    checkServers(config.servers, settings.inheritEnv, host.env),
    checkServerSandboxes(config.servers, backends),
  ]);
  return [
    checkNode(),
    check("config", "ok", `${config.source ?? "(defaults)"}: ${config.servers.length} servers, ${enabled} enabled`, {
      path: config.source,
    }),
    ...groups.flat(),
  ];
}

/** The rows of a run whose configuration did not load: what needs it is skipped, the rest still runs. */
export async function runDoctorWithoutConfig(
  source: string,
  problems: readonly ConfigProblem[],
  host: SandboxHost = defaultSandboxHost(),
): Promise<DoctorCheck[]> {
  const skipped = ["state directory", "database", "redis", "servers"].map((name) =>
    check(name, "skip", "not checked: the configuration is invalid"),
  );
  return [
    checkNode(),
    check("config", "fail", `${source}: ${problems.length} problem(s)`, { path: source, problems }),
    ...skipped,
    ...checkSandboxBackends(probeSandboxBackends(host)),
  ];
}

/**
 * PostgreSQL when `database.url` is set (registry, and the audit log unless it has its own `auditUrl`),
 * otherwise the SQLite file; an `auditUrl` is checked on its own.
 */
export async function checkDatabase(settings: Pick<GatewaySettings, "database">): Promise<DoctorCheck[]> {
  const { url, auditUrl, connectTimeoutMs, sqlitePath } = settings.database;
  const separateAudit = auditUrl !== undefined && auditUrl !== url;
  const registry = { component: "registry", known: url ? POSTGRES_REGISTRY_MIGRATIONS : SQLITE_REGISTRY_MIGRATIONS };
  const audit = { component: "audit", known: url ? POSTGRES_AUDIT_MIGRATIONS : SQLITE_AUDIT_MIGRATIONS };
  const components = separateAudit ? [registry] : [registry, audit];
  const groups = await Promise.all([
    url
      ? checkPostgres({ url, connectTimeoutMs, label: "database", components, pgvector: true })
      : checkSqlite({ path: sqlitePath, components }),
    separateAudit
      ? checkPostgres({
          url: auditUrl,
          connectTimeoutMs,
          label: "audit database",
          components: [{ component: "audit", known: POSTGRES_AUDIT_MIGRATIONS }],
          pgvector: false,
        })
      : Promise.resolve([]),
  ]);
  return groups.flat();
}

/** Each distinct Redis URL once (sessions' `redis.url`, the cache's `cache.redisUrl`); a skip row without any. */
export async function checkRedisSettings(settings: Pick<GatewaySettings, "redis" | "cache">): Promise<DoctorCheck[]> {
  const uses = new Map<string, string[]>();
  const add = (url: string | undefined, use: string) => {
    if (url) uses.set(url, [...(uses.get(url) ?? []), use]);
  };
  add(settings.redis.url, "sessions");
  if (settings.cache.enabled && settings.cache.backend === "redis") add(settings.cache.redisUrl, "cache");
  if (uses.size === 0) return [check("redis", "skip", "not configured (sessions and cache in memory)")];
  const groups = await Promise.all(
    [...uses].map(([url, use]) => checkRedis({ url, label: use.includes("sessions") ? "redis" : "cache redis" })),
  );
  return groups.flat();
}

// Redis as doctor sees it: PING and the server version, the eviction policy (what happens when Redis is full)
// and the persistence mode (what a Redis restart loses). One short-lived connection that never retries.
import type { Redis } from "ioredis";
import { redactUrl } from "../../core/redact-url.ts";
import {
  check,
  type DoctorCheck,
  errorText,
  NETWORK_TIMEOUT_MS,
  SERVICE_BUDGET_MS,
  withoutPassword,
  withTimeout,
} from "./checks.ts";

export interface RedisCheckOptions {
  url: string;
  /** Row name prefix: `redis`, `cache redis`. */
  label: string;
}

/** Rows: `<label>`, `<label> maxmemory-policy`, `<label> persistence`; the later two skip when `<label>` fails. */
export async function checkRedis(options: RedisCheckOptions): Promise<DoctorCheck[]> {
  const where = redactUrl(options.url) as string;
  const { label } = options;
  // Loaded here, not at startup: every `switchboard` command imports doctor, and only doctor needs ioredis.
  const { Redis: RedisClient } = await import("ioredis");
  const redis = new RedisClient(options.url, {
    lazyConnect: true,
    connectionName: "switchboard-doctor",
    connectTimeout: NETWORK_TIMEOUT_MS,
    commandTimeout: NETWORK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    disconnectTimeout: 200,
  });
  let lastError: unknown;
  redis.on("error", (error: unknown) => {
    lastError = error; // the connect() rejection is often a bare "Connection is closed"; this is the cause
  });
  let answered = false;
  const probe = async (): Promise<DoctorCheck[]> => {
    await redis.connect();
    await redis.ping();
    answered = true;
    const server = parseInfo(await redis.info("server"));
    const version = server.redis_version ?? server.valkey_version ?? "(unknown version)";
    return [
      check(label, "ok", `Redis ${version} at ${where}: PING answered`, { url: where, version }),
      await policyRow(redis, `${label} maxmemory-policy`),
      await persistenceRow(redis, `${label} persistence`),
    ];
  };
  try {
    return await withTimeout(probe(), SERVICE_BUDGET_MS, "the check");
  } catch (error) {
    const text = withoutPassword(errorText(answered ? error : (lastError ?? error)), options.url);
    const timedOut = /timed out|ETIMEDOUT/.test(text);
    const cause = timedOut ? `no answer within ${answered ? SERVICE_BUDGET_MS : NETWORK_TIMEOUT_MS} ms` : text;
    const detail = answered
      ? `Redis at ${where} failed after PING: ${cause}`
      : /^(WRONGPASS|NOAUTH|NOPERM)/.test(cause)
        ? `Redis refused the connection at ${where}: ${cause}`
        : `Redis unreachable at ${where}: ${cause}`;
    return [
      check(label, "fail", detail, { url: where }),
      check(`${label} maxmemory-policy`, "skip", `not checked: ${label} unavailable`),
      check(`${label} persistence`, "skip", `not checked: ${label} unavailable`),
    ];
  } finally {
    redis.disconnect(); // also rejects whatever a probe that ran out of time is still waiting for
  }
}

/** allkeys-lru/lfu and volatile-* keep Redis usable when full (every key the gateway writes has a TTL). */
async function policyRow(redis: Redis, name: string): Promise<DoctorCheck> {
  let policy: string;
  let maxmemory: number;
  try {
    policy = await configGet(redis, "maxmemory-policy");
    maxmemory = Number(await configGet(redis, "maxmemory"));
  } catch (error) {
    return check(
      name,
      "warn",
      `cannot read it (CONFIG refused: ${errorText(error)}); make sure the provider evicts with allkeys-lru or volatile-lru`,
    );
  }
  const data = { policy, maxmemory };
  if (policy === "allkeys-lru" || policy === "allkeys-lfu") {
    return check(name, "ok", `${policy}: when full, Redis evicts the least used keys`, data);
  }
  if (policy.startsWith("volatile-")) {
    return check(name, "ok", `${policy}: when full, Redis evicts keys with a TTL (every key switchboard writes)`, data);
  }
  if (policy === "noeviction") {
    const limit =
      maxmemory === 0
        ? "no maxmemory is set, so Redis grows until the host runs out of memory"
        : "when maxmemory is reached, writes fail and state falls back to each replica's memory";
    return check(name, "warn", `noeviction: ${limit}; prefer allkeys-lru`, data);
  }
  return check(
    name,
    "warn",
    `${policy}: when full, Redis evicts any key, busy sessions included; prefer allkeys-lru`,
    data,
  );
}

/** Never worse than ok: losing state on a Redis restart is a deployment's choice; the detail says what is lost. */
async function persistenceRow(redis: Redis, name: string): Promise<DoctorCheck> {
  const info = parseInfo(await redis.info("persistence"));
  if (info.aof_enabled === "1") {
    const fsync = await configGet(redis, "appendfsync").catch(() => undefined);
    const loses =
      fsync === "always"
        ? "nothing that was acknowledged"
        : fsync === "no"
          ? "the writes the OS had not flushed yet (up to about 30 s)"
          : "about the last second of writes";
    return check(name, "ok", `aof${fsync ? ` (appendfsync ${fsync})` : ""}: a restart loses ${loses}`, {
      mode: "aof",
      appendfsync: fsync,
    });
  }
  let save: string;
  try {
    save = (await configGet(redis, "save")).trim();
  } catch {
    return check(
      name,
      "ok",
      "not aof; snapshot schedule unknown (CONFIG refused): a restart loses at least the writes since the last snapshot",
      { mode: "unknown" },
    );
  }
  if (save === "") {
    return check(name, "ok", "none: a restart loses every session, paged result and cache entry", { mode: "none" });
  }
  return check(name, "ok", `rdb (save ${save}): a restart loses the writes since the last snapshot`, {
    mode: "rdb",
    save,
  });
}

async function configGet(redis: Redis, parameter: string): Promise<string> {
  const reply = (await redis.config("GET", parameter)) as unknown as string[];
  if (reply.length < 2) throw new Error(`CONFIG GET ${parameter} returned nothing`);
  return String(reply[1]);
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}

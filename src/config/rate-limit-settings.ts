// Normalizes gateway.rateLimit: limits become token buckets (burst defaulting to the rate), the backend is
// settled against gateway.redis.url, and settings that cannot work together are reported with their path.
import type { ConfigProblem, RateLimitSettings } from "../core/gateway-config.ts";
import { bucketLimit } from "../core/token-bucket.ts";
import type { GatewaySection } from "./schema.ts";

const PATH = "gateway.rateLimit";

export function normalizeRateLimit(
  section: GatewaySection["rateLimit"],
  redisUrl: string | undefined,
  problems: ConfigProblem[],
): RateLimitSettings {
  const backend = section.backend ?? (redisUrl ? "redis" : "memory");
  if (backend === "redis" && !redisUrl) {
    problems.push({
      path: `${PATH}.backend`,
      message: "the redis backend needs gateway.redis.url (or REDIS_URL)",
    });
  }
  if (section.burst !== undefined && section.perMinute === 0) {
    problems.push({ path: `${PATH}.burst`, message: "a burst needs a per-client rate (gateway.rateLimit.perMinute)" });
  }
  if (section.global.burst !== undefined && section.global.perMinute === 0) {
    problems.push({
      path: `${PATH}.global.burst`,
      message: "a burst needs a global rate (gateway.rateLimit.global.perMinute)",
    });
  }
  const client = section.perMinute > 0 ? bucketLimit(section.perMinute, section.burst) : undefined;
  const global = section.global.perMinute > 0 ? bucketLimit(section.global.perMinute, section.global.burst) : undefined;
  const header = section.clientKey.header.toLowerCase();
  return {
    enabled: section.enabled && (client !== undefined || global !== undefined),
    client,
    global,
    backend,
    clientKey: { header: header === "" ? undefined : header, trustProxyHops: section.clientKey.trustProxyHops },
    maxClients: section.maxClients,
  };
}

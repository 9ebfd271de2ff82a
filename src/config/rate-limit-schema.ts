// Configuration of rate limiting (gateway.rateLimit): token buckets per client key and for the whole gateway,
// kept in memory or in Redis. Part of the gateway section (schema.ts); see docs/rate-limits.md.
import { z } from "zod";

const perMinute = (what: string) =>
  z
    .number()
    .min(0)
    .max(1_000_000_000)
    .default(0)
    .describe(`Sustained requests per minute ${what}; 0: no limit; default 0. Fractions allowed.`);

const burst = z
  .number()
  .int()
  .min(1)
  .max(1_000_000_000)
  .optional()
  .describe("Most requests admitted back to back (the bucket's size); default perMinute rounded up.");

export const RateLimitGlobalSchema = z
  .object({
    perMinute: perMinute("across all clients of this gateway (all replicas when shared through Redis)"),
    burst,
  })
  .strict()
  .describe("One bucket every client shares.");

export const RateLimitClientKeySchema = z
  .object({
    header: z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]*$/, "not an HTTP header name")
      .default("")
      .describe(
        "A request carrying this header is keyed by a SHA-256 hash of its value (never stored or logged as is); others by their address. Default empty: by address only, because an unverified header is chosen by the client (a new value per request escapes the limit); set it only behind a proxy that verifies the credential.",
      ),
    trustProxyHops: z
      .number()
      .int()
      .min(0)
      .max(32)
      .default(0)
      .describe(
        "Proxies in front of the gateway whose X-Forwarded-For entries are trusted: the address is the n-th entry from the right. 0 (default): the connection's own address; X-Forwarded-For is ignored.",
      ),
  })
  .strict()
  .describe("How the client of an HTTP request is identified for the per-client limit.");

export const RateLimitSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe("Switch for all limits (env RATE_LIMIT_ENABLED); default true: limits apply once a rate is set."),
    perMinute: perMinute("per client key (env RATE_LIMIT_PER_MINUTE)"),
    burst: burst.describe(
      "Most requests a client may send back to back (its bucket's size) (env RATE_LIMIT_BURST); default perMinute rounded up.",
    ),
    global: RateLimitGlobalSchema.prefault({}),
    clientKey: RateLimitClientKeySchema.prefault({}),
    backend: z
      .enum(["memory", "redis"])
      .optional()
      .describe(
        "memory: buckets of this process. redis: shared by every replica (needs gateway.redis.url). Default redis when gateway.redis.url is set, else memory (env RATE_LIMIT_BACKEND).",
      ),
    maxClients: z
      .number()
      .int()
      .min(1)
      .default(100_000)
      .describe(
        "Client buckets held in memory; the least recently used is forgotten (and starts full); default 100000.",
      ),
  })
  .strict()
  .describe("Token-bucket rate limits per client and global; rejected requests get rate_limited with a retry-after.");

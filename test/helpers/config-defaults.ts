// The configuration's own defaults (its zod schemas), for tests that build adapters without a gateway: the app
// always passes the configured values, so the adapters have no defaults of their own.
import { DEFAULT_MAX_SESSIONS } from "../../src/config/front-limits-schema.ts";
import { RateLimitSchema } from "../../src/config/rate-limit-schema.ts";
import { CacheSchema } from "../../src/config/state-schema.ts";

const cache = CacheSchema.parse({});

/** gateway.cache.maxEntries and maxBytes. */
export const CACHE_LIMITS = { maxEntries: cache.maxEntries, maxBytes: cache.maxBytes };

/** gateway.limits.maxSessions. */
export const MAX_SESSIONS = DEFAULT_MAX_SESSIONS;

/** gateway.rateLimit.maxClients. */
export const MAX_CLIENT_BUCKETS = RateLimitSchema.parse({}).maxClients;

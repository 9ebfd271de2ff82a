// The issuer's signing keys, cached: fetched at first use, again once `cacheMs` old or when a token names an
// unknown key id — but never twice within `minRefreshMs`, failed fetches included, so neither forged key ids nor
// an issuer outage make the gateway hammer the JWKS URL. Keys that can no longer be refreshed stay in use.
import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";
import type { Clock } from "../../ports/clock.ts";
import type { Logger } from "../../ports/logger.ts";
import { fetchJwks, JwksFetchError } from "./jwks-fetch.ts";

export interface JwksCacheOptions {
  url: string;
  cacheMs: number;
  minRefreshMs: number;
  timeoutMs: number;
  maxBytes: number;
  clock: Clock;
  fetch: typeof fetch;
  logger: Logger | undefined;
}

/** Thrown when there are no keys to verify with: the first fetch failed and no retry is due yet. */
export class JwksUnavailableError extends Error {
  constructor(reason: string) {
    super(`signing keys unavailable: ${reason}`);
    this.name = "JwksUnavailableError";
  }
}

export interface JwksCache {
  /** The key resolver of the current set, refreshed first when stale and a fetch is due. */
  current(): Promise<JWTVerifyGetKey>;
  /** A fresh set after an unknown key id, or undefined when no fetch is due (or it failed). */
  refreshed(): Promise<JWTVerifyGetKey | undefined>;
}

export function createJwksCache(options: JwksCacheOptions): JwksCache {
  const { clock } = options;
  let keys: { resolve: JWTVerifyGetKey; fetchedAt: number } | undefined;
  let lastAttemptAt: number | undefined;
  let lastError = "not fetched yet";
  let pending: Promise<boolean> | undefined;

  const due = () => lastAttemptAt === undefined || clock.now() - lastAttemptAt >= options.minRefreshMs;

  /** One fetch at a time; callers arriving meanwhile share its outcome (true: new keys are in place). */
  const refresh = (): Promise<boolean> => {
    pending ??= (async () => {
      lastAttemptAt = clock.now();
      try {
        const set = await fetchJwks(options.url, options);
        keys = { resolve: createLocalJWKSet(set), fetchedAt: clock.now() };
        options.logger?.debug({ jwksUrl: options.url, keys: set.keys.length }, "JWKS fetched");
        return true;
      } catch (error) {
        lastError = error instanceof JwksFetchError ? error.message : `unusable: ${(error as Error).message}`;
        options.logger?.warn(
          { jwksUrl: options.url, error: lastError, keptKeys: keys !== undefined },
          "JWKS fetch failed",
        );
        return false;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };

  return {
    async current() {
      const fresh = keys !== undefined && clock.now() - keys.fetchedAt < options.cacheMs;
      if (!fresh && (pending !== undefined || due())) await refresh();
      if (keys === undefined) throw new JwksUnavailableError(lastError);
      return keys.resolve;
    },
    async refreshed() {
      if (pending === undefined && !due()) return undefined;
      return (await refresh()) ? keys?.resolve : undefined;
    },
  };
}

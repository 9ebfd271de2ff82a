// The TokenVerifier for bearer JWTs (modes jwt and oauth): signature against the issuer's JWKS with an
// asymmetric allow-list, then iss, aud, exp, nbf and iat with the configured skew, the principal claim, and the
// required scopes. Every refusal says what was wrong without echoing the token.
import { type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, errors as joseErrors, jwtVerify } from "jose";
import { SwitchboardError } from "../../core/errors.ts";
import type { JwtSettings, Principal } from "../../core/identity.ts";
import { isSymmetricOrNone } from "../../core/jws-algorithms.ts";
import { missingScopes, principalFromClaims } from "../../core/token-claims.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";
import type { Logger } from "../../ports/logger.ts";
import type { TokenVerifier } from "../../ports/token-verifier.ts";
import { createJwksCache, JwksUnavailableError } from "./jwks-cache.ts";
import { DEFAULT_MAX_JWKS_BYTES } from "./jwks-fetch.ts";

/** Longest token looked at; HTTP header limits keep real ones far below. Characters. */
export const MAX_TOKEN_CHARS = 16 * 1024;

export interface JwtVerifierOptions {
  clock?: Clock;
  fetch?: typeof fetch;
  logger?: Logger;
  /** Scopes every token must carry (mode oauth); a token without them is refused with `forbidden`. */
  requiredScopes?: readonly string[];
  /** How principals are marked (`Principal.via`); default `jwt`. */
  via?: "jwt" | "oauth";
  /** Cap on the JWKS answer. Bytes; default 262144. */
  maxJwksBytes?: number;
}

/** Three base64url parts; the signature may be empty so that `alg: none` tokens get their own refusal. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function createJwtVerifier(settings: JwtSettings, options: JwtVerifierOptions = {}): TokenVerifier {
  const refused = settings.algorithms.filter(isSymmetricOrNone);
  if (refused.length > 0) throw new Error(`refused JWT algorithms: ${refused.join(", ")} (asymmetric ones only)`);
  const clock = options.clock ?? systemClock;
  const requiredScopes = options.requiredScopes ?? [];
  const cache = createJwksCache({
    url: settings.jwksUrl,
    cacheMs: settings.jwksCacheMs,
    minRefreshMs: settings.jwksMinRefreshMs,
    timeoutMs: settings.jwksTimeoutMs,
    maxBytes: options.maxJwksBytes ?? DEFAULT_MAX_JWKS_BYTES,
    clock,
    fetch: options.fetch ?? globalThis.fetch,
    logger: options.logger,
  });
  // Runs only after jose has checked the header (alg allow-list, crit), so malformed tokens never cause a fetch.
  const getKey: JWTVerifyGetKey = async (header, token) => {
    const resolve = await cache.current();
    try {
      return await resolve(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      const fresh = await cache.refreshed();
      if (!fresh) throw error;
      return fresh(header, token);
    }
  };
  const skewSeconds = settings.clockSkewMs / 1000;

  return {
    async verify(token: string): Promise<Principal> {
      if (typeof token !== "string" || token.trim() === "") throw invalidToken("no bearer token");
      if (token.length > MAX_TOKEN_CHARS) throw invalidToken(`the token is longer than ${MAX_TOKEN_CHARS} characters`);
      if (!COMPACT_JWS.test(token)) throw invalidToken("the token is not a JWT (three base64url parts)");
      const now = clock.now();
      let payload: JWTPayload;
      try {
        payload = await verifyWithCandidates(token, getKey, {
          algorithms: [...settings.algorithms],
          issuer: settings.issuer,
          audience: [...settings.audiences],
          // A token without an expiry would be good forever.
          requiredClaims: ["exp"],
          clockTolerance: skewSeconds,
          currentDate: new Date(now),
        });
      } catch (error) {
        throw refusal(error, options.logger);
      }
      // jose checks iat only together with a maximum age; a token issued in the future is refused here.
      if (typeof payload.iat === "number" && payload.iat > now / 1000 + skewSeconds) {
        throw invalidToken("the token is issued in the future (iat)");
      }
      const read = principalFromClaims(payload, settings, options.via ?? "jwt");
      if ("problem" in read) throw invalidToken(read.problem);
      const missing = missingScopes(read.principal, requiredScopes);
      if (missing.length > 0) {
        throw new SwitchboardError("forbidden", `the token lacks the required scope(s): ${missing.join(" ")}`, {
          data: { error: "insufficient_scope", scope: requiredScopes.join(" ") },
        });
      }
      return read.principal;
    },
    close() {},
  };
}

/** Most keys tried for one token when several match (no `kid`, or a `kid` shared during a rotation). */
const MAX_KEY_CANDIDATES = 8;

/**
 * jwtVerify, and when several keys of the set match the header, each of them in turn: the first that verifies
 * the signature decides (its claim checks stand); none verifying is a bad signature.
 */
async function verifyWithCandidates(
  token: string,
  getKey: JWTVerifyGetKey,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, getKey, options)).payload;
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
    let tried = 0;
    for await (const key of error) {
      if (++tried > MAX_KEY_CANDIDATES) break;
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (attempt) {
        if (!(attempt instanceof joseErrors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new joseErrors.JWSSignatureVerificationFailed();
  }
}

function invalidToken(description: string, cause?: unknown): SwitchboardError {
  return new SwitchboardError("unauthenticated", description, {
    data: { error: "invalid_token" },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The refusal of a jose (or key-fetch) error, worded for the client; unexpected ones are logged. */
function refusal(error: unknown, logger: Logger | undefined): SwitchboardError {
  if (error instanceof JwksUnavailableError) return invalidToken("the issuer's signing keys could not be fetched");
  if (error instanceof joseErrors.JWTExpired) return invalidToken("the token has expired (exp)", error);
  if (error instanceof joseErrors.JWTClaimValidationFailed) return invalidToken(claimProblem(error), error);
  const description = JOSE_REFUSALS[(error as { code?: string }).code ?? ""];
  if (description) return invalidToken(description, error);
  logger?.warn({ error: (error as Error).message }, "JWT verification failed unexpectedly");
  return invalidToken("the token could not be verified", error);
}

const JOSE_REFUSALS: Readonly<Record<string, string>> = {
  ERR_JOSE_ALG_NOT_ALLOWED: "the token's signing algorithm is not accepted",
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: "the token's signature is not valid",
  ERR_JWS_INVALID: "the token is malformed",
  ERR_JWT_INVALID: "the token is malformed",
  ERR_JOSE_NOT_SUPPORTED: "the token uses an unsupported algorithm or critical header (crit)",
  ERR_JWKS_NO_MATCHING_KEY: "no signing key of the issuer matches the token (unknown kid)",
  ERR_JWKS_INVALID: "the issuer's signing key cannot be used",
  ERR_JWK_INVALID: "the issuer's signing key cannot be used",
};

function claimProblem(error: InstanceType<typeof joseErrors.JWTClaimValidationFailed>): string {
  const missing = error.reason === "missing";
  switch (error.claim) {
    case "iss":
      return missing ? "the token has no issuer (iss)" : "the token's issuer is not accepted (iss)";
    case "aud":
      return missing ? "the token has no audience (aud)" : "the token is not meant for this gateway (aud)";
    case "nbf":
      return "the token is not valid yet (nbf)";
    default:
      return `the token's "${error.claim}" claim is not valid`;
  }
}

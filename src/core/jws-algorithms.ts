// The JWS algorithms a bearer token may be signed with: asymmetric only, because the verifying key comes from a
// public JWKS and a public key must never be accepted as an HMAC secret (the classic RS256 → HS256 confusion).

/** Asymmetric JWS algorithms the gateway can verify (RFC 7518, RFC 8037, RFC 9864). */
export const ASYMMETRIC_JWS_ALGORITHMS: readonly string[] = Object.freeze([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
]);

/** What `gateway.auth.jwt.algorithms` accepts by default: what common identity providers sign with. */
export const DEFAULT_JWT_ALGORITHMS: readonly string[] = Object.freeze(["RS256", "PS256", "ES256", "EdDSA"]);

/** `none` and the HMAC family (HS256 …), in any letter case: never acceptable for tokens verified with a JWKS. */
export function isSymmetricOrNone(alg: string): boolean {
  const upper = alg.toUpperCase();
  return upper === "NONE" || upper.startsWith("HS");
}

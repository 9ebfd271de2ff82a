// How a verified token's claims name the caller: the principal claim, the groups claim and the OAuth scopes.
// Only shapes identity providers actually send are read; anything else grants nothing.
import type { Principal } from "./identity.ts";

/** Longest principal name taken from a token: it lands in logs, audit records and session bindings. */
export const MAX_PRINCIPAL_CHARS = 256;

export interface ClaimNames {
  /** Claim naming the principal (e.g. `sub`). */
  principalClaim: string;
  /** Claim holding the groups (e.g. `groups`). */
  groupsClaim: string;
}

/** The principal of verified claims, or the reason the claims name none. */
export function principalFromClaims(
  claims: Readonly<Record<string, unknown>>,
  names: ClaimNames,
  via: Principal["via"],
): { principal: Principal } | { problem: string } {
  const name = claims[names.principalClaim];
  if (typeof name !== "string" || name.trim() === "") {
    return { problem: `the token has no "${names.principalClaim}" claim naming the caller` };
  }
  // " alice" must not be a principal apart from "alice", nor may a name carry control characters into logs.
  if (name !== name.trim() || hasControlCharacters(name)) {
    return { problem: `the token's "${names.principalClaim}" claim has surrounding spaces or control characters` };
  }
  if (name.length > MAX_PRINCIPAL_CHARS) {
    return { problem: `the token's "${names.principalClaim}" claim is longer than ${MAX_PRINCIPAL_CHARS} characters` };
  }
  const jti = claims.jti;
  return {
    principal: {
      name,
      groups: stringList(claims[names.groupsClaim]),
      scopes: scopesOf(claims),
      via,
      ...(typeof jti === "string" && jti !== "" && jti.length <= MAX_PRINCIPAL_CHARS ? { credentialId: jti } : {}),
      audiences: typeof claims.aud === "string" ? [claims.aud] : stringList(claims.aud),
    },
  };
}

/**
 * Scopes from `scope` (RFC 9068: one space-separated string, nothing else) or, without it, `scp` (an array, or a
 * string as Entra ID sends).
 */
export function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  if (claims.scope === undefined) return stringList(claims.scp);
  return typeof claims.scope === "string" ? stringList(claims.scope) : [];
}

/** An array of strings, or one space-separated string; any other shape (or a non-string member) gives none. */
function stringList(value: unknown): string[] {
  if (typeof value === "string") return value.split(/\s+/).filter((s) => s !== "");
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.filter((s) => s !== "");
  return [];
}

/** The required scopes a principal lacks. */
export function missingScopes(principal: Principal, required: readonly string[]): string[] {
  return required.filter((scope) => !principal.scopes.includes(scope));
}

/** C0 controls and DEL (a name with them would forge log lines and differ invisibly from another). */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

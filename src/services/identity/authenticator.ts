// Client authentication, the same for every front that takes credentials: the request's Authorization or
// X-API-Key header becomes the principal the rest of the gateway works for, or the request is refused with
// `unauthenticated` before anything else happens. Which checks run depends on gateway.auth.mode.
import { SwitchboardError } from "../../core/errors.ts";
import { ANONYMOUS, type AuthSettings, type Principal } from "../../core/identity.ts";
import type { TokenVerifier } from "../../ports/token-verifier.ts";

/** What verifies an API key (services/identity/api-keys.ts). */
export interface KeyVerifier {
  verify(key: string): Promise<Principal>;
}

/** The credential headers of a request, as sent (undefined when absent). */
export interface PresentedCredentials {
  authorization: string | undefined;
  apiKey: string | undefined;
}

export interface Authenticator {
  readonly mode: AuthSettings["mode"];
  /** The caller; rejects with `unauthenticated` (data.error: the OAuth error code, when there is one). */
  authenticate(presented: PresentedCredentials): Promise<Principal>;
  /** Whether the principal may use the admin API (always, when authentication is off). */
  isAdmin(principal: Principal): boolean;
}

/** API keys start with this; anything else in a Bearer header is taken for a JWT. */
export const API_KEY_PREFIX = "sb_";
/** Longest credential looked at: longer ones are refused unread (a JWT with a few claims is well under 8 KiB). */
const MAX_CREDENTIAL_CHARS = 16_384;

export function createAuthenticator(
  settings: AuthSettings,
  verifiers: { keys?: KeyVerifier | undefined; tokens?: TokenVerifier | undefined },
): Authenticator {
  const { mode } = settings;
  if (mode === "apiKey" && !verifiers.keys) throw new Error("auth mode apiKey needs the API key store");
  if ((mode === "jwt" || mode === "oauth") && !verifiers.tokens) throw new Error(`auth mode ${mode} needs a verifier`);
  const acceptKeys = mode === "apiKey" || (settings.acceptApiKeys && verifiers.keys !== undefined);
  const admins = new Set(settings.adminGroups);
  return {
    mode,
    async authenticate(presented) {
      if (mode === "none") return ANONYMOUS;
      const credential = credentialOf(presented);
      if (credential.startsWith(API_KEY_PREFIX)) {
        if (!acceptKeys) throw refused("invalid_token", "API keys are not accepted here; present an access token");
        return (verifiers.keys as KeyVerifier).verify(credential);
      }
      if (mode === "apiKey") throw refused("invalid_token", "not an API key (they start with sb_)");
      return (verifiers.tokens as TokenVerifier).verify(credential);
    },
    isAdmin(principal) {
      if (mode === "none") return true;
      return principal.groups.some((g) => admins.has(g)) || principal.scopes.includes(settings.adminScope);
    },
  };
}

/** The one credential of a request: a Bearer token or an X-API-Key value, never both and never another scheme. */
function credentialOf(presented: PresentedCredentials): string {
  const { authorization, apiKey } = presented;
  if (authorization === undefined && apiKey === undefined) {
    throw new SwitchboardError("unauthenticated", "authentication required: send Authorization: Bearer <token>");
  }
  if (authorization !== undefined && apiKey !== undefined) {
    throw refused("invalid_request", "send one credential: Authorization or X-API-Key, not both");
  }
  let credential: string;
  if (authorization !== undefined) {
    const match = /^Bearer +([^ ]+) *$/i.exec(authorization);
    if (!match) throw refused("invalid_request", "the Authorization header must be: Bearer <token>");
    credential = match[1] as string;
  } else credential = (apiKey as string).trim();
  if (credential.length === 0 || credential.length > MAX_CREDENTIAL_CHARS) {
    throw refused("invalid_token", "the credential is empty or too long");
  }
  return credential;
}

function refused(error: "invalid_request" | "invalid_token", description: string): SwitchboardError {
  return new SwitchboardError("unauthenticated", description, { data: { error } });
}

// Client authentication wired from gateway.auth: the JWT verifier (modes jwt and oauth) and the API keys of the
// registry database, behind one Authenticator the HTTP front asks for every request's principal.
import { createJwtVerifier } from "../adapters/auth/jwt-verifier.ts";
import type { EventBus } from "../core/events.ts";
import type { AuthSettings } from "../core/identity.ts";
import type { Clock } from "../ports/clock.ts";
import type { Logger } from "../ports/logger.ts";
import { type Authenticator, createAuthenticator, type KeyVerifier } from "../services/identity/authenticator.ts";

export interface Identity {
  readonly settings: AuthSettings;
  /** Undefined with mode none. */
  readonly authenticator: Authenticator | undefined;
  readonly events: EventBus;
}

export function openIdentity(
  settings: AuthSettings,
  deps: { clock: Clock; logger: Logger; events: EventBus; keys: KeyVerifier | undefined },
): Identity {
  if (settings.mode === "none") return { settings, authenticator: undefined, events: deps.events };
  const tokens =
    settings.mode === "jwt" || settings.mode === "oauth"
      ? createJwtVerifier(settings.jwt as NonNullable<AuthSettings["jwt"]>, {
          clock: deps.clock,
          logger: deps.logger.child({ component: "auth" }),
          requiredScopes: settings.oauth?.requiredScopes,
          via: settings.mode,
        })
      : undefined;
  const authenticator = createAuthenticator(settings, { keys: deps.keys, tokens });
  return { settings, authenticator, events: deps.events };
}

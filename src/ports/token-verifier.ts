// The bearer-token port: turns a JWT access token into the principal it names, or refuses it with
// `unauthenticated` (data.error = "invalid_token" and a description safe to show the client).
import type { Principal } from "../core/identity.ts";

export interface TokenVerifier {
  /** Resolves the token's principal; rejects with SwitchboardError `unauthenticated` when it is not acceptable. */
  verify(token: string): Promise<Principal>;
  /** Stops background work (none is kept; present for symmetry with other adapters). */
  close(): void;
}

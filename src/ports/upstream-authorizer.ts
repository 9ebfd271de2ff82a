// The port through which fronts drive the gateway's OAuth authorizations of remote servers: start one (the admin
// API, the CLI) and complete it when the authorization server redirects back to /oauth/callback.

/** The gateway's own route the authorization server redirects to (the default redirect URL's path). */
export const OAUTH_CALLBACK_PATH = "/oauth/callback";

/** What `authorize` found: tokens that work already, or the URL a person must open. */
export type AuthorizeOutcome =
  | { authorized: true }
  | {
      authorized: false;
      /** Open in a browser; the authorization server then redirects to the gateway's /oauth/callback. */
      authorizationUrl: string;
      /** ISO time after which the callback is refused and authorization must start again. */
      expiresAt: string;
    };

export interface CompletedAuthorization {
  server: string;
  /** "" for the gateway's own tokens. */
  principal: string;
}

export interface UpstreamAuthorizer {
  /**
   * Starts the authorization of a remote server that uses OAuth (`principal` for per-principal tokens). Throws
   * SwitchboardError `server_not_found` for an unknown server, `invalid_params` for one without `oauth`.
   */
  authorize(server: string, principal: string | undefined, signal?: AbortSignal): Promise<AuthorizeOutcome>;
  /**
   * Completes an authorization from the callback's query (`code`, `state`, optional `iss`, or `error`): the
   * state must be one the gateway issued within the last 10 minutes, and is used once. Throws SwitchboardError
   * `invalid_request` for an unknown, used or expired state or an error the authorization server returned.
   */
  complete(query: URLSearchParams, signal?: AbortSignal): Promise<CompletedAuthorization>;
  /** The gateway's own base URL once the HTTP front listens (the default redirect URL is built on it). */
  listening(baseUrl: string): void;
}

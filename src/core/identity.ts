// Who is calling: the principal every request carries from the front to the router, the audit log and the
// upstream, and the settings of client authentication (gateway.auth) and access rules (gateway.access).
// docs/security-model.md describes what each mode protects.

/** How clients authenticate: not at all (loopback only), with API keys, with JWTs, or as an OAuth 2.1 resource server. */
export const AUTH_MODES = ["none", "apiKey", "jwt", "oauth"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** The caller of a request, as authenticated by the front. Never holds a credential. */
export interface Principal {
  /** Stable name: an API key's principal, or the token's subject claim; `anonymous` when authentication is off. */
  readonly name: string;
  /** Groups: an API key's groups, or the token's groups claim. */
  readonly groups: readonly string[];
  /** OAuth scopes the token grants (`scope` / `scp`); empty for API keys and anonymous callers. */
  readonly scopes: readonly string[];
  /** How the principal was authenticated. */
  readonly via: AuthMode;
  /** An API key's id or a token's `jti` (never the secret or the token), for logs and the audit. */
  readonly credentialId?: string;
  /** A token's `aud` values (the resources it was issued for); absent for API keys. */
  readonly audiences?: readonly string[];
}

/** The principal of every request when authentication is off. */
export const ANONYMOUS: Principal = Object.freeze({
  name: "anonymous",
  groups: Object.freeze([]) as readonly string[],
  scopes: Object.freeze([]) as readonly string[],
  via: "none",
});

/** Whether two principals are the same caller (sessions and paged results are bound to one). */
export function samePrincipal(a: Principal, b: Principal): boolean {
  return a.name === b.name && a.via === b.via;
}

/** JWT validation (mode `jwt`, and the access tokens of mode `oauth`). */
export interface JwtSettings {
  /** Where the signing keys are: a JWKS URL (cached; refreshed on an unknown `kid`, at most once per `jwksMinRefreshMs`). */
  jwksUrl: string;
  /** Required `iss`. */
  issuer: string;
  /** Accepted `aud` values (one must match). */
  audiences: readonly string[];
  /** Accepted `alg` values: asymmetric only (no `none`, no HS*: a public key must never verify an HMAC). */
  algorithms: readonly string[];
  /** Tolerated clock difference for `exp`, `nbf` and `iat`. */
  clockSkewMs: number;
  /** Claim naming the principal; default `sub`. */
  principalClaim: string;
  /** Claim holding the groups (an array of strings, or one space-separated string); default `groups`. */
  groupsClaim: string;
  /** How long fetched keys are trusted before they are fetched again. */
  jwksCacheMs: number;
  /** Least time between two fetches of the JWKS (an unknown `kid` cannot make the gateway hammer the issuer). */
  jwksMinRefreshMs: number;
  /** Longest wait for the JWKS URL. */
  jwksTimeoutMs: number;
}

/** OAuth 2.1 resource-server settings (mode `oauth`; RFC 9728 metadata, RFC 8707 audience). */
export interface OAuthResourceSettings {
  /** Authorization servers listed in the protected-resource metadata (their issuer URLs). */
  authorizationServers: readonly string[];
  /** Scopes advertised in the metadata (`scopes_supported`). */
  scopesSupported: readonly string[];
  /** Scopes every MCP request needs; a token without them gets 403 `insufficient_scope`. */
  requiredScopes: readonly string[];
}

export interface AuthSettings {
  mode: AuthMode;
  /**
   * The gateway's public base URL (e.g. https://mcp.example.com): the resource identifier tokens must be bound
   * to, and the base of the metadata URLs. Undefined: taken from the request's Host (loopback binds only).
   */
  publicUrl: string | undefined;
  /** Whether API keys (`switchboard keys create`) are accepted in modes jwt and oauth as well. */
  acceptApiKeys: boolean;
  /** Set for modes jwt and oauth. */
  jwt: JwtSettings | undefined;
  /** Set for mode oauth. */
  oauth: OAuthResourceSettings | undefined;
  /** Principals in any of these groups may use the admin API. */
  adminGroups: readonly string[];
  /** A token with this scope may use the admin API. */
  adminScope: string;
  /** How long a verified API key is remembered (a revocation reaches other replicas within this). */
  keyCacheMs: number;
}

/** What a rule's `annotations` may require of a tool (MCP tool annotations). */
export interface AnnotationMatch {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** One access rule; rules are checked in order and the first that matches decides. */
export interface AccessRule {
  effect: "allow" | "deny";
  /** Principal names it applies to (globs with `*`); empty: anyone, unless `groups` is set. */
  principals: readonly string[];
  /** Groups it applies to (any one); empty: anyone, unless `principals` is set. */
  groups: readonly string[];
  /** Server names (globs); empty: every server. */
  servers: readonly string[];
  /** Namespaced tool names (globs, e.g. `github__create_*`); set: the rule is about tools only. */
  tools: readonly string[] | undefined;
  /** Namespaced prompt names (globs); set: the rule is about prompts only. */
  prompts: readonly string[] | undefined;
  /** Resource URIs or URI templates (globs); set: the rule is about resources only. */
  resources: readonly string[] | undefined;
  /** Tool annotations a tool must have for the rule to match (tools only). */
  annotations: AnnotationMatch | undefined;
  /**
   * For deny rules: whether what it denies is hidden (default true: left out of listings, search and describe,
   * and answered as if it did not exist). false keeps it visible and its use fails with `forbidden`.
   */
  hide: boolean;
}

export interface AccessSettings {
  /** What applies when no rule matches. */
  default: "allow" | "deny";
  rules: readonly AccessRule[];
}

/** What an access decision is about. Tools and prompts are named with their namespaced names. */
export type AccessItem =
  | { kind: "server"; server: string }
  | {
      kind: "tool";
      server: string;
      /** Namespaced name (`server{sep}tool`). */
      name: string;
      annotations?: Readonly<Record<string, unknown>> | undefined;
    }
  | { kind: "prompt"; server: string; name: string }
  | {
      kind: "resource";
      server: string;
      uri: string;
      /** The server's URI template the URI was read through, when it matches one (rules on it apply too). */
      template?: string | undefined;
    };

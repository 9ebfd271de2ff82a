// The normalized, frozen description of one upstream server that the rest of the gateway works from.
import type { DiscoveryMode } from "./discovery-mode.ts";
import type { IntegritySettings } from "./integrity.ts";
import type { SandboxProfile } from "./sandbox.ts";
import type { Lifecycle } from "./server-state.ts";

export interface ToolSettings {
  /** Output budget in tokens (0: none); undefined: the server's or the gateway's. */
  maxResultTokens?: number;
  /** Projection of JSON results: dotted field paths to keep. */
  fields?: readonly string[];
  /** Safe to call twice; undefined: the tool's readOnlyHint/idempotentHint (trusted servers only). */
  idempotent?: boolean;
}

export interface RestartPolicy {
  /** Delay before the first restart after a failure, in ms. */
  initialDelayMs: number;
  /** Upper bound for the growing delay, in ms. */
  maxDelayMs: number;
  /** Factor the delay grows by per consecutive failure. */
  multiplier: number;
  /** Consecutive failures allowed before the server is held in `failed`. */
  maxRestarts: number;
  /** A server that stayed up this long has its failure count reset, in ms. */
  resetAfterMs: number;
}

/** Resilience policies of one server (docs/resilience.md). */
export interface PolicySpec {
  /** Whether the server's tool annotations are believed: idempotent/read-only tools may then be retried. */
  trusted: boolean;
  /** Hard maximum of one call in ms, even while progress keeps arriving. */
  maxCallMs: number;
  retry: { initialDelayMs: number; maxDelayMs: number };
  circuitBreaker: CircuitBreakerSpec;
  /** `maxConcurrent` 0: no bulkhead. */
  bulkhead: { maxConcurrent: number; maxQueued: number };
}

export interface CircuitBreakerSpec {
  enabled: boolean;
  /** Gateway-side failures in a row that open the breaker. */
  consecutiveFailures: number;
  /** Share of failed calls within `windowMs` (with at least `minCalls` calls) that opens the breaker. */
  failureRate: number;
  windowMs: number;
  minCalls: number;
  /** How long the breaker stays open before one probe goes through, in ms. */
  cooldownMs: number;
}

export interface StdioTransportSpec {
  kind: "stdio";
  command: string;
  args: readonly string[];
  /** Extra environment, `${VAR}` references already resolved. */
  env: Readonly<Record<string, string>>;
  /** Absolute working directory. */
  cwd: string;
  /** The npm package a `package` entry runs (its version is part of the server's identity). */
  package?: { name: string; version: string };
}

export interface HttpTransportSpec {
  kind: "http";
  url: string;
  headers: Readonly<Record<string, string>>;
  /** `auto` tries streamable HTTP and falls back to the older HTTP+SSE transport. */
  mode: "auto" | "streamable-http" | "sse";
}

export type TransportSpec = StdioTransportSpec | HttpTransportSpec;

/**
 * A credential slot of a per-principal server: a value each principal stores for itself
 * (`switchboard credentials set SERVER SLOT`), put into the environment of its own process (stdio) or into a
 * header of its own connection (remote) when that instance starts.
 */
export interface CredentialSlot {
  /** Environment variable that receives the value (stdio servers only). */
  env?: string;
  /** HTTP header that receives the value (remote servers only). */
  header?: string;
  /** How the value is written: `{value}` is replaced by it (e.g. `Bearer {value}`). */
  format: string;
  description?: string;
  /** A required slot without a value fails the call with `credentials_required`; an optional one is left out. */
  required: boolean;
}

/**
 * How the gateway obtains tokens from a remote server's authorization server (OAuth 2.1):
 * - `authorization_code`: a person authorizes once in a browser (PKCE); the code comes back to the gateway's
 *   `/oauth/callback`, tokens are stored sealed and refreshed.
 * - `client_credentials`: the gateway authenticates as itself, without anyone (machine to machine).
 */
export type UpstreamOAuthGrant = "authorization_code" | "client_credentials";

/** OAuth client settings of a remote server (docs/authentication.md, "Remote servers that need OAuth"). */
export interface UpstreamOAuthSpec {
  grant: UpstreamOAuthGrant;
  /** A pre-registered client id; undefined: a client ID metadata document or dynamic registration. */
  clientId: string | undefined;
  /** Its secret, `${VAR}` already resolved; undefined for a public client. */
  clientSecret: string | undefined;
  /** PEM private key of `clientId` for private_key_jwt client authentication (RFC 7523), `${VAR}` resolved. */
  privateKey: string | undefined;
  /** JWS algorithm of the private_key_jwt assertion. */
  signingAlgorithm: string;
  /** HTTPS URL of this gateway's client ID metadata document (CIMD), used when the server supports it. */
  clientMetadataUrl: string | undefined;
  /** Scopes to ask for; empty: what the server's challenge or metadata names. */
  scopes: readonly string[];
  /** Tokens belong to each principal (each authorizes for themselves) instead of to the whole gateway. */
  perPrincipal: boolean;
  /** Where the authorization server sends the code; undefined: the gateway's own URL + `/oauth/callback`. */
  redirectUrl: string | undefined;
}

/** Client features the gateway declares to a server and relays to the client whose call caused the request. */
export interface RelaySettings {
  sampling: boolean;
  elicitation: boolean;
  roots: boolean;
}

/**
 * The protocol era the gateway speaks to a server:
 * - `legacy`: 2025 era (initialize; one shared, stateful connection). Every server accepts it.
 * - `modern`: 2026-07-28 (server/discover, then a per-request envelope carrying each client's own
 *   capabilities; `input_required` results instead of server-initiated requests).
 * - `auto`: probe with server/discover, fall back to initialize.
 */
export const UPSTREAM_PROTOCOLS = ["legacy", "auto", "modern"] as const;
export type UpstreamProtocol = (typeof UPSTREAM_PROTOCOLS)[number];

export interface ServerSpec {
  name: string;
  enabled: boolean;
  lifecycle: Lifecycle;
  idleTimeoutMs: number;
  startTimeoutMs: number;
  healthCheckIntervalMs: number;
  timeoutMs: number;
  maxRetries: number;
  stopGraceMs: number;
  policies: PolicySpec;
  restart: RestartPolicy;
  relay: RelaySettings;
  protocol: UpstreamProtocol;
  description: string | undefined;
  tags: readonly string[];
  /** Output budget of this server's tool results in tokens (0: none); undefined: the gateway default. */
  maxResultTokens: number | undefined;
  /** Listing mode of the server's own endpoint (`/mcp/{server}`). */
  discovery: DiscoveryMode;
  /** Per-tool settings by the server's own tool name. */
  tools: Readonly<Record<string, ToolSettings>>;
  transport: TransportSpec;
  /** OAuth client settings of a remote server that needs a token; undefined: none. */
  oauth?: UpstreamOAuthSpec;
  /** Isolation of a stdio server; undefined when neither it nor serverDefaults sets one (it runs unconfined). */
  sandbox: SandboxProfile | undefined;
  /** What is pinned of the server's definitions and what new, changed or hostile-looking ones may do. */
  integrity: IntegritySettings;
  /**
   * Set on the spec of a per-principal instance (a server whose credentials or OAuth tokens belong to each
   * caller): the principal whose instance it is. Undefined for the shared instance.
   */
  principal?: string;
  /**
   * Credential slots by name: set, the server is per-principal (one instance per caller, started with that
   * caller's values and never anyone else's). Undefined for an ordinary, shared server.
   */
  credentials?: Readonly<Record<string, CredentialSlot>> | undefined;
  /** Most instances of a per-principal server at once (the least recently used idle one makes room). */
  maxInstances?: number;
}

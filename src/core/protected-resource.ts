// The OAuth 2.1 resource-server face of the gateway: RFC 9728 protected-resource metadata, where it is served,
// and the `WWW-Authenticate: Bearer` challenge of RFC 6750 §3 that points clients to it (MCP authorization).

/** The well-known suffix of RFC 9728 §3. */
export const PROTECTED_RESOURCE_WELL_KNOWN = "/.well-known/oauth-protected-resource";

export interface ProtectedResourceInput {
  /** The resource identifier: the endpoint's public URL, which tokens must name in `aud` (RFC 8707). */
  resource: string;
  /** Issuer URLs of the authorization servers that issue tokens for it. */
  authorizationServers: readonly string[];
  /** Scopes advertised to clients; left out when empty. */
  scopesSupported?: readonly string[];
  /** A human-readable name for consent screens. */
  resourceName?: string;
}

/** RFC 9728 §2 metadata; members with no value are left out. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: ["header"];
  resource_name?: string;
}

/** The metadata document; only the Authorization header carries tokens (never query strings or bodies). */
export function protectedResourceMetadata(input: ProtectedResourceInput): ProtectedResourceMetadata {
  const metadata: ProtectedResourceMetadata = {
    resource: input.resource,
    authorization_servers: [...input.authorizationServers],
    bearer_methods_supported: ["header"],
  };
  if (input.scopesSupported && input.scopesSupported.length > 0) metadata.scopes_supported = [...input.scopesSupported];
  if (input.resourceName !== undefined) metadata.resource_name = input.resourceName;
  return metadata;
}

/**
 * The path the metadata of the endpoint at `endpointPath` is served at: RFC 9728 §3.1 inserts the well-known
 * segment between the host and the path, so `/mcp/fs` → `/.well-known/oauth-protected-resource/mcp/fs` and
 * `/` (or "") → `/.well-known/oauth-protected-resource`.
 */
export function metadataPathFor(endpointPath: string): string {
  const path = endpointPath === "" || endpointPath === "/" ? "" : endpointPath;
  return `${PROTECTED_RESOURCE_WELL_KNOWN}${path.startsWith("/") || path === "" ? path : `/${path}`}`;
}

/** The absolute metadata URL of a resource URL (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`). */
export function metadataUrlFor(resource: string): string {
  const url = new URL(resource);
  return `${url.origin}${metadataPathFor(url.pathname)}${url.search}`;
}

export interface BearerChallenge {
  /** OAuth error code: `invalid_request`, `invalid_token` or `insufficient_scope`; absent when no credential came. */
  error?: string;
  /** A description for the developer (never the token). */
  description?: string;
  /** The metadata URL (RFC 9728 §5.1). */
  resourceMetadata?: string;
  /** Scopes the request needs, space-separated (with `insufficient_scope`). */
  scope?: string;
}

/** The `WWW-Authenticate` value: `Bearer` and its parameters as quoted strings (RFC 6750 §3). */
export function wwwAuthenticate(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.resourceMetadata !== undefined) params.push(param("resource_metadata", challenge.resourceMetadata));
  if (challenge.error !== undefined) params.push(param("error", challenge.error));
  if (challenge.description !== undefined) params.push(param("error_description", challenge.description));
  if (challenge.scope !== undefined) params.push(param("scope", challenge.scope));
  return params.length === 0 ? "Bearer" : `Bearer ${params.join(", ")}`;
}

/**
 * `name="value"` with `"` and `\` escaped; characters outside printable ASCII become `?`, because a header
 * value cannot carry them (a CR or LF would even split the response).
 */
function param(name: string, value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return `${name}="${printable.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

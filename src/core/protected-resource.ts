// OAuth 2.0 protected resource metadata (RFC 9728) and the WWW-Authenticate challenge (RFC 6750 §3).
// Placeholder until the tested version lands; the same signatures.

export function protectedResourceMetadata(input: {
  resource: string;
  authorizationServers: readonly string[];
  scopesSupported: readonly string[];
}): Record<string, unknown> {
  return {
    resource: input.resource,
    authorization_servers: [...input.authorizationServers],
    ...(input.scopesSupported.length > 0 ? { scopes_supported: [...input.scopesSupported] } : {}),
    bearer_methods_supported: ["header"],
  };
}

export function wwwAuthenticate(input: {
  error?: string | undefined;
  description?: string | undefined;
  resourceMetadata?: string | undefined;
  scope?: string | undefined;
}): string {
  const quote = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const params: string[] = [];
  if (input.error) params.push(`error=${quote(input.error)}`);
  if (input.description) params.push(`error_description=${quote(input.description)}`);
  if (input.scope) params.push(`scope=${quote(input.scope)}`);
  if (input.resourceMetadata) params.push(`resource_metadata=${quote(input.resourceMetadata)}`);
  return params.length > 0 ? `Bearer ${params.join(", ")}` : "Bearer";
}

export function metadataPathFor(endpointPath: string): string {
  return `/.well-known/oauth-protected-resource${endpointPath === "/" ? "" : endpointPath}`;
}

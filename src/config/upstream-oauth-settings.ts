// Normalisation of a remote server's `oauth` setting: `${VAR}` references resolved, defaults applied, and each
// problem reported with its path.
import type { ConfigProblem } from "../core/gateway-config.ts";
import type { UpstreamOAuthSpec } from "../core/server-spec.ts";
import { interpolate } from "./interpolate.ts";
import type { UpstreamOAuthEntry } from "./upstream-oauth-schema.ts";

export interface OAuthContext {
  /** Path of the `oauth` object, e.g. `servers.github.oauth`. */
  path: string;
  vars: Readonly<Record<string, string | undefined>>;
  problems: ConfigProblem[];
}

export function normalizeUpstreamOAuth(
  entry: UpstreamOAuthEntry | undefined,
  isRemote: boolean,
  ctx: OAuthContext,
): UpstreamOAuthSpec | undefined {
  if (entry === undefined) return undefined;
  const { path, problems } = ctx;
  if (!isRemote) {
    problems.push({ path, message: "`oauth` applies to remote servers (`url`) only" });
    return undefined;
  }
  const resolve = (text: string | undefined, key: string) => {
    if (text === undefined) return undefined;
    const { value, missing } = interpolate(text, ctx.vars);
    for (const name of missing)
      problems.push({ path: `${path}.${key}`, message: `environment variable ${name} is not set` });
    return value;
  };
  const spec: UpstreamOAuthSpec = {
    grant: entry.grant ?? "authorization_code",
    clientId: resolve(entry.clientId, "clientId"),
    clientSecret: resolve(entry.clientSecret, "clientSecret"),
    privateKey: resolve(entry.privateKey, "privateKey"),
    signingAlgorithm: entry.signingAlgorithm ?? "ES256",
    clientMetadataUrl: resolve(entry.clientMetadataUrl, "clientMetadataUrl"),
    scopes: entry.scopes ?? [],
    perPrincipal: entry.perPrincipal ?? false,
    redirectUrl: resolve(entry.redirectUrl, "redirectUrl"),
  };
  if (spec.grant === "client_credentials" && (!spec.clientId || (!spec.clientSecret && !spec.privateKey))) {
    problems.push({ path, message: "grant client_credentials needs clientId and clientSecret (or privateKey)" });
  }
  for (const key of ["clientSecret", "privateKey"] as const) {
    if (spec[key] !== undefined && spec.clientId === undefined)
      problems.push({ path: `${path}.${key}`, message: `${key} needs clientId` });
  }
  if (spec.clientSecret !== undefined && spec.privateKey !== undefined) {
    problems.push({ path: `${path}.privateKey`, message: "give clientSecret or privateKey, not both" });
  }
  if (spec.clientMetadataUrl !== undefined && !isHttpsWithPath(spec.clientMetadataUrl)) {
    problems.push({
      path: `${path}.clientMetadataUrl`,
      message: `"${spec.clientMetadataUrl}" is not an https URL with a path (a client ID metadata document URL)`,
    });
  }
  if (spec.redirectUrl !== undefined && !isHttpUrl(spec.redirectUrl)) {
    problems.push({ path: `${path}.redirectUrl`, message: `"${spec.redirectUrl}" is not an http(s) URL` });
  }
  return Object.freeze({ ...spec, scopes: Object.freeze([...spec.scopes]) });
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

function isHttpsWithPath(text: string): boolean {
  const url = parseUrl(text);
  return url !== null && url.protocol === "https:" && url.pathname !== "/";
}

function isHttpUrl(text: string): boolean {
  const url = parseUrl(text);
  return url !== null && (url.protocol === "http:" || url.protocol === "https:");
}

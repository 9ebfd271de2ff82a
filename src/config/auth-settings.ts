// Normalizes gateway.auth into AuthSettings: what a mode needs must be present, algorithms must be asymmetric,
// URLs must be absolute and use https (http only on a loopback host). Every problem names its JSON path.
import type { ConfigProblem } from "../core/gateway-config.ts";
import type { AuthSettings, JwtSettings, OAuthResourceSettings } from "../core/identity.ts";
import { ASYMMETRIC_JWS_ALGORITHMS, isSymmetricOrNone } from "../core/jws-algorithms.ts";
import type { AuthSection } from "./auth-schema.ts";

const PATH = "gateway.auth";

export function normalizeAuth(section: AuthSection, problems: ConfigProblem[]): AuthSettings {
  const needsJwt = section.mode === "jwt" || section.mode === "oauth";
  const jwt = normalizeJwt(section.jwt, needsJwt, problems);
  const oauth = section.mode === "oauth" ? normalizeOAuth(section.oauth, problems) : undefined;
  const publicUrl = section.publicUrl === undefined ? undefined : baseUrl(section.publicUrl, problems);
  return {
    mode: section.mode,
    publicUrl,
    acceptApiKeys: section.acceptApiKeys,
    jwt: needsJwt ? jwt : undefined,
    oauth,
    adminGroups: [...section.adminGroups],
    adminScope: section.adminScope,
    keyCacheMs: section.keyCacheMs,
  };
}

/** JWT settings; the fields a mode needs are checked only when it needs them, the rest whenever they are set. */
function normalizeJwt(jwt: AuthSection["jwt"], required: boolean, problems: ConfigProblem[]): JwtSettings | undefined {
  const path = `${PATH}.jwt`;
  const missing = (["jwksUrl", "issuer", "audiences"] as const).filter((key) => jwt[key] === undefined);
  if (required) {
    for (const key of missing) {
      problems.push({ path: `${path}.${key}`, message: `required when gateway.auth.mode is jwt or oauth` });
    }
  }
  const jwksUrl = jwt.jwksUrl === undefined ? undefined : httpsUrl(jwt.jwksUrl, `${path}.jwksUrl`, problems);
  const algorithms = checkAlgorithms(jwt.algorithms, `${path}.algorithms`, problems);
  if (jwksUrl === undefined || jwt.issuer === undefined || jwt.audiences === undefined) return undefined;
  return {
    jwksUrl,
    issuer: jwt.issuer,
    audiences: typeof jwt.audiences === "string" ? [jwt.audiences] : [...jwt.audiences],
    algorithms,
    clockSkewMs: jwt.clockSkewMs,
    principalClaim: jwt.principalClaim,
    groupsClaim: jwt.groupsClaim,
    jwksCacheMs: jwt.jwksCacheMs,
    jwksMinRefreshMs: jwt.jwksMinRefreshMs,
    jwksTimeoutMs: jwt.jwksTimeoutMs,
  };
}

function checkAlgorithms(algorithms: readonly string[], path: string, problems: ConfigProblem[]): string[] {
  algorithms.forEach((alg, i) => {
    if (isSymmetricOrNone(alg)) {
      const why =
        alg.toLowerCase() === "none"
          ? "a token without a signature proves nothing"
          : "symmetric algorithms are refused: a public key must never verify an HMAC";
      problems.push({ path: `${path}[${i}]`, message: `"${alg}" is refused: ${why}` });
    } else if (!ASYMMETRIC_JWS_ALGORITHMS.includes(alg)) {
      problems.push({
        path: `${path}[${i}]`,
        message: `unknown algorithm "${alg}" (one of ${ASYMMETRIC_JWS_ALGORITHMS.join(", ")})`,
      });
    }
  });
  return [...new Set(algorithms)];
}

function normalizeOAuth(oauth: AuthSection["oauth"], problems: ConfigProblem[]): OAuthResourceSettings {
  const path = `${PATH}.oauth.authorizationServers`;
  if (oauth.authorizationServers.length === 0) {
    problems.push({ path, message: "mode oauth needs at least one authorization server (its issuer URL)" });
  }
  oauth.authorizationServers.forEach((server, i) => {
    httpsUrl(server, `${path}[${i}]`, problems);
  });
  return {
    authorizationServers: [...oauth.authorizationServers],
    scopesSupported: [...oauth.scopesSupported],
    requiredScopes: [...oauth.requiredScopes],
  };
}

/** The public base URL without a trailing slash; a query or fragment cannot be part of a resource identifier. */
function baseUrl(value: string, problems: ConfigProblem[]): string | undefined {
  const path = `${PATH}.publicUrl`;
  const url = httpsUrl(value, path, problems);
  if (url === undefined) return undefined;
  const parsed = new URL(url);
  if (parsed.search !== "" || parsed.hash !== "" || url.includes("#") || url.includes("?")) {
    problems.push({ path, message: "must not have a query or fragment (RFC 8707 resource identifier)" });
    return undefined;
  }
  return url.replace(/\/+$/, "");
}

/** An absolute https URL, or http on a loopback host (a local identity provider); else a problem. */
function httpsUrl(value: string, path: string, problems: ConfigProblem[]): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push({ path, message: "not a valid absolute URL" });
    return undefined;
  }
  if (url.protocol === "https:") return value;
  if (url.protocol === "http:") {
    if (isLoopbackHostname(url.hostname)) return value;
    problems.push({
      path,
      message: "must use https (http is allowed only for loopback hosts: 127.0.0.1, [::1], localhost)",
    });
    return undefined;
  }
  problems.push({ path, message: `expected an https:// URL, not ${url.protocol}//` });
  return undefined;
}

/** localhost, [::1] and 127.0.0.0/8 literals; `127.example.com` is a DNS name, not a loopback address. */
function isLoopbackHostname(hostname: string): boolean {
  if (hostname === "localhost" || hostname === "[::1]") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

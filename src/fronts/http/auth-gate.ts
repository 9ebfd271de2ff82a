// Authentication on the HTTP front: which routes are public, who the caller of the others is, the admin check,
// the 401/403 challenge (WWW-Authenticate with the resource metadata URL, RFC 6750 / RFC 9728) and the
// protected-resource metadata documents themselves.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isSwitchboardError, SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import { ANONYMOUS, type AuthSettings, type Principal } from "../../core/identity.ts";
import { metadataPathFor, protectedResourceMetadata, wwwAuthenticate } from "../../core/protected-resource.ts";
import { type BucketLimit, type BucketState, levelAt, msUntilToken } from "../../core/token-bucket.ts";
import type { Authenticator } from "../../services/identity/authenticator.ts";
import { addressOf } from "./client-key.ts";
import { sendJson } from "./respond.ts";

const METADATA_ROOT = "/.well-known/oauth-protected-resource";
/** Routes every caller may use: probes, the root document, well-known documents and the OAuth redirect (it checks its own state). */
const PUBLIC_PATHS = new Set(["/", "/health/live", "/health/ready", "/oauth/callback"]);
const isPublic = (path: string) => PUBLIC_PATHS.has(path) || path.startsWith("/.well-known/");
/**
 * Refused credentials one client address may send (20 at once, then one a second): past that its requests are
 * answered `rate_limited` without being verified, so a flood of made-up keys from one address cannot fill the
 * gateway-wide verification line and lock out other clients' first requests.
 */
const FAILURE_LIMIT: BucketLimit = { perMinute: 60, capacity: 20 };
/** Addresses whose failures are remembered at most (the least recently refused is forgotten first). */
const MAX_FAILING_ADDRESSES = 10_000;
/** A server name as the metadata path may carry it (the same rule as configured names). */
const SERVER_SEGMENT = /^\/mcp(?:\/[A-Za-z0-9_.-]{1,64})?$/;

export interface AuthGate {
  /** Whether authentication is on at all. */
  readonly enabled: boolean;
  /** Answers GET /.well-known/oauth-protected-resource[/mcp[/{server}]]; false for any other path. */
  metadata(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** The caller of a request to `path`: ANONYMOUS on public routes and with authentication off. */
  callerOf(req: IncomingMessage, path: string): Promise<Principal>;
  /** Throws `forbidden` unless the principal may use the admin API (and metrics). */
  requireAdmin(principal: Principal, path: string): void;
  /** Whether the principal has admin rights (always, with authentication off). */
  isAdmin(principal: Principal): boolean;
  /** Sets WWW-Authenticate on a 401 (and on a 403 for a missing scope) before the error is sent. */
  challenge(req: IncomingMessage, res: ServerResponse, error: unknown, path: string): void;
}

export function createAuthGate(
  settings: AuthSettings,
  authenticator: Authenticator | undefined,
  boundUrl: () => string,
  events?: EventBus,
  trustProxyHops = 0,
): AuthGate {
  const failures = new Map<string, BucketState>();
  // Only refusals are recorded: a client that presents good credentials never pays, however busy it is. A burst
  // of concurrent bad ones all pass the check once (the verification line bounds that), the next ones do not.
  const recordFailure = (address: string, level: number) => {
    failures.delete(address);
    failures.set(address, { tokens: level - 1, updatedAt: Date.now() });
    if (failures.size > MAX_FAILING_ADDRESSES) failures.delete(failures.keys().next().value as string);
  };
  const enabled = settings.mode !== "none" && authenticator !== undefined;
  const baseOf = (req: IncomingMessage) =>
    (settings.publicUrl ?? (req.headers.host ? `http://${req.headers.host}` : boundUrl())).replace(/\/+$/, "");
  const servesMetadata = enabled && settings.oauth !== undefined;
  /**
   * The resource a path belongs to: `/mcp` or `/mcp/{server}` (the name decoded, as routing decodes it) for MCP
   * endpoints, the gateway itself ("") otherwise.
   */
  const resourcePathOf = (path: string) => {
    if (path === "/mcp") return path;
    if (!path.startsWith("/mcp/")) return "";
    try {
      return `/mcp/${decodeURIComponent(path.slice(5))}`;
    } catch {
      return ""; // routing refuses the malformed name
    }
  };
  return {
    enabled,
    metadata(req, res, path) {
      if (!path.startsWith(METADATA_ROOT)) return false;
      const resourcePath = path.slice(METADATA_ROOT.length);
      if (!servesMetadata || (resourcePath !== "" && !SERVER_SEGMENT.test(resourcePath))) return false;
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("allow", "GET");
        throw new SwitchboardError("method_not_allowed", `${req.method} is not allowed on ${path}`);
      }
      const oauth = settings.oauth as NonNullable<AuthSettings["oauth"]>;
      const body = protectedResourceMetadata({
        resource: `${baseOf(req)}${resourcePath}`,
        authorizationServers: oauth.authorizationServers,
        scopesSupported: oauth.scopesSupported,
      });
      // Public and the same for everyone: clients and proxies may keep it for a while.
      sendJson(res, 200, JSON.stringify(body), { "cache-control": "public, max-age=300" });
      return true;
    },
    async callerOf(req, path) {
      if (!enabled || isPublic(path)) return ANONYMOUS;
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(", ") : value;
      };
      const address = addressOf(req, trustProxyHops);
      const now = Date.now();
      const level = levelAt(failures.get(address), FAILURE_LIMIT, now);
      try {
        if (level < 1) {
          throw new SwitchboardError(
            "rate_limited",
            "too many refused credentials from this address; try again later",
            {
              data: { retryAfterMs: msUntilToken(level, FAILURE_LIMIT), scope: "authFailures" },
            },
          );
        }
        const principal = await (authenticator as Authenticator).authenticate({
          authorization: header("authorization"),
          apiKey: header("x-api-key"),
        });
        if (settings.mode === "oauth" && resourcePathOf(path) !== "") {
          checkResource(principal, resourcePathOf(path));
        }
        events?.emit("auth-checked", { outcome: "accepted", via: principal.via, principal: principal.name, path });
        return principal;
      } catch (error) {
        const data = isSwitchboardError(error) ? error.data : undefined;
        const reason =
          typeof data?.error === "string"
            ? data.error
            : isSwitchboardError(error, "unauthenticated")
              ? "missing"
              : isSwitchboardError(error)
                ? error.code
                : "internal";
        events?.emit("auth-checked", { outcome: "refused", via: settings.mode, reason, path });
        // Only a credential that had to be checked counts (a missing or malformed one costs nothing to refuse).
        if (reason === "invalid_token")
          recordFailure(address, levelAt(failures.get(address), FAILURE_LIMIT, Date.now()));
        throw error;
      }
    },
    isAdmin(principal) {
      return !enabled || (authenticator as Authenticator).isAdmin(principal);
    },
    requireAdmin(principal, path) {
      if (!enabled || isPublic(path) || (authenticator as Authenticator).isAdmin(principal)) return;
      events?.emit("auth-checked", {
        outcome: "refused",
        via: principal.via,
        reason: "not_admin",
        principal: principal.name,
        path,
      });
      throw new SwitchboardError(
        "forbidden",
        `${path} needs admin rights: a group in gateway.auth.adminGroups or the scope ${settings.adminScope}`,
        { data: { error: "insufficient_scope", scope: settings.adminScope } },
      );
    },
    challenge(req, res, error, path) {
      if (!enabled || res.headersSent) return;
      const unauthenticated = isSwitchboardError(error, "unauthenticated");
      const scoped = isSwitchboardError(error, "forbidden") && error.data?.error === "insufficient_scope";
      if (!unauthenticated && !scoped) return;
      const data = (error as SwitchboardError).data ?? {};
      const resourceMetadata = servesMetadata
        ? `${baseOf(req)}${metadataPathFor(resourcePathOf(path) || "/")}`
        : undefined;
      // A 401 from an MCP endpoint names the scopes a token will need (MCP authorization, RFC 6750 §3), so the
      // client asks for them in its first authorization instead of learning them from a 403 afterwards.
      const required = servesMetadata && resourcePathOf(path) !== "" ? (settings.oauth?.requiredScopes ?? []) : [];
      const scope = typeof data.scope === "string" ? data.scope : required.length > 0 ? required.join(" ") : undefined;
      res.setHeader(
        "www-authenticate",
        wwwAuthenticate({
          error: typeof data.error === "string" ? data.error : undefined,
          description: typeof data.error === "string" ? (error as Error).message : undefined,
          scope,
          resourceMetadata,
        }),
      );
    },
  };
}

/**
 * RFC 8707 in oauth mode: a token issued for one of this gateway's MCP resources is good for that resource and what
 * lies under it (a token for `/mcp` serves `/mcp/{server}`; one for `/mcp/a` does not serve `/mcp/b` or `/mcp`).
 * Compared by path, decoded: the audience was already matched against jwt.audiences, and the Host of a request
 * must not decide whether the binding applies. Audiences that are not such URLs (a logical API name) bind nothing.
 */
function checkResource(principal: Principal, resourcePath: string): void {
  const paths = (principal.audiences ?? []).map(mcpPathOf).filter((path): path is string => path !== undefined);
  if (paths.length === 0) return;
  if (paths.some((p) => p === "" || resourcePath === p || resourcePath.startsWith(`${p}/`))) return;
  throw new SwitchboardError("unauthenticated", `the token was issued for another resource than ${resourcePath}`, {
    data: { error: "invalid_token" },
  });
}

/** The decoded path of an http(s) audience naming the gateway (`""`) or an MCP endpoint (`/mcp…`); else undefined. */
function mcpPathOf(audience: string): string | undefined {
  try {
    const url = new URL(audience);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    const path = decodeURIComponent(url.pathname).replace(/\/+$/, "");
    return path === "" || path === "/mcp" || path.startsWith("/mcp/") ? path : undefined;
  } catch {
    return undefined;
  }
}

// Admin route POST /servers/{name}/authorize: starts the OAuth authorization of a remote server and answers
// `{ authorizationUrl, expiresAt }` (a person opens it; the code comes back to /oauth/callback), or
// `{ authorized: true }` when the stored tokens already work. Body (optional): `{ "principal": "alice" }` for a
// server with per-principal tokens (default: the caller). Admins may authorize any server for anyone; any other
// principal only a per-principal server, for itself.
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import { ANONYMOUS, type Principal } from "../../core/identity.ts";
import type { UpstreamAuthorizer } from "../../ports/upstream-authorizer.ts";
import { decodePathSegment, readBody } from "./guards.ts";
import { sendJson } from "./respond.ts";

const MAX_BODY_BYTES = 4096;

export interface AuthorizeRouteDeps {
  /** Undefined when no server uses OAuth. */
  readonly upstreamOAuth?: UpstreamAuthorizer | undefined;
  /** Whether a server's tokens belong to each principal. */
  readonly supervisor: { isPerPrincipal(name: string): boolean };
}

/** Handles the route and returns true, or returns false when the path is not /servers/{name}/authorize. */
export async function handleAuthorizeRoute(
  deps: AuthorizeRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  caller: Principal = ANONYMOUS,
  admin = true,
): Promise<boolean> {
  const match = /^\/servers\/([^/]+)\/authorize$/.exec(path);
  if (!match) return false;
  if (req.method !== "POST") {
    res.setHeader("allow", "POST");
    throw new SwitchboardError("method_not_allowed", `${req.method} is not allowed on ${path}`);
  }
  const name = decodePathSegment(match[1] as string);
  const asked = parsePrincipal(await readBody(req, MAX_BODY_BYTES));
  const perPrincipal = deps.supervisor.isPerPrincipal(name);
  if (!admin && (!perPrincipal || (asked !== undefined && asked !== caller.name))) {
    throw new SwitchboardError(
      "forbidden",
      perPrincipal
        ? "only admins may authorize a server for another principal"
        : `only admins may authorize server ${name}: its tokens are the whole gateway's`,
      { data: { error: "insufficient_scope" } },
    );
  }
  const principal = perPrincipal ? (asked ?? caller.name) : asked;
  if (!deps.upstreamOAuth)
    throw new SwitchboardError("invalid_params", `server ${name} does not use OAuth (no \`oauth\` setting)`);
  const gone = new AbortController();
  res.once("close", () => gone.abort(new Error("client closed the connection")));
  const outcome = await deps.upstreamOAuth.authorize(name, principal, gone.signal);
  sendJson(res, 200, JSON.stringify({ server: name, ...outcome }));
  return true;
}

function parsePrincipal(body: string): string | undefined {
  if (body.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new SwitchboardError("invalid_params", 'the body must be JSON: {} or { "principal": "name" }');
  }
  const principal = (parsed as { principal?: unknown } | null)?.principal;
  if (principal === undefined) return undefined;
  if (typeof principal !== "string" || principal === "")
    throw new SwitchboardError("invalid_params", "`principal` must be a non-empty string");
  return principal;
}

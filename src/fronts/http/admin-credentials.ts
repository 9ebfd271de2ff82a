// Routes of per-principal credentials: PUT /credentials/{server}/{slot} stores a value (body
// {value, principal?}; the principal defaults to the caller), GET /credentials lists what is stored (keys only,
// never values; ?server= and ?principal= filter), DELETE /credentials/{server}/{slot}[?principal=] removes one.
// Every authenticated principal may manage its own values; only admins may name another principal.
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import { ANONYMOUS, type Principal } from "../../core/identity.ts";
import { type Credentials, MAX_CREDENTIAL_BYTES } from "../../services/identity/credentials.ts";
import { decodePathSegment, readBody } from "./guards.ts";
import { sendJson } from "./respond.ts";

/** Room for the JSON around the longest value. */
const MAX_BODY_BYTES = MAX_CREDENTIAL_BYTES * 2 + 4096;

/**
 * Handles the route and returns true, or returns false when the path is not under /credentials. Throws (for the
 * admin API to answer) on a bad method, body or name. `principal` is the authenticated caller; `admin` whether
 * it may act for other principals.
 */
export async function handleCredentialsRoute(
  credentials: Pick<Credentials, "set" | "list" | "delete">,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  principal: Principal = ANONYMOUS,
  admin = true,
): Promise<boolean> {
  if (pathname !== "/credentials" && !pathname.startsWith("/credentials/")) return false;
  const whose = (asked: string | null | undefined): string => {
    if (asked === null || asked === undefined || asked === principal.name) return principal.name;
    if (!admin) {
      throw new SwitchboardError("forbidden", "only admins may manage another principal's credentials", {
        data: { error: "insufficient_scope" },
      });
    }
    return asked;
  };
  const method = req.method ?? "GET";
  const { searchParams } = new URL(req.url ?? "/", "http://admin.invalid");
  if (pathname === "/credentials") {
    if (method !== "GET") return notAllowed(res, "GET", method, pathname);
    const server = searchParams.get("server") ?? undefined;
    const who = admin ? (searchParams.get("principal") ?? undefined) : whose(searchParams.get("principal"));
    const keys = await credentials.list({ ...(server ? { server } : {}), ...(who ? { principal: who } : {}) });
    sendJson(res, 200, JSON.stringify({ credentials: keys }));
    return true;
  }
  const match = /^\/credentials\/([^/]+)\/([^/]+)$/.exec(pathname);
  if (!match) throw new SwitchboardError("method_not_found", `no admin route ${pathname}`);
  const server = decodePathSegment(match[1] as string);
  const slot = decodePathSegment(match[2] as string);
  if (method === "PUT") {
    const body = parseBody(await readBody(req, MAX_BODY_BYTES));
    const key = { server, slot, principal: whose(body.principal) };
    await credentials.set(key, body.value);
    sendJson(res, 200, JSON.stringify({ success: true, ...key }));
    return true;
  }
  if (method === "DELETE") {
    const key = { server, slot, principal: whose(searchParams.get("principal")) };
    const deleted = await credentials.delete(key);
    sendJson(res, 200, JSON.stringify({ success: true, deleted, ...key }));
    return true;
  }
  return notAllowed(res, "PUT, DELETE", method, pathname);
}

function parseBody(text: string): { value: string; principal?: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SwitchboardError("invalid_request", 'the body must be JSON: {"value": "…", "principal"?: "…"}');
  }
  const { value, principal } = (body ?? {}) as Record<string, unknown>;
  if (typeof value !== "string")
    throw new SwitchboardError("invalid_params", "the body needs `value`, the credential as a string");
  if (principal !== undefined && (typeof principal !== "string" || principal === ""))
    throw new SwitchboardError("invalid_params", "`principal` must be a non-empty string");
  return principal === undefined ? { value } : { value, principal };
}

function notAllowed(res: ServerResponse, allow: string, method: string, path: string): never {
  res.setHeader("allow", allow);
  throw new SwitchboardError("method_not_allowed", `${method} is not allowed on ${path}`);
}

// Admin routes over the state layer: the audit log (GET /audit) and a server's registry items with their
// definition hashes and dates (GET /servers/{name}/registry).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GatewayState } from "../../app/index.ts";
import { SwitchboardError } from "../../core/errors.ts";
import { AUDIT_ACTIONS, type AuditAction, type AuditQuery } from "../../ports/audit-log.ts";
import type { AuditRecorder } from "../../services/audit/audit-recorder.ts";
import type { Supervisor } from "../../services/supervisor/supervisor.ts";
import { decodePathSegment } from "./guards.ts";
import { sendJson } from "./respond.ts";

const AUDIT_FLUSH_WAIT_MS = 2_000;

/** What the audit and registry routes read. */
export interface StateRouteDeps {
  readonly audit: Pick<AuditRecorder, "flush" | "status">;
  readonly state: Pick<GatewayState, "audit" | "registry">;
  readonly supervisor: Pick<Supervisor, "get">;
}

/** Handles the route and returns true, or returns false when the path is not one of these. Throws on bad input. */
export async function handleStateRoute(
  gateway: StateRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (path === "/audit") {
    allowGet(req, path);
    const query = auditQuery(new URL(req.url ?? "/", "http://gateway").searchParams);
    // Read-your-writes: records of calls that just finished are written first (bounded wait).
    await Promise.race([gateway.audit.flush(), delay(AUDIT_FLUSH_WAIT_MS)]);
    // A database that cannot be reached rejects with storage_unavailable (503) from the store itself.
    const records = await gateway.state.audit.query(query);
    sendJson(res, 200, JSON.stringify({ records, pending: gateway.audit.status().pending }));
    return true;
  }
  const match = /^\/servers\/([^/]+)\/registry$/.exec(path);
  if (match) {
    allowGet(req, path);
    const server = decodePathSegment(match[1] as string);
    gateway.supervisor.get(server); // server_not_found for a name not configured
    const [snapshot, items] = await Promise.all([
      gateway.state.registry.getServer(server),
      gateway.state.registry.items({ server }),
    ]);
    sendJson(res, 200, JSON.stringify({ server, config: snapshot ?? null, items }));
    return true;
  }
  return false;
}

function allowGet(req: IncomingMessage, path: string): void {
  if ((req.method ?? "GET") === "GET") return;
  throw new SwitchboardError("method_not_allowed", `${req.method} is not allowed on ${path}`);
}

/**
 * Parses `server`, `tool`, `principal`, `since` (ISO time), `action` (call, approve, reject) and `limit`
 * (1…1000); anything else is a 400 naming the problem.
 */
export function auditQuery(params: URLSearchParams): AuditQuery {
  const query: AuditQuery = {};
  const problems: string[] = [];
  for (const key of params.keys()) {
    if (!["server", "tool", "principal", "since", "action", "limit"].includes(key))
      problems.push(`unknown parameter "${key}"`);
  }
  const server = params.get("server");
  if (server !== null) query.server = server;
  const tool = params.get("tool");
  if (tool !== null) query.tool = tool;
  const principal = params.get("principal");
  if (principal !== null) query.principal = principal;
  const since = params.get("since");
  if (since !== null) {
    if (Number.isNaN(Date.parse(since))) problems.push(`since: ${JSON.stringify(since)} is not an ISO time`);
    else query.since = since;
  }
  const action = params.get("action");
  if (action !== null) {
    if ((AUDIT_ACTIONS as readonly string[]).includes(action)) query.action = action as AuditAction;
    else problems.push(`action: one of ${AUDIT_ACTIONS.join(", ")}`);
  }
  const limit = params.get("limit");
  if (limit !== null) {
    const n = Number(limit);
    if (!/^\d+$/.test(limit) || n < 1 || n > 1000) problems.push("limit: an integer from 1 to 1000");
    else query.limit = n;
  }
  if (problems.length > 0) throw new SwitchboardError("invalid_params", problems.join("; "), { data: { problems } });
  return query;
}

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

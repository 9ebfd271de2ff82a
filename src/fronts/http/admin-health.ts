// Health routes: GET /health (the full document), /health/live (the process serves HTTP), /health/ready (not
// while starting or draining for shutdown) and /health/servers/{name} (one server's health).
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import { decodePathSegment } from "./guards.ts";
import { type FrontInfo, type HealthSources, healthDocument, notReadyReason, serverHealth } from "./health-document.ts";
import { sendJson } from "./respond.ts";

/** Probes must never be cached by a proxy in between. */
const NO_STORE = { "cache-control": "no-store" };

/** Handles the route and returns true, or returns false when the path is not a health route. */
export async function handleHealthRoute(
  gateway: HealthSources,
  front: FrontInfo | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (path !== "/health" && !path.startsWith("/health/")) return false;
  const server = /^\/health\/servers\/([^/]+)$/.exec(path);
  if (path !== "/health" && path !== "/health/live" && path !== "/health/ready" && !server) return false;
  if ((req.method ?? "GET") !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    throw new SwitchboardError("method_not_allowed", `${req.method} is not allowed on ${path}`);
  }
  if (path === "/health/live") {
    sendJson(res, 200, JSON.stringify({ status: "alive" }), NO_STORE);
  } else if (path === "/health/ready") {
    const reason = notReadyReason(gateway, front);
    const body = reason ? { status: "not_ready", reason } : { status: "ready" };
    sendJson(res, reason ? 503 : 200, JSON.stringify(body), NO_STORE);
  } else if (server) {
    const health = serverHealth(gateway, decodePathSegment(server[1] as string));
    sendJson(res, health.status === "unhealthy" ? 503 : 200, JSON.stringify(health), NO_STORE);
  } else {
    const document = await healthDocument(gateway, front);
    sendJson(res, document.status === "unhealthy" ? 503 : 200, JSON.stringify(document), NO_STORE);
  }
  return true;
}

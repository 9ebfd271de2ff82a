// Admin routes for API keys: GET /keys (list, never hashes), POST /keys (create; the key is in this answer
// only), DELETE /keys/{id} (revoke).
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import type { ApiKeys } from "../../services/identity/api-keys.ts";
import { decodePathSegment, readBody } from "./guards.ts";
import { sendJson } from "./respond.ts";

/** A create request is a few short fields; anything larger is refused before parsing. */
const MAX_KEY_BODY_BYTES = 64 * 1024;
/** The answer to a create holds a secret: no cache may keep it. */
const NO_STORE = { "cache-control": "no-store" };

/** Handles the route and returns true, or returns false when the path is not /keys or /keys/{id}. */
export async function handleKeysRoute(
  apiKeys: ApiKeys | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const match = /^\/keys(?:\/([^/]+))?$/.exec(path);
  if (!match) return false;
  const method = req.method ?? "GET";
  const id = match[1] === undefined ? undefined : decodePathSegment(match[1]);
  const allowed = id === undefined ? "GET, POST" : "DELETE";
  if (!allowed.split(", ").includes(method)) {
    res.setHeader("allow", allowed);
    throw new SwitchboardError("method_not_allowed", `${method} is not allowed on ${path}`);
  }
  if (apiKeys === undefined) {
    throw new SwitchboardError("method_not_found", "API keys are not available on this gateway (no key store)");
  }
  if (id !== undefined) {
    if (!(await apiKeys.revoke(id))) {
      throw new SwitchboardError("resource_not_found", `no active API key with id "${id.slice(0, 64)}"`);
    }
    sendJson(res, 200, JSON.stringify({ revoked: true, id }));
  } else if (method === "GET") {
    sendJson(res, 200, JSON.stringify({ keys: await apiKeys.list() }));
  } else {
    const { key, record } = await apiKeys.create(await createBody(req));
    const { id: keyId, principal, groups, expiresAt, createdAt, description } = record;
    const body = { key, id: keyId, principal, groups, expiresAt, createdAt, description };
    sendJson(res, 201, JSON.stringify(body), NO_STORE);
  }
  return true;
}

/** The create request's fields; their values are checked by the service. */
async function createBody(req: IncomingMessage): Promise<Parameters<ApiKeys["create"]>[0]> {
  // JSON only: a cross-site form cannot send it without a CORS preflight.
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    req.resume();
    throw new SwitchboardError("invalid_request", "send the new key's fields as a JSON object (application/json)");
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, MAX_KEY_BODY_BYTES));
  } catch (error) {
    if (error instanceof SwitchboardError) throw error;
    throw new SwitchboardError("invalid_request", `the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SwitchboardError(
      "invalid_request",
      "the body must be a JSON object: {principal, groups?, expiresAt?, description?}",
    );
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !CREATE_FIELDS.has(name));
  if (unknown.length > 0) {
    throw new SwitchboardError(
      "invalid_params",
      `unknown field(s) ${unknown.join(", ")}; expected ${[...CREATE_FIELDS].join(", ")}`,
    );
  }
  return fields as unknown as Parameters<ApiKeys["create"]>[0];
}

const CREATE_FIELDS = new Set(["principal", "groups", "expiresAt", "description"]);

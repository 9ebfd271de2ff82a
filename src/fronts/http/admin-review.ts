// Review routes of tool integrity: GET /tools/pending[?server=&all=1] lists what waits for review (or every pin),
// GET /tools/diff?item=SERVER/NAME[&kind=] shows its field-by-field changes, POST /tools/approve and
// POST /tools/reject decide ({items: ["SERVER/NAME", ...], kind?, hash?} or {server}); the deciding principal
// is recorded in the audit log.
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import { ANONYMOUS, type Principal } from "../../core/identity.ts";
import type { PinnedKind } from "../../core/integrity.ts";
import { parseItemRef, type ToolReview } from "../../services/integrity/tool-review.ts";
import { readBody } from "./guards.ts";
import { sendJson } from "./respond.ts";

/** A decision names items; a few KiB is plenty. */
const MAX_BODY_BYTES = 256 * 1024;

/** Handles the route and returns true, or returns false when the path is not a review route. */
export async function handleReviewRoute(
  review: ToolReview | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  principal: Principal = ANONYMOUS,
): Promise<boolean> {
  const route = /^\/tools\/(pending|diff|approve|reject)$/.exec(path)?.[1];
  if (!route) return false;
  const method = req.method ?? "GET";
  const wanted = route === "pending" || route === "diff" ? "GET" : "POST";
  if (method !== wanted) {
    req.resume();
    res.setHeader("allow", wanted);
    throw new SwitchboardError("method_not_allowed", `${method} is not allowed on ${path}`);
  }
  if (!review) throw new SwitchboardError("method_not_found", "tool integrity is not available on this gateway");
  const { searchParams } = new URL(req.url ?? "/", "http://admin.invalid");
  if (route === "pending") {
    const server = searchParams.get("server") ?? undefined;
    const all = ["1", "true"].includes(searchParams.get("all") ?? "");
    sendJson(res, 200, JSON.stringify({ items: await review.pending({ ...(server ? { server } : {}), all }) }));
    return true;
  }
  if (route === "diff") {
    const item = searchParams.get("item");
    if (!item) throw new SwitchboardError("invalid_params", "name the item: ?item=SERVER/NAME[&kind=prompt]");
    const kind = (searchParams.get("kind") ?? "tool") as PinnedKind;
    sendJson(res, 200, JSON.stringify(await review.diff(parseItemRef(item, kind))));
    return true;
  }
  const body = parseDecision(await readBody(req, MAX_BODY_BYTES));
  const target =
    body.server !== undefined
      ? { server: body.server }
      : { refs: (body.items ?? []).map((ref) => parseItemRef(ref, body.kind ?? "tool")) };
  const result = await review.decide(target, route as "approve" | "reject", principal.name, body.hash);
  sendJson(res, 200, JSON.stringify(result));
  return true;
}

interface DecisionBody {
  items?: string[];
  server?: string;
  kind?: PinnedKind;
  hash?: string;
}

function parseDecision(text: string): DecisionBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new SwitchboardError("invalid_request", `the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SwitchboardError("invalid_params", 'send {"items": ["SERVER/NAME", ...]} or {"server": "NAME"}');
  }
  const { items, server, kind, hash, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new SwitchboardError("invalid_params", `unknown field(s) ${unknown.join(", ")}`);
  if ((items === undefined) === (server === undefined)) {
    throw new SwitchboardError("invalid_params", "give either items or server");
  }
  if (items !== undefined && (!Array.isArray(items) || !items.every((i) => typeof i === "string"))) {
    throw new SwitchboardError("invalid_params", "items must be an array of SERVER/NAME strings");
  }
  for (const [name, value] of Object.entries({ server, kind, hash })) {
    if (value !== undefined && typeof value !== "string")
      throw new SwitchboardError("invalid_params", `${name} must be a string`);
  }
  return body as DecisionBody;
}

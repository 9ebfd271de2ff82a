// Admin route GET /tokens: the estimated token cost of the full and progressive tool listings and what output
// budgets saved (the report of services/tokens, counted on first request and cached per catalog).
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import type { TokenAccounting } from "../../services/tokens/token-accounting.ts";
import { sendJson } from "./respond.ts";

/** Handles the route and returns true, or returns false when the path is not /tokens. Throws on a bad method. */
export async function handleTokensRoute(
  tokens: Pick<TokenAccounting, "report">,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (path !== "/tokens") return false;
  if ((req.method ?? "GET") !== "GET") {
    res.setHeader("allow", "GET");
    throw new SwitchboardError("method_not_allowed", `${req.method} is not allowed on ${path}`);
  }
  // A client that goes away stops waiting; the count itself goes on and is cached for the next request.
  const gone = new AbortController();
  res.once("close", () => gone.abort(new Error("client closed the connection")));
  let report: Awaited<ReturnType<TokenAccounting["report"]>>;
  try {
    report = await tokens.report(gone.signal);
  } catch (error) {
    if (gone.signal.aborted) return true;
    throw error;
  }
  sendJson(res, 200, JSON.stringify(report));
  return true;
}

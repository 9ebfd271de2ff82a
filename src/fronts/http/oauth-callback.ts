// GET /oauth/callback: where a remote server's authorization server sends the browser back with `code` and
// `state` after a person authorized the gateway. Answers a small HTML page either way.
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import { OAUTH_CALLBACK_PATH, type UpstreamAuthorizer } from "../../ports/upstream-authorizer.ts";

/** Handles the route and returns true, or returns false when the path is not the callback. */
export async function handleOAuthCallback(
  authorizer: UpstreamAuthorizer | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (path !== OAUTH_CALLBACK_PATH) return false;
  if (req.method !== "GET") {
    res.setHeader("allow", "GET");
    throw new SwitchboardError("method_not_allowed", `${req.method} is not allowed on ${path}`);
  }
  if (!authorizer) {
    sendPage(res, 404, "Nothing to authorize", "No server of this gateway uses OAuth.");
    return true;
  }
  const query = new URL(req.url ?? "/", "http://callback").searchParams;
  try {
    const { server, principal } = await authorizer.complete(query);
    const whose = principal ? ` for ${principal}` : "";
    sendPage(res, 200, "Authorized", `Server ${server} is authorized${whose}. You can close this window.`);
  } catch (error) {
    const known = error instanceof SwitchboardError;
    sendPage(res, known ? error.httpStatus : 500, "Authorization failed", known ? error.message : "internal error");
  }
  return true;
}

function sendPage(res: ServerResponse, status: number, title: string, message: string): void {
  const body =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>\n`;
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    // A page of text only: nothing on it may load or run.
    "content-security-policy": "default-src 'none'",
  });
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

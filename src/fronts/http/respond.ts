// Small response helpers of the HTTP front; the one place where gateway errors become HTTP statuses (their
// JSON-RPC bodies come from the shared reply encoder).
import type { ServerResponse } from "node:http";
import { ERROR_CODES, type ErrorCode, SwitchboardError } from "../../core/errors.ts";
import { bareErrorJson, errorJson } from "../shared/reply-encoder.ts";

export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** A JSON-RPC error envelope with the HTTP status of the error's code. */
export function sendRpcError(res: ServerResponse, error: unknown, id: string | number | null = null): void {
  const status = error instanceof SwitchboardError ? error.httpStatus : 500;
  const headers: Record<string, string> = status === 413 ? { connection: "close" } : {};
  const retryAfterMs = error instanceof SwitchboardError ? error.data?.retryAfterMs : undefined;
  // Whole seconds, rounded up: a client that waits this long finds a token.
  if (typeof retryAfterMs === "number") headers["retry-after"] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  sendJson(res, status, errorJson(id, error), headers);
}

/** An error whose shape the transport fixes (no `data`), with the HTTP status of its code. */
export function sendBareError(res: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(res, ERROR_CODES[code].http, bareErrorJson(code, message));
}

/** The admin API's error shape: `{ success: false, error: { code, message } }`. */
export function sendAdminError(res: ServerResponse, error: unknown): void {
  const known = error instanceof SwitchboardError;
  const status = known ? error.httpStatus : 500;
  const body = {
    success: false,
    message: known ? error.message : "internal error",
    error: { code: known ? error.code : "internal" },
  };
  sendJson(res, status, JSON.stringify(body));
}

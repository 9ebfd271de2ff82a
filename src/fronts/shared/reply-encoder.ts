// The one place where the router's replies and the gateway's errors become JSON-RPC bodies, for the HTTP and
// stdio fronts alike, in the classic revisions' shape or the 2026 era's (core/protocol decides what changes).
import { ERROR_CODES, type ErrorCode, toJsonRpcError } from "../../core/errors.ts";
import type { RequestId } from "../../core/jsonrpc.ts";
import { type EraRejection, modernError, modernResult } from "../../core/protocol/index.ts";
import type { Reply } from "../../core/reply.ts";

/** A JSON-RPC error response for any thrown value (unknown errors become `internal`, details withheld). */
export function errorJson(id: RequestId | null, error: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", id, error: toJsonRpcError(error) });
}

/** A JSON-RPC error response whose shape the transport fixes: the registry's code and the message, no data. */
export function bareErrorJson(code: ErrorCode, message: string): string {
  return JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: ERROR_CODES[code].jsonRpc, message } });
}

/** A request the 2026 revision refused, answered with the error object the revision (or the SDK) shaped. */
export function rejectionJson(id: RequestId | null, rejection: EraRejection): string {
  return JSON.stringify({ jsonrpc: "2.0", id, error: rejection.error });
}

/** The reply as a classic-revision JSON-RPC response: what the gateway holds serialized goes out as it is. */
export function replyJson(id: RequestId, reply: Reply): string {
  switch (reply.kind) {
    case "result":
      return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${reply.json}}`;
    case "response":
      return reply.json ?? JSON.stringify(reply.response);
    case "serialized":
      return reply.json;
    case "failed":
      return errorJson(id, reply.error);
  }
}

export type ModernReplyEncoder = (
  method: string,
  id: RequestId,
  reply: Reply,
  serverInfo: Record<string, unknown>,
) => { body: string; status: number };

/**
 * Encodes replies as 2026-era responses, with their HTTP status (errors stay in-band except where the revision
 * says). The last result the gateway answered itself is kept encoded: a cached list is re-encoded once, not per
 * request.
 */
export function createModernReplyEncoder(): ModernReplyEncoder {
  let last: { json: string; method: string; serverInfo: Record<string, unknown>; encoded: string } | undefined;
  return (method, id, reply, serverInfo) => {
    if (reply.kind === "result") {
      const { json } = reply;
      if (last?.json !== json || last.method !== method || last.serverInfo !== serverInfo) {
        last = {
          json,
          method,
          serverInfo,
          encoded: JSON.stringify(modernResult(method, JSON.parse(json), serverInfo)),
        };
      }
      return { body: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${last.encoded}}`, status: 200 };
    }
    if (reply.kind === "failed") {
      const { error, status } = modernError(toJsonRpcError(reply.error));
      return { body: JSON.stringify({ jsonrpc: "2.0", id, error }), status };
    }
    const message: { error?: { code: number }; result?: Record<string, unknown> } =
      reply.kind === "response" ? reply.response : JSON.parse(reply.json);
    if (message.error) {
      const { error, status } = modernError(message.error);
      return { body: JSON.stringify({ ...message, error }), status };
    }
    const result = modernResult(method, message.result, serverInfo);
    return { body: JSON.stringify({ ...message, result }), status: 200 };
  };
}

// Minimal JSON-RPC 2.0 shapes and checks used on the hot path (no schema validation per message).

export type RequestId = string | number;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: RequestId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: RequestId | null;
  result?: Record<string, unknown>;
  error?: JsonRpcErrorObject;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return "method" in message && "id" in message && message.id !== undefined && message.id !== null;
}

export function isNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return "method" in message && !("id" in message && message.id !== undefined);
}

export function isResponse(message: JsonRpcMessage): message is JsonRpcResponse {
  return !("method" in message) && ("result" in message || "error" in message);
}

/**
 * Checks the envelope of one parsed message. Returns a reason when it is not a single JSON-RPC 2.0 message;
 * batches are refused (the current MCP revisions removed them).
 */
export function envelopeProblem(value: unknown): string | undefined {
  if (Array.isArray(value)) return "JSON-RPC batches are not supported";
  if (value === null || typeof value !== "object") return "a JSON-RPC message must be an object";
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== "2.0") return 'jsonrpc must be "2.0"';
  if ("method" in message) {
    if (typeof message.method !== "string" || message.method.length === 0) return "method must be a non-empty string";
    if ("id" in message && !isValidId(message.id)) return "id must be a string or an integer";
    if (
      "params" in message &&
      (message.params === null || typeof message.params !== "object" || Array.isArray(message.params))
    )
      return "params must be an object";
    return undefined;
  }
  if (!("result" in message) && !("error" in message)) return "a message needs a method, a result or an error";
  if (!isValidId(message.id) && message.id !== null) return "id must be a string or an integer";
  return undefined;
}

function isValidId(id: unknown): id is RequestId {
  return typeof id === "string" || (typeof id === "number" && Number.isInteger(id));
}

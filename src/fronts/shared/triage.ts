// What every front does with one message before the router sees it: parse it, check its JSON-RPC envelope
// (batches refused), tell requests, notifications and a client's answers apart, and admit a request under the
// rate limits. Shared by the HTTP and stdio fronts, so both refuse the same things the same way.
import { SwitchboardError } from "../../core/errors.ts";
import {
  envelopeProblem,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type RequestId,
} from "../../core/jsonrpc.ts";
import type { RateLimitGate } from "../../services/policies/rate-limits.ts";

/** One parsed message, or why it was refused and the id it carried (when it had a usable one). */
export type ParsedMessage =
  | { ok: true; message: JsonRpcMessage }
  | { ok: false; id: RequestId | null; error: SwitchboardError };

/** `what` names the unit read in the parse error: "request body" (HTTP), "line" (stdio). */
export function parseMessage(text: string, what: string): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, id: null, error: new SwitchboardError("parse_error", `${what} is not valid JSON`) };
  }
  const problem = envelopeProblem(value);
  if (problem) {
    const id = (value as { id?: unknown } | null)?.id;
    const usable = typeof id === "string" || typeof id === "number" ? id : null;
    return { ok: false, id: usable, error: new SwitchboardError("invalid_request", problem) };
  }
  return { ok: true, message: value as JsonRpcMessage };
}

export type Triaged =
  | { kind: "request"; request: JsonRpcRequest }
  | { kind: "notification"; notification: JsonRpcNotification }
  /** A client's answer to a server-initiated request the gateway relayed. */
  | { kind: "response"; response: JsonRpcResponse };

/** Which of the three a well-formed message is. */
export function triage(message: JsonRpcMessage): Triaged {
  if (!("method" in message)) return { kind: "response", response: message };
  if (!("id" in message) || message.id === undefined) return { kind: "notification", notification: message };
  return { kind: "request", request: message as JsonRpcRequest };
}

/**
 * Undefined when the request may go on; the `rate_limited` error to answer with when its client or the gateway
 * is out of tokens. A synchronous verdict (the memory limiter) is not awaited.
 */
export async function admission(
  gate: RateLimitGate,
  clientKey: string,
  method: string,
  server: string | undefined,
): Promise<SwitchboardError | undefined> {
  const verdict = gate.admit(clientKey, method, server);
  return verdict instanceof Promise ? await verdict : verdict;
}

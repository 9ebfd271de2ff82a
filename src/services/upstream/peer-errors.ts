// The errors an upstream peer fails its requests with: timeouts (call timeout or hard maximum), client
// cancellation, undelivered requests, and what calls in flight get when the connection ends.
import { SwitchboardError } from "../../core/errors.ts";
import type { JsonRpcRequest } from "../../core/jsonrpc.ts";
import { isUnserializable, unserializableRequest } from "../../core/unserializable.ts";
import type { ConnectionClosed } from "../../ports/connector.ts";

/**
 * `timeout` with what ran out in `data` (the call timeout, or the hard maximum while progress arrived), and
 * `mayHaveRun` for a tool call that was sent: the server may have done its work without answering in time.
 */
export function timeoutError(
  serverName: string,
  message: JsonRpcRequest,
  timeoutMs: number,
  hard: boolean,
  sent: boolean,
): SwitchboardError {
  const what = message.method === "tools/call" ? `tool ${String(message.params?.name)}` : message.method;
  const text = hard
    ? `server ${serverName} did not finish ${what} within its hard maximum of ${timeoutMs} ms`
    : `server ${serverName} did not answer ${what} within ${timeoutMs} ms`;
  const data: Record<string, unknown> = { server: serverName, timeoutMs, hard };
  if (sent && message.method === "tools/call") data.mayHaveRun = true;
  return new SwitchboardError("timeout", text, { data });
}

export function cancelledError(): SwitchboardError {
  return new SwitchboardError("cancelled", "request cancelled by the client");
}

/**
 * A request the connection could not send: `upstream_unavailable` unless it already is a gateway error, or the
 * request itself could not be serialized (the caller's fault: `invalid_params`, never retried nor counted
 * against the server).
 */
export function undeliveredError(serverName: string, error: unknown): SwitchboardError {
  if (isUnserializable(error)) return unserializableRequest(serverName, error);
  return error instanceof SwitchboardError
    ? error
    : new SwitchboardError("upstream_unavailable", `server ${serverName}: ${String(error)}`, {
        cause: error,
      });
}

export interface ClosedErrors {
  /** What later requests are refused with. */
  closedWith: SwitchboardError;
  /** What requests in flight fail with. */
  inFlight: SwitchboardError;
  /** What a tool call in flight fails with (`mayHaveRun` in data). */
  toolCall: SwitchboardError;
}

/** The errors for a connection that ended; `initialized` tells a drop mid-call from one during startup. */
export function closedErrors(serverName: string, closed: ConnectionClosed, initialized: boolean): ClosedErrors {
  if (closed.failure) {
    // The gateway ended a misbehaving server: everything fails with that reason (a sent call may have run).
    const { failure } = closed;
    const toolCall = new SwitchboardError(failure.code, failure.message, {
      data: { ...failure.data, mayHaveRun: true },
    });
    return { closedWith: failure, inFlight: failure, toolCall };
  }
  const tail = closed.stderrTail.length ? ` (stderr: ${closed.stderrTail.slice(-3).join(" | ")})` : "";
  const closedWith = new SwitchboardError(
    closed.requested ? "upstream_unavailable" : "upstream_closed",
    `server ${serverName} ${closed.reason}${closed.requested ? "" : initialized ? " while the call was in flight" : " during startup"}${tail}`,
  );
  // Requests already sent may have run, even when the gateway itself closed the connection (a stop): they
  // fail as upstream_closed, so nothing retries them as undelivered.
  const inFlight = closed.requested
    ? new SwitchboardError(
        "upstream_closed",
        `server ${serverName} ${closed.reason} while the call was in flight; it may have run`,
      )
    : closedWith;
  // A tool call in flight says so in data as well (a side-effecting tool may have done its work).
  const toolCall = new SwitchboardError(inFlight.code, inFlight.message, { data: { mayHaveRun: true } });
  return { closedWith, inFlight, toolCall };
}

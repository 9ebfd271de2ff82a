// The events a finished call produces: `call-finished` for every forwarded request (logs, metrics) and, for
// tools/call, `tool-called` with what the audit log records.
import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { JsonRpcRequest } from "../../core/jsonrpc.ts";
import type { Reply } from "../../core/reply.ts";
import type { Clock } from "../../ports/clock.ts";

export interface CallEnd {
  /** Empty when the call never reached a server (an unknown tool). */
  server: string;
  request: JsonRpcRequest;
  startedAt: number;
  correlationId: string;
  /** The server's reply (or a failure answered in-band, as the call's reply), or the error that ended the call. */
  outcome: { reply: Reply } | { error: unknown };
  /** Who called: the session's principal name. */
  principal: string;
  /**
   * The error kind recorded instead of the error's own code: `forbidden` for a call the access rules refused,
   * even when the caller was answered as for an unknown tool (the audit tells operators the truth).
   */
  errorKind?: string;
}

export function reportCall({ events, clock }: { events: EventBus; clock: Clock }, end: CallEnd): void {
  const durationMs = clock.now() - end.startedAt;
  const { request } = end;
  const gatewayError =
    end.errorKind ??
    ("error" in end.outcome
      ? end.outcome.error instanceof SwitchboardError
        ? end.outcome.error.code
        : "internal"
      : undefined);
  const reply = "reply" in end.outcome ? end.outcome.reply : undefined;
  const response = reply?.kind === "response" ? reply.response : undefined;
  // A delivered call that failed is `jsonrpc_error` (an error reply) or `tool_error` (a result with isError).
  const errorKind =
    gatewayError ??
    (response?.error || reply?.kind === "failed"
      ? "jsonrpc_error"
      : request.method === "tools/call" && (response?.result as { isError?: unknown } | undefined)?.isError === true
        ? "tool_error"
        : null);
  if (end.server) {
    events.emit("call-finished", {
      server: end.server,
      method: request.method,
      ...(request.method === "tools/call" ? { tool: String(request.params?.name) } : {}),
      principal: end.principal,
      durationMs,
      outcome: errorKind === null ? "ok" : "error",
      ...(errorKind === null ? {} : { errorKind }),
    });
  }
  if (request.method !== "tools/call") return;
  events.emit("tool-called", {
    server: end.server,
    tool: String(request.params?.name),
    arguments: request.params?.arguments,
    startedAt: end.startedAt,
    durationMs,
    outcome: errorKind === null ? "ok" : "error",
    errorKind,
    correlationId: end.correlationId,
    principal: end.principal,
  });
}

// One client request as everything behind a front sees it: its session, its correlation id (minted once, by the
// front), its cancellation and the stream its own messages go out on. The same object travels with the call
// upstream, so what a server sends on its own initiative is attributed to the request that caused it.
import type { JsonRpcMessage } from "../../core/jsonrpc.ts";
import type { DownstreamSession } from "./sessions.ts";

export interface RequestContext {
  readonly session: DownstreamSession;
  /** X-Request-Id (or generated) on HTTP, generated on stdio: logs, the audit log and traces share it. */
  readonly correlationId: string;
  /**
   * Aborted when the client goes away (HTTP connection closed) or cancels the request
   * (`notifications/cancelled`).
   */
  readonly controller: AbortController;
  /**
   * Writes a message tied to this request (progress, a server-initiated request) on the request's own stream;
   * false when that is not possible (the client does not accept a stream, or it is gone).
   */
  send(message: JsonRpcMessage): boolean;
  /** Projection asked for by call_tool's `fields`. */
  readonly fields?: readonly string[];
}

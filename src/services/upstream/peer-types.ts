// The shapes an upstream peer shares with its users: per-request options, the calls in flight handed to the
// hooks, the hooks for server-initiated messages, and what opening a session tells about the server.
import type { CallDeadline } from "../../core/deadline.ts";
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from "../../core/jsonrpc.ts";

export interface RequestOptions {
  /** Ends the call when the server is silent this long; progress notifications restart it. */
  timeoutMs: number;
  /**
   * The client call's deadline (its hard maximum, counted from the client's request, and its cancellation): a
   * request sent when it is over fails at once. Without it, `signal` cancels the request and there is no maximum.
   */
  deadline?: CallDeadline | undefined;
  /** Cancels a request that has no deadline; ignored when it has one. */
  signal?: AbortSignal | undefined;
  /** Notifications tied to this request (progress), with the caller's own progress token restored. */
  onNotification?: ((notification: JsonRpcNotification) => void) | undefined;
  /**
   * Who the request belongs to (opaque to the peer). Server-initiated messages are handed to the hooks with
   * the callers in flight, which is all a 2025-era stdio server tells us about where they belong.
   */
  caller?: object | undefined;
  /**
   * For a 2026-era server: the client's own envelope entries (capabilities, clientInfo, logLevel) to send with
   * this request; the gateway's are used when absent. Ignored for 2025-era servers.
   */
  envelope?: Record<string, unknown> | undefined;
}

/** A client call in flight on this connection, as seen by the hooks. */
export interface InFlightCall {
  readonly caller: object;
  /** Stops the call's timeout while the server waits on the client (e.g. a person answering an elicitation). */
  pauseTimeout(): void;
  /** Restarts the call's full timeout. */
  resumeTimeout(): void;
}

/** The answer to a server-initiated request: a result, or the error the client (or the gateway) gave. */
export type ServerRequestAnswer = Pick<JsonRpcResponse, "result" | "error">;

export interface PeerHooks {
  /** Notifications not tied to a request: list_changed, logging, resource updates. */
  onNotification(notification: JsonRpcNotification, calls: readonly InFlightCall[]): void;
  /**
   * Requests the server sends to the client (sampling, elicitation, roots). Must settle; never hang. The signal
   * aborts when the server cancels its request.
   */
  onRequest(request: JsonRpcRequest, calls: readonly InFlightCall[], signal: AbortSignal): Promise<ServerRequestAnswer>;
  /**
   * Handling a message from the server threw (a defect). The message is dropped and the error reported here:
   * thrown back into the connection's stream handler, it would end the process.
   */
  onError?(error: unknown, what: string): void;
}

export interface InitializeOutcome {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: Record<string, unknown>;
  instructions: string | undefined;
}

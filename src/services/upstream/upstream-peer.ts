// The gateway's JSON-RPC client side of one upstream connection, shared by every downstream session.
// Each forwarded request gets a fresh upstream id (and a fresh progress token), so responses, progress and
// cancellations go back to exactly the caller that asked, however many sessions reuse the same ids.
import { SwitchboardError, toJsonRpcError } from "../../core/errors.ts";
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from "../../core/jsonrpc.ts";
import { healthCheckMethod, META_PROTOCOL_VERSION, modernRequestMeta } from "../../core/protocol/index.ts";
import type { Clock } from "../../ports/clock.ts";
import type { ConnectionClosed, UpstreamConnection } from "../../ports/connector.ts";
import { closedErrors } from "./peer-errors.ts";
import { type HandshakeChannel, openSession } from "./peer-handshake.ts";
import type { InitializeOutcome, PeerHooks, RequestOptions, ServerRequestAnswer } from "./peer-types.ts";
import { PendingCalls } from "./pending-calls.ts";

export { GATEWAY_CLIENT_INFO } from "./peer-handshake.ts";
export type { InFlightCall, InitializeOutcome, PeerHooks, RequestOptions, ServerRequestAnswer } from "./peer-types.ts";

export class UpstreamPeer {
  readonly connection: UpstreamConnection;
  private readonly serverName: string;
  private readonly hooks: PeerHooks;
  private readonly pending: PendingCalls;
  /** Server-initiated requests being answered, by the server's id: aborted by its notifications/cancelled. */
  private readonly serverRequests = new Map<string | number, AbortController>();
  private closedWith: SwitchboardError | undefined;
  initialized: InitializeOutcome | undefined;
  /** Which era the connection speaks, decided by `connect`. */
  era: "legacy" | "modern" = "legacy";
  /** The gateway's own envelope for 2026-era requests that carry no client's (lists, health checks). */
  private gatewayEnvelope: Record<string, unknown> = {};

  constructor(serverName: string, connection: UpstreamConnection, hooks: PeerHooks, clock: Clock) {
    this.serverName = serverName;
    this.connection = connection;
    this.hooks = hooks;
    this.pending = new PendingCalls({
      serverName,
      clock,
      connection,
      cancelUpstream: (id, reason) =>
        void this.notify("notifications/cancelled", { requestId: id, reason }).catch(() => {}),
    });
    connection.onMessage = (message) => {
      try {
        this.receive(message);
      } catch (error) {
        const what = "method" in message ? String(message.method) : "response";
        hooks.onError?.(error, `handling ${what} from server ${serverName}`);
      }
    };
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Opens the session in the era asked for: `legacy` → initialize; `modern` → server/discover; `auto` →
   * server/discover, falling back to initialize when the server does not speak the 2026 era.
   */
  async connect(
    protocol: "legacy" | "auto" | "modern",
    timeoutMs: number,
    signal: AbortSignal | undefined,
    capabilities: Record<string, unknown>,
  ): Promise<InitializeOutcome> {
    this.initialized = await openSession(this.handshakeChannel(), protocol, timeoutMs, signal, capabilities);
    return this.initialized;
  }

  private handshakeChannel(): HandshakeChannel {
    return {
      serverName: this.serverName,
      request: (message, options) => this.request(message, options),
      notify: (method) => this.notify(method),
      useEra: (era, protocolVersion, envelope) => {
        this.era = era;
        if (envelope) this.gatewayEnvelope = { [META_PROTOCOL_VERSION]: protocolVersion, ...envelope };
        (this.connection as { setProtocolVersion?: (v: string) => void }).setProtocolVersion?.(protocolVersion);
      },
      closedWith: () => this.closedWith,
    };
  }

  /**
   * Sends a request under a fresh upstream id and resolves with the server's response (result or error),
   * carrying the caller's original id. Rejects with `upstream_unavailable` when it could not be delivered,
   * `upstream_closed` when the server went away, `timeout` or `cancelled`.
   */
  request(message: JsonRpcRequest, options: RequestOptions): Promise<JsonRpcResponse> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return this.pending.send(message, options, (id, callerToken) => this.outgoing(id, message, options, callerToken));
  }

  /** The request as the server gets it: the upstream id, and the upstream id as its progress token. */
  private outgoing(
    id: number,
    message: JsonRpcRequest,
    options: RequestOptions,
    callerToken: string | number | undefined,
  ): JsonRpcRequest {
    const params = message.params;
    const meta = params?._meta as Record<string, unknown> | undefined;
    const outgoing: JsonRpcRequest = { jsonrpc: "2.0", id, method: message.method };
    if (this.era === "modern") {
      const progressToken = callerToken === undefined ? undefined : id;
      outgoing.params = {
        ...params,
        _meta: modernRequestMeta(meta, this.gatewayEnvelope, options.envelope, progressToken),
      };
    } else if (params) {
      outgoing.params = callerToken === undefined ? params : { ...params, _meta: { ...meta, progressToken: id } };
    }
    return outgoing;
  }

  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    const message: JsonRpcNotification = params ? { jsonrpc: "2.0", method, params } : { jsonrpc: "2.0", method };
    return this.send(message);
  }

  /**
   * Hands a message to the connection. A connection may throw synchronously (a stdio server that is gone):
   * that becomes a rejection, so no caller can let it escape from a promise callback or a timer.
   */
  private send(message: JsonRpcMessage): Promise<void> {
    try {
      return Promise.resolve(this.connection.send(message));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A health ping (what the era checks health with): does not count as client activity. */
  async ping(timeoutMs: number): Promise<void> {
    const method = healthCheckMethod(this.era === "modern");
    const response = await this.request({ jsonrpc: "2.0", id: 0, method }, { timeoutMs });
    if (response.error) throw new SwitchboardError("upstream_unavailable", `ping failed: ${response.error.message}`);
  }

  private receive(message: JsonRpcMessage): void {
    if ("method" in message) {
      if ("id" in message && message.id !== undefined && message.id !== null)
        this.answerServerRequest(message as JsonRpcRequest);
      else this.routeNotification(message as JsonRpcNotification);
      return;
    }
    this.pending.answer(message as JsonRpcResponse);
  }

  private routeNotification(notification: JsonRpcNotification): void {
    if (notification.method === "notifications/progress") {
      this.pending.progress(notification);
      return;
    }
    if (notification.method === "notifications/cancelled") {
      const requestId = notification.params?.requestId as string | number | undefined;
      if (requestId !== undefined) this.serverRequests.get(requestId)?.abort();
      return;
    }
    this.hooks.onNotification(notification, this.pending.calls());
  }

  /**
   * A request of the server's own (sampling, elicitation, roots) answered by the hooks. The one place the peer
   * turns an error into a JSON-RPC error: the hooks' failure becomes the answer the server gets.
   */
  private answerServerRequest(request: JsonRpcRequest): void {
    // The answer may come long after the server went away (a person answering an elicitation): then there is
    // nobody to hand it to, and it is dropped.
    const reply = (body: Pick<JsonRpcResponse, "result" | "error">) => {
      this.send({ jsonrpc: "2.0", id: request.id, ...body } as JsonRpcResponse).catch(() => {});
    };
    if (this.closedWith) return; // read after the connection ended: nobody left to answer
    if (request.method === "ping") {
      reply({ result: {} });
      return;
    }
    const controller = new AbortController();
    this.serverRequests.set(request.id, controller);
    new Promise<ServerRequestAnswer>((resolve) =>
      resolve(this.hooks.onRequest(request, this.pending.calls(), controller.signal)),
    )
      .then(reply, (error: unknown) => reply({ error: toJsonRpcError(error) }))
      .finally(() => this.serverRequests.delete(request.id));
  }

  /** Fails everything in flight; called when the connection ends. */
  connectionClosed(closed: ConnectionClosed): void {
    // Requests already sent may have run: a tool call in flight says so (see closedErrors).
    const { closedWith, inFlight, toolCall } = closedErrors(this.serverName, closed, this.initialized !== undefined);
    this.closedWith = closedWith;
    this.pending.failAll(inFlight, toolCall);
    // The server's own requests to clients are withdrawn: their answers would have nowhere to go.
    const reason = `server ${this.serverName} ${closed.requested ? "was stopped" : closed.reason}`;
    for (const controller of this.serverRequests.values()) controller.abort(reason);
    this.serverRequests.clear();
  }
}

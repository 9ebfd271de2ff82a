// The gateway's JSON-RPC client side of one upstream connection, shared by every downstream session.
// Each forwarded request gets a fresh upstream id (and a fresh progress token), so responses, progress and
// cancellations go back to exactly the caller that asked, however many sessions reuse the same ids.
import { SwitchboardError, toJsonRpcError } from "../../core/errors.ts";
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from "../../core/jsonrpc.ts";
import {
  isSupportedProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_PROTOCOL_VERSION,
  META_SERVER_INFO,
  SUPPORTED_MODERN_PROTOCOL_VERSIONS,
} from "../../core/protocol/index.ts";
import { GATEWAY_NAME, GATEWAY_VERSION } from "../../core/version.ts";
import type { ConnectionClosed, UpstreamConnection } from "../../ports/connector.ts";
import { cancelledError, closedErrors, timeoutError, undeliveredError } from "./peer-errors.ts";
import type { InFlightCall, InitializeOutcome, PeerHooks, RequestOptions, ServerRequestAnswer } from "./peer-types.ts";

export type { InFlightCall, InitializeOutcome, PeerHooks, RequestOptions, ServerRequestAnswer } from "./peer-types.ts";

const MODERN_PROTOCOL_VERSION = SUPPORTED_MODERN_PROTOCOL_VERSIONS[0] as string;

export const GATEWAY_CLIENT_INFO = { name: GATEWAY_NAME, version: GATEWAY_VERSION };

interface Pending {
  id: number;
  method: string;
  resolve(response: JsonRpcResponse): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
  hardTimer: NodeJS.Timeout | undefined;
  /** How many server-initiated requests of this call wait on the client (the timeout is stopped meanwhile). */
  paused: number;
  callerToken: string | number | undefined;
  onNotification: RequestOptions["onNotification"];
  cleanup: (() => void) | undefined;
  call: InFlightCall | undefined;
}

export class UpstreamPeer {
  readonly connection: UpstreamConnection;
  private readonly serverName: string;
  private readonly hooks: PeerHooks;
  private readonly pending = new Map<number, Pending>();
  /** Server-initiated requests being answered, by the server's id: aborted by its notifications/cancelled. */
  private readonly serverRequests = new Map<string | number, AbortController>();
  private nextId = 1;
  private closedWith: SwitchboardError | undefined;
  initialized: InitializeOutcome | undefined;
  /** Which era the connection speaks, decided by `connect`. */
  era: "legacy" | "modern" = "legacy";
  /** The gateway's own envelope for 2026-era requests that carry no client's (lists, health checks). */
  private gatewayEnvelope: Record<string, unknown> = {};

  constructor(serverName: string, connection: UpstreamConnection, hooks: PeerHooks) {
    this.serverName = serverName;
    this.connection = connection;
    this.hooks = hooks;
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
    if (protocol === "legacy") return this.initialize(timeoutMs, signal, capabilities);
    const discovered = await this.discover(timeoutMs, signal, capabilities);
    if (discovered) return discovered;
    if (protocol === "modern") {
      throw new SwitchboardError(
        "upstream_unavailable",
        `server ${this.serverName} does not speak protocol ${MODERN_PROTOCOL_VERSION}`,
      );
    }
    return this.initialize(timeoutMs, signal, capabilities);
  }

  /** The 2026-era opening: server/discover; undefined when the server does not offer that revision. */
  private async discover(
    timeoutMs: number,
    signal: AbortSignal | undefined,
    capabilities: Record<string, unknown>,
  ): Promise<InitializeOutcome | undefined> {
    this.gatewayEnvelope = {
      [META_PROTOCOL_VERSION]: MODERN_PROTOCOL_VERSION,
      [META_CLIENT_CAPABILITIES]: capabilities,
      [META_CLIENT_INFO]: GATEWAY_CLIENT_INFO,
    };
    this.era = "modern";
    (this.connection as { setProtocolVersion?: (v: string) => void }).setProtocolVersion?.(MODERN_PROTOCOL_VERSION);
    const response = await this.request(
      { jsonrpc: "2.0", id: 0, method: "server/discover", params: {} },
      { timeoutMs, signal },
    ).catch((error: unknown) => {
      if (error instanceof SwitchboardError && error.code !== "upstream_unavailable" && error.code !== "timeout")
        throw error;
      return undefined;
    });
    const result = response?.result;
    const versions = Array.isArray(result?.supportedVersions) ? (result.supportedVersions as string[]) : [];
    if (!result || !versions.includes(MODERN_PROTOCOL_VERSION)) {
      this.era = "legacy";
      (this.connection as { setProtocolVersion?: (v: string) => void }).setProtocolVersion?.(LATEST_PROTOCOL_VERSION);
      if (this.closedWith) throw this.closedWith;
      return undefined;
    }
    // The 2026 era sends list_changed only on a listen stream: keep one open for the catalog.
    this.request(
      {
        jsonrpc: "2.0",
        id: 0,
        method: "subscriptions/listen",
        params: { notifications: { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true } },
      },
      { timeoutMs: Number.POSITIVE_INFINITY },
    ).catch(() => {});
    const meta = (result._meta as Record<string, unknown> | undefined) ?? {};
    this.initialized = outcome(MODERN_PROTOCOL_VERSION, result, meta[META_SERVER_INFO]);
    return this.initialized;
  }

  /** The MCP handshake: initialize, check the version, then notifications/initialized. */
  async initialize(
    timeoutMs: number,
    signal?: AbortSignal,
    capabilities: Record<string, unknown> = {},
  ): Promise<InitializeOutcome> {
    const response = await this.request(
      {
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities, clientInfo: GATEWAY_CLIENT_INFO },
      },
      { timeoutMs, signal },
    );
    if (response.error) {
      throw new SwitchboardError(
        "upstream_unavailable",
        `server ${this.serverName} refused initialize: ${response.error.message}`,
      );
    }
    const result = response.result ?? {};
    const protocolVersion = String(result.protocolVersion);
    if (!isSupportedProtocolVersion(protocolVersion)) {
      throw new SwitchboardError(
        "upstream_unavailable",
        `server ${this.serverName} speaks unsupported protocol ${protocolVersion}`,
      );
    }
    (this.connection as { setProtocolVersion?: (v: string) => void }).setProtocolVersion?.(protocolVersion);
    await this.notify("notifications/initialized");
    this.initialized = outcome(protocolVersion, result, result.serverInfo);
    return this.initialized;
  }

  /**
   * Sends a request under a fresh upstream id and resolves with the server's response (result or error),
   * carrying the caller's original id. Rejects with `upstream_unavailable` when it could not be delivered,
   * `upstream_closed` when the server went away, `timeout` or `cancelled`.
   */
  request(message: JsonRpcRequest, options: RequestOptions): Promise<JsonRpcResponse> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (options.signal?.aborted) return Promise.reject(cancelledError());
    const hardMs = options.deadline === undefined ? options.maxCallMs : options.deadline - Date.now();
    if (hardMs !== undefined && hardMs <= 0) {
      return Promise.reject(timeoutError(this.serverName, message, options.maxCallMs ?? 0, true, false));
    }
    const id = this.nextId++;
    const callerId = message.id;
    const params = message.params;
    const meta = params?._meta as Record<string, unknown> | undefined;
    const callerToken = meta?.progressToken as string | number | undefined;
    const outgoing: JsonRpcRequest = { jsonrpc: "2.0", id, method: message.method };
    if (this.era === "modern") {
      // Every 2026-era request carries the envelope: the caller's own capabilities when it has them.
      const envelope = {
        ...this.gatewayEnvelope,
        ...options.envelope,
        [META_PROTOCOL_VERSION]: MODERN_PROTOCOL_VERSION,
      };
      const merged: Record<string, unknown> = { ...meta, ...envelope };
      if (callerToken !== undefined) merged.progressToken = id;
      outgoing.params = { ...params, _meta: merged };
    } else if (params) {
      outgoing.params = callerToken === undefined ? params : { ...params, _meta: { ...meta, progressToken: id } };
    }
    return new Promise<JsonRpcResponse>((resolve, reject) => {
      const entry: Pending = {
        id,
        method: message.method,
        resolve: (response) => resolve(response.id === callerId ? response : { ...response, id: callerId }),
        reject,
        timer: undefined,
        hardTimer: undefined,
        paused: 0,
        callerToken,
        onNotification: options.onNotification,
        cleanup: undefined,
        call: undefined,
      };
      const expire = () =>
        this.abandon(id, "timeout", timeoutError(this.serverName, message, options.timeoutMs, false, true));
      // A long-lived request (an upstream subscriptions/listen) has no deadline.
      if (Number.isFinite(options.timeoutMs)) entry.timer = setTimeout(expire, options.timeoutMs);
      if (hardMs !== undefined && Number.isFinite(hardMs)) {
        const maxCallMs = options.maxCallMs ?? hardMs;
        entry.hardTimer = setTimeout(
          () => this.abandon(id, "timeout", timeoutError(this.serverName, message, maxCallMs, true, true)),
          hardMs,
        );
      }
      if (options.caller) entry.call = this.inFlightCall(entry, options.caller, expire, options.timeoutMs);
      if (options.signal) {
        const signal = options.signal;
        const onAbort = () => this.abandon(id, "cancelled by the client", cancelledError());
        signal.addEventListener("abort", onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener("abort", onAbort);
      }
      this.pending.set(id, entry);
      this.deliver(id, outgoing);
    });
  }

  private inFlightCall(entry: Pending, caller: object, expire: () => void, timeoutMs: number): InFlightCall {
    return {
      caller,
      pauseTimeout: () => {
        if (entry.paused++ === 0) clearTimeout(entry.timer);
      },
      resumeTimeout: () => {
        if (--entry.paused === 0 && this.pending.get(entry.id) === entry && Number.isFinite(timeoutMs))
          entry.timer = setTimeout(expire, timeoutMs);
      },
    };
  }

  /** Client calls in flight, for attributing a server-initiated message. */
  private callsInFlight(): InFlightCall[] {
    const calls: InFlightCall[] = [];
    for (const entry of this.pending.values()) if (entry.call) calls.push(entry.call);
    return calls;
  }

  private deliver(id: number, outgoing: JsonRpcRequest): void {
    const fail = (error: unknown) => this.settle(id)?.reject(undeliveredError(this.serverName, error));
    try {
      const sent = this.connection.send(outgoing);
      if (sent) sent.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  /** Gives up on a request (timeout, client cancel) and tells the server with notifications/cancelled. */
  private abandon(id: number, reason: string, error: SwitchboardError): void {
    const entry = this.settle(id);
    if (!entry) return;
    void this.notify("notifications/cancelled", { requestId: id, reason }).catch(() => {});
    entry.reject(error);
  }

  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    clearTimeout(entry.hardTimer);
    entry.cleanup?.();
    return entry;
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

  /** A health ping (server/discover in the 2026 era, which has no ping): does not count as client activity. */
  async ping(timeoutMs: number): Promise<void> {
    const method = this.era === "modern" ? "server/discover" : "ping";
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
    const response = message as JsonRpcResponse;
    if (typeof response.id !== "number") return;
    this.settle(response.id)?.resolve(response);
  }

  private routeNotification(notification: JsonRpcNotification): void {
    if (notification.method === "notifications/progress") {
      const token = notification.params?.progressToken;
      const entry = typeof token === "number" ? this.pending.get(token) : undefined;
      if (entry?.onNotification && entry.callerToken !== undefined) {
        // Progress shows the server is working: the call timeout starts over (the hard maximum does not).
        if (entry.paused === 0) entry.timer?.refresh();
        entry.onNotification({ ...notification, params: { ...notification.params, progressToken: entry.callerToken } });
      }
      return;
    }
    if (notification.method === "notifications/cancelled") {
      const requestId = notification.params?.requestId as string | number | undefined;
      if (requestId !== undefined) this.serverRequests.get(requestId)?.abort();
      return;
    }
    this.hooks.onNotification(notification, this.callsInFlight());
  }

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
      resolve(this.hooks.onRequest(request, this.callsInFlight(), controller.signal)),
    )
      .then(reply, (error: unknown) => reply({ error: toJsonRpcError(error) }))
      .finally(() => this.serverRequests.delete(request.id));
  }

  /** Fails everything in flight; called when the connection ends. */
  connectionClosed(closed: ConnectionClosed): void {
    // Requests already sent may have run: a tool call in flight says so (see closedErrors).
    const { closedWith, inFlight, toolCall } = closedErrors(this.serverName, closed, this.initialized !== undefined);
    this.closedWith = closedWith;
    for (const id of [...this.pending.keys()]) {
      const entry = this.settle(id);
      entry?.reject(entry.method === "tools/call" ? toolCall : inFlight);
    }
    // The server's own requests to clients are withdrawn: their answers would have nowhere to go.
    const reason = `server ${this.serverName} ${closed.requested ? "was stopped" : closed.reason}`;
    for (const controller of this.serverRequests.values()) controller.abort(reason);
    this.serverRequests.clear();
  }
}

/** What an initialize or server/discover result tells about the server. */
function outcome(protocolVersion: string, result: Record<string, unknown>, serverInfo: unknown): InitializeOutcome {
  return {
    protocolVersion,
    capabilities: (result.capabilities as Record<string, unknown>) ?? {},
    serverInfo: (serverInfo as Record<string, unknown>) ?? {},
    instructions: typeof result.instructions === "string" ? result.instructions : undefined,
  };
}

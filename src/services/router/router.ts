// Resolves each downstream request to the gateway itself or to an upstream server, and forwards it over that
// server's shared connection. Used by every front (HTTP and stdio); returns serialized JSON-RPC responses.
import { SwitchboardError, toJsonRpcError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type {
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResponse,
  RequestId,
} from "../../core/jsonrpc.ts";
import {
  isModernProtocolVersion,
  isSupportedProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_MODERN_PROTOCOL_VERSIONS,
} from "../../core/protocol.ts";
import type { Logger } from "../../ports/logger.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Lease } from "../supervisor/server-supervisor.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { GATEWAY_CLIENT_INFO, type InFlightCall, type ServerRequestAnswer } from "../upstream/upstream-peer.ts";
import { type CallerScope, ClientRelay } from "./client-relay.ts";
import { envelopeOf, fulfilInputRequests } from "./input-required.ts";
import { type DownstreamSession, endpointServes, type SessionRegistry } from "./sessions.ts";

export interface CallContext {
  /**
   * Aborted when the client goes away (HTTP connection closed) or cancels the request
   * (`notifications/cancelled`). Fronts that can detect a disconnect pass their own; otherwise one is made.
   */
  controller?: AbortController;
  /**
   * Writes a message tied to this request (progress, a server-initiated request) on the request's own stream;
   * false when that is not possible (the client does not accept a stream, or it is gone).
   */
  send(message: JsonRpcMessage): boolean;
}

/** What the router's internals see of a request: its abort signal and its caller (session and stream). */
interface RequestScope {
  signal: AbortSignal;
  caller: CallerScope;
}

export interface RouterOptions {
  supervisor: Supervisor;
  catalog: Catalog;
  sessions: SessionRegistry;
  events: EventBus;
  logger: Logger;
}

const AGGREGATE_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  completions: {},
  logging: {},
};

const LIST_METHODS = {
  "tools/list": "tools",
  "prompts/list": "prompts",
  "resources/list": "resources",
  "resources/templates/list": "resourceTemplates",
} as const;

type ListMethod = keyof typeof LIST_METHODS;

export class Router {
  private readonly o: RouterOptions;
  private readonly relay: ClientRelay;

  constructor(options: RouterOptions) {
    this.o = options;
    this.relay = new ClientRelay(options.logger);
    options.events.on("catalog-changed", ({ server, kinds }) => {
      for (const kind of kinds)
        this.broadcast(server, { jsonrpc: "2.0", method: `notifications/${kind}/list_changed` });
    });
  }

  /** Handles one request; never throws: failures become JSON-RPC error responses. */
  async handle(session: DownstreamSession, request: JsonRpcRequest, ctx: CallContext): Promise<string> {
    const controller = ctx.controller ?? new AbortController();
    session.inFlight.set(request.id, controller);
    try {
      return await this.dispatch(session, request, { signal: controller.signal, caller: { session, send: ctx.send } });
    } catch (error) {
      if (!(error instanceof SwitchboardError))
        this.o.logger.error({ err: error, method: request.method }, "request failed");
      return errorJson(request.id, error);
    } finally {
      session.inFlight.delete(request.id);
    }
  }

  /** Notifications from the client: cancellation (of its own requests or of ours), initialized. */
  notification(session: DownstreamSession, notification: JsonRpcNotification): void {
    if (notification.method === "notifications/cancelled") {
      const requestId = notification.params?.requestId as RequestId | undefined;
      if (requestId === undefined) return;
      session.inFlight.get(requestId)?.abort();
      this.relay.clientCancelled(requestId);
    } else if (notification.method === "notifications/roots/list_changed") {
      // Only servers that were told about roots (relay.roots) care.
      for (const supervised of this.o.supervisor.enabled()) {
        if (supervised.spec.relay.roots && endpointServes(session.endpoint, supervised.spec.name)) {
          void supervised.readyPeer?.notify(notification.method).catch(() => {});
        }
      }
    }
  }

  /** A client's answer to a server-initiated request the gateway relayed; false when nothing waits for it. */
  clientResponse(session: DownstreamSession | undefined, response: JsonRpcResponse): boolean {
    return this.relay.clientResponse(session, response);
  }

  /** A server-initiated request (sampling, elicitation, roots), relayed to the session it belongs to. */
  upstreamRequest(
    server: string,
    request: JsonRpcRequest,
    calls: readonly InFlightCall[],
    signal: AbortSignal,
  ): Promise<ServerRequestAnswer> {
    return this.relay.request(server, request, calls, signal);
  }

  private dispatch(session: DownstreamSession, request: JsonRpcRequest, ctx: RequestScope): Promise<string> {
    const { method } = request;
    if (method === "initialize") return Promise.resolve(this.initialize(session, request));
    if (method === "ping") return Promise.resolve(resultJson(request.id, "{}"));
    if (method === "server/discover") return Promise.resolve(this.discover(session, request));
    return session.endpoint.kind === "server"
      ? this.dispatchToServer(session, session.endpoint.server, request, ctx)
      : this.dispatchAggregate(session, request, ctx);
  }

  private initialize(session: DownstreamSession, request: JsonRpcRequest): string {
    const params = request.params ?? {};
    const asked = typeof params.protocolVersion === "string" ? params.protocolVersion : undefined;
    const protocolVersion = asked && isSupportedProtocolVersion(asked) ? asked : LATEST_PROTOCOL_VERSION;
    session.protocolVersion = protocolVersion;
    session.clientInfo = params.clientInfo as Record<string, unknown> | undefined;
    session.clientCapabilities = params.capabilities as Record<string, unknown> | undefined;
    if (session.endpoint.kind === "server") {
      // The transparent endpoint answers as the server itself (from its cached manifest) without starting it.
      const manifest = this.o.catalog.manifest(session.endpoint.server);
      const result: Record<string, unknown> = {
        protocolVersion,
        capabilities: manifest?.capabilities ?? AGGREGATE_CAPABILITIES,
        serverInfo: manifest?.serverInfo ?? { name: session.endpoint.server, version: "unknown" },
      };
      if (manifest?.instructions) result.instructions = manifest.instructions;
      return resultJson(request.id, JSON.stringify(result));
    }
    return resultJson(
      request.id,
      JSON.stringify({ protocolVersion, capabilities: AGGREGATE_CAPABILITIES, serverInfo: GATEWAY_CLIENT_INFO }),
    );
  }

  /** The 2026-era probe: which revisions the gateway speaks statelessly, and the endpoint's capabilities. */
  private discover(session: DownstreamSession, request: JsonRpcRequest): string {
    const manifest = session.endpoint.kind === "server" ? this.o.catalog.manifest(session.endpoint.server) : undefined;
    const result: Record<string, unknown> = {
      supportedVersions: SUPPORTED_MODERN_PROTOCOL_VERSIONS,
      capabilities: manifest?.capabilities ?? AGGREGATE_CAPABILITIES,
    };
    if (manifest?.instructions) result.instructions = manifest.instructions;
    return resultJson(request.id, JSON.stringify(result));
  }

  /** Who answers on an endpoint: the gateway on /mcp, the server itself (from its manifest) on /mcp/{server}. */
  serverInfo(endpoint: DownstreamSession["endpoint"]): Record<string, unknown> {
    if (endpoint.kind === "aggregate") return GATEWAY_CLIENT_INFO;
    return this.o.catalog.manifest(endpoint.server)?.serverInfo ?? { name: endpoint.server, version: "unknown" };
  }

  private async dispatchToServer(
    session: DownstreamSession,
    server: string,
    request: JsonRpcRequest,
    ctx: RequestScope,
  ): Promise<string> {
    this.o.supervisor.get(server); // server_not_found before anything else
    const listKey = LIST_METHODS[request.method as ListMethod];
    if (listKey && !request.params?.cursor) {
      const cached = this.o.catalog.serverList(server, listKey);
      if (cached) return resultJson(request.id, cached);
    }
    trackSubscription(session, server, request);
    if (request.method === "logging/setLevel") session.logLevel = String(request.params?.level);
    return this.forward(server, request, ctx);
  }

  private async dispatchAggregate(
    session: DownstreamSession,
    request: JsonRpcRequest,
    ctx: RequestScope,
  ): Promise<string> {
    const { catalog } = this.o;
    const params = request.params ?? {};
    switch (request.method) {
      case "tools/list":
      case "prompts/list":
      case "resources/list":
      case "resources/templates/list": {
        await this.discoverUnknown(ctx.signal);
        const view = LIST_METHODS[request.method];
        return resultJson(request.id, catalog[view]().json);
      }
      case "tools/call":
      case "prompts/get": {
        const kind = request.method === "tools/call" ? "tools" : "prompts";
        const route = await this.routeByName(kind, String(params.name), ctx.signal);
        return this.forward(route.server, { ...request, params: { ...params, name: route.name } }, ctx);
      }
      case "resources/read":
      case "resources/subscribe":
      case "resources/unsubscribe": {
        const uri = String(params.uri);
        const server = await this.routeByUri(uri, ctx.signal);
        trackSubscription(session, server, request);
        return this.forward(server, request, ctx);
      }
      case "completion/complete":
        return this.complete(request, ctx);
      case "logging/setLevel":
        session.logLevel = String(params.level);
        await this.setLevelEverywhere(request);
        return resultJson(request.id, "{}");
      default:
        throw new SwitchboardError("method_not_found", `method ${request.method} is not supported by the gateway`);
    }
  }

  private async complete(request: JsonRpcRequest, ctx: RequestScope): Promise<string> {
    const params = request.params ?? {};
    const ref = (params.ref ?? {}) as Record<string, unknown>;
    if (ref.type === "ref/prompt") {
      const route = await this.routeByName("prompts", String(ref.name), ctx.signal);
      return this.forward(route.server, { ...request, params: { ...params, ref: { ...ref, name: route.name } } }, ctx);
    }
    const server = await this.routeByUri(String(ref.uri), ctx.signal);
    return this.forward(server, request, ctx);
  }

  /** logging/setLevel on the aggregate goes to every running server that logs; asleep servers stay asleep. */
  private async setLevelEverywhere(request: JsonRpcRequest): Promise<void> {
    const running = this.o.supervisor.enabled().flatMap((s) => {
      const peer = s.readyPeer;
      return peer?.initialized?.capabilities.logging ? [{ s, peer }] : [];
    });
    await Promise.all(
      running.map(({ s, peer }) => peer.request(request, { timeoutMs: s.spec.timeoutMs }).catch(() => undefined)),
    );
  }

  private async routeByName(kind: "tools" | "prompts", name: string, signal?: AbortSignal) {
    const view = () => (kind === "tools" ? this.o.catalog.tools() : this.o.catalog.prompts());
    let route = view().routes.get(name);
    if (!route && this.o.catalog.unknownServers().length > 0) {
      await this.discoverUnknown(signal);
      route = view().routes.get(name);
    }
    if (!route)
      throw new SwitchboardError("invalid_params", `Unknown ${kind === "tools" ? "tool" : "prompt"}: ${name}`);
    return route;
  }

  private async routeByUri(uri: string, signal?: AbortSignal): Promise<string> {
    let server = this.o.catalog.resourceServer(uri);
    if (!server && this.o.catalog.unknownServers().length > 0) {
      await this.discoverUnknown(signal);
      server = this.o.catalog.resourceServer(uri);
    }
    if (!server) throw new SwitchboardError("invalid_params", `Resource not found: ${uri}`, { data: { uri } });
    return server;
  }

  /** Starts servers whose catalog was never seen (first run or changed command) to learn their items. */
  private async discoverUnknown(signal?: AbortSignal): Promise<void> {
    const unknown = this.o.catalog.unknownServers();
    if (unknown.length === 0) return;
    await Promise.all(
      unknown.map(async (name) => {
        let lease: Lease | undefined;
        try {
          lease = await this.o.supervisor.get(name).acquire(signal);
          await this.o.catalog.settled(name);
        } catch (error) {
          this.o.logger.warn({ server: name, err: error }, "could not discover the server's catalog");
        } finally {
          lease?.release();
        }
      }),
    );
  }

  /**
   * Sends a request to one server over its shared connection. A request that could not be handed to the
   * server (the connection died between acquire and send) is retried up to `maxRetries`; once delivered, never.
   */
  private async forward(server: string, request: JsonRpcRequest, ctx: RequestScope): Promise<string> {
    const supervised = this.o.supervisor.get(server);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const lease = await supervised.acquire(ctx.signal);
      try {
        const options = {
          timeoutMs: supervised.spec.timeoutMs,
          signal: ctx.signal,
          onNotification: ctx.caller.send,
          caller: ctx.caller,
          envelope: envelopeOf(ctx.caller.session),
        };
        let response = await lease.peer.request(request, options);
        if (lease.peer.era === "modern" && !isModernProtocolVersion(ctx.caller.session.protocolVersion ?? "")) {
          response = await fulfilInputRequests(this.relay, lease.peer, request, response, options, ctx);
        }
        this.o.events.emit("call-finished", {
          server,
          method: request.method,
          durationMs: Date.now() - started,
          outcome: response.error ? "error" : "ok",
        });
        return JSON.stringify(response);
      } catch (error) {
        const undelivered = error instanceof SwitchboardError && error.code === "upstream_unavailable";
        if (undelivered && attempt < supervised.spec.maxRetries && !ctx.signal?.aborted) continue;
        this.o.events.emit("call-finished", {
          server,
          method: request.method,
          durationMs: Date.now() - started,
          outcome: "error",
          errorKind: error instanceof SwitchboardError ? error.code : "internal",
        });
        throw error;
      } finally {
        lease.release();
      }
    }
  }

  /** Server-initiated notifications not tied to a request's progress token. */
  upstreamNotification(server: string, notification: JsonRpcNotification, calls: readonly InFlightCall[]): void {
    const { method } = notification;
    if (method === "notifications/message") {
      this.relay.logMessage(server, notification, calls);
      return;
    }
    if (method === "notifications/elicitation/complete") {
      this.relay.elicitationComplete(server, notification);
      return;
    }
    if (method === "notifications/resources/updated") {
      const key = `${server}\u0000${String(notification.params?.uri)}`;
      for (const session of this.o.sessions.all()) {
        if (session.subscriptions.has(key)) session.push(notification);
      }
      return;
    }
    const kind = /^notifications\/(tools|prompts|resources)\/list_changed$/.exec(method)?.[1];
    if (kind) {
      const peer = this.o.supervisor.get(server).readyPeer;
      if (peer) void this.o.catalog.refresh(server, peer, [kind as "tools" | "prompts" | "resources"]);
      return;
    }
    // Anything else (e.g. task status) is not relayed: sending it to every client would leak one client's
    // activity to another.
    this.o.logger.debug({ server, method }, "upstream notification not relayed");
  }

  private broadcast(server: string, notification: JsonRpcNotification): void {
    for (const session of this.o.sessions.all()) {
      if (endpointServes(session.endpoint, server)) session.push(notification);
    }
  }
}

/** Remembers resource subscriptions so `notifications/resources/updated` reaches only the subscribers. */
function trackSubscription(session: DownstreamSession, server: string, request: JsonRpcRequest): void {
  const key = `${server}\u0000${String(request.params?.uri)}`;
  if (request.method === "resources/subscribe") session.subscriptions.add(key);
  else if (request.method === "resources/unsubscribe") session.subscriptions.delete(key);
}

export function resultJson(id: RequestId, resultJson: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`;
}

export function errorJson(id: RequestId | null, error: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", id, error: toJsonRpcError(error) });
}

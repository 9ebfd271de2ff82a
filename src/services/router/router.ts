// Resolves each downstream request to the gateway itself or to an upstream server, and forwards it over that
// server's shared connection. Used by every front (HTTP and stdio); returns a reply for the front to encode.
import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { Principal } from "../../core/identity.ts";
import { nestsDeeperThan } from "../../core/json-depth.ts";
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, RequestId } from "../../core/jsonrpc.ts";
import type { Reply } from "../../core/reply.ts";
import type { Clock } from "../../ports/clock.ts";
import type { AccessGuard } from "../access/access-guard.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Discovery } from "../discovery/discovery.ts";
import type { Policies } from "../policies/policies.ts";
import type { ResultBudgets } from "../results/result-budgets.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import type { InFlightCall, ServerRequestAnswer } from "../upstream/upstream-peer.ts";
import { enforceAccess, refuseSharedTasks, routingFailure, type UsedItem, usedOnServer } from "./access-checks.ts";
import { discoverUnknown, refuseHeld, routeByName, routeByUri } from "./catalog-routes.ts";
import { ClientRelay } from "./client-relay.ts";
import { type ForwardDeps, forward } from "./forward.ts";
import { discoverResult, endpointServerInfo, initializeResult } from "./handshake.ts";
import { setSessionLogLevel, upstreamLogLevels } from "./log-levels.ts";
import { callMetaTool, type ResultPager } from "./meta-calls.ts";
import type { RequestContext } from "./request-context.ts";
import { type DownstreamSession, endpointServes, type SessionRegistry } from "./sessions.ts";
import { ownCalls, trackSubscription, UpstreamNotifications } from "./upstream-notifications.ts";

export interface RouterOptions {
  supervisor: Supervisor;
  catalog: Catalog;
  sessions: SessionRegistry;
  events: EventBus;
  /** Time of the calls: their durations and hard deadlines. */
  clock: Clock;
  /** Listing modes and meta-tools; without it every endpoint lists every tool. */
  discovery?: Discovery;
  /** Pages results cut by an output budget (read_result). */
  pager?: ResultPager;
  /** Output budgets and projection applied to every tools/call result; without it results pass as they are. */
  budgets?: ResultBudgets;
  /** Secret detection and result screening on tools/call (per the server's settings). */
  integrity?: ForwardDeps["integrity"];
  /** Per-server resilience policies; without them each request is tried once. */
  policies?: Policies;
  /** Access rules (gateway.access) for the session's principal; without it everything is allowed. */
  access?: AccessGuard;
  /** Levels of objects and arrays a request's params (or a client's answer) may nest (gateway.maxParamsDepth). */
  maxParamsDepth: number;
  /**
   * How long a listing or a name lookup waits for servers whose tools are not known yet; their first start
   * goes on in the background and list_changed announces them. Milliseconds (gateway.discovery.listWaitMs).
   */
  listWaitMs: number;
  /** Longest wait for a client to answer a server-initiated request. Milliseconds (gateway.clientAnswerTimeoutMs). */
  clientAnswerTimeoutMs: number;
}

const LIST_METHODS = {
  "tools/list": "tools",
  "prompts/list": "prompts",
  "resources/list": "resources",
  "resources/templates/list": "resourceTemplates",
} as const;

type ListMethod = keyof typeof LIST_METHODS;
type ListKey = (typeof LIST_METHODS)[ListMethod];

export class Router {
  private readonly o: RouterOptions;
  private readonly relay: ClientRelay;
  private readonly notifications: UpstreamNotifications;
  private readonly forwardDeps: ForwardDeps;

  constructor(options: RouterOptions) {
    this.o = options;
    this.relay = new ClientRelay({
      events: options.events,
      clock: options.clock,
      answerTimeoutMs: options.clientAnswerTimeoutMs,
    });
    const { sessions, supervisor, catalog, events } = options;
    this.notifications = new UpstreamNotifications({ sessions, supervisor, catalog, events, relay: this.relay });
    this.forwardDeps = { ...options, relay: this.relay };
  }

  /** Handles one request; never throws: a failure is the reply (`failed`) for the front to encode. */
  async handle(request: JsonRpcRequest, ctx: RequestContext): Promise<Reply> {
    const { session } = ctx;
    session.inFlight.set(request.id, ctx.controller);
    try {
      const tooDeep = this.tooDeep(request.method, request.params);
      if (tooDeep) throw tooDeep;
      return await this.dispatch(session, request, ctx);
    } catch (error) {
      const { method } = request;
      if (!(error instanceof SwitchboardError)) this.o.events.emit("request-failed", { method, error });
      else if (error.cause !== undefined && error.code === "invalid_params")
        // A request the gateway could not pass on (it could not be serialized): the client gets a clean
        // message, the details stay in the log.
        this.o.events.emit("request-unsendable", { method, message: error.message, cause: error.cause });
      return { kind: "failed", error };
    } finally {
      session.inFlight.delete(request.id);
      // The session was in use until its answer: its idle time counts from here, not from the request.
      session.lastSeenAt = this.o.clock.now();
    }
  }

  /** Notifications from the client: cancellation (of its own requests or of ours), initialized. */
  notification(session: DownstreamSession, notification: JsonRpcNotification): void {
    if (notification.method === "notifications/cancelled") {
      const requestId = notification.params?.requestId as RequestId | undefined;
      if (requestId === undefined) return;
      session.inFlight.get(requestId)?.abort();
      this.relay.clientCancelled(session, requestId);
    } else if (notification.method === "notifications/roots/list_changed") {
      // Only servers that were told about roots (relay.roots) care.
      for (const shared of this.o.supervisor.enabled()) {
        const { name } = shared.spec;
        if (!shared.spec.relay.roots || !endpointServes(session.endpoint, name)) continue;
        // A per-principal server hears of it on the session's own principal's instance only.
        const supervised = this.o.supervisor.isPerPrincipal(name)
          ? this.o.supervisor.existingInstance(name, session.principal.name)
          : shared;
        void supervised?.readyPeer?.notify(notification.method).catch(() => {});
      }
    }
  }

  /** A client's answer to a server-initiated request the gateway relayed; false when nothing waits for it. */
  clientResponse(session: DownstreamSession | undefined, response: JsonRpcResponse): boolean {
    const tooDeep = this.tooDeep("response", response.result ?? response.error);
    // The server still gets an answer (an error), so its request does not hang.
    if (tooDeep) return this.relay.clientAnswerRefused(session, response.id, tooDeep);
    return this.relay.clientResponse(session, response);
  }

  /**
   * Refuses params (or a client's answer) nested past `maxParamsDepth` before any work: passing them on means
   * serializing them, which would overflow the stack and be taken for the server's failure.
   */
  private tooDeep(method: string, value: unknown): SwitchboardError | undefined {
    const maxDepth = this.o.maxParamsDepth;
    if (!nestsDeeperThan(value, maxDepth)) return undefined;
    this.o.events.emit("request-too-deep", { method, maxDepth });
    return new SwitchboardError(
      "invalid_params",
      `${method === "response" ? "the answer" : "params"} nest deeper than ${maxDepth} levels of objects and arrays (gateway.maxParamsDepth)`,
      { data: { maxDepth } },
    );
  }

  /** A server-initiated request (sampling, elicitation, roots), relayed to the session it belongs to. */
  upstreamRequest(
    server: string,
    request: JsonRpcRequest,
    calls: readonly InFlightCall[],
    signal: AbortSignal,
    principal?: string,
  ): Promise<ServerRequestAnswer> {
    return this.relay.request(server, request, ownCalls(calls, principal), signal);
  }

  private dispatch(session: DownstreamSession, request: JsonRpcRequest, ctx: RequestContext): Promise<Reply> {
    const { method } = request;
    this.checkEndpoint(session.endpoint, session.principal);
    if (method === "initialize") return Promise.resolve(result(initializeResult(session, request, this.o)));
    if (method === "ping") return Promise.resolve(result("{}"));
    if (method === "server/discover") return Promise.resolve(result(discoverResult(session, this.o.catalog)));
    return session.endpoint.kind === "server"
      ? this.dispatchToServer(session, session.endpoint.server, request, ctx)
      : this.dispatchAggregate(session, request, ctx);
  }

  /**
   * Refuses `/mcp/{server}` of a server hidden from the principal exactly as one that is not configured
   * (`server_not_found`). Every request is checked here; a front that knows the principal before it reads the
   * request may call it first, to answer with the same HTTP status as for an unknown server.
   */
  checkEndpoint(endpoint: DownstreamSession["endpoint"], principal: Principal): void {
    if (endpoint.kind === "server") this.o.access?.checkServer(principal, endpoint.server);
  }

  /** Who answers on an endpoint: the gateway on /mcp, the server itself (from its manifest) on /mcp/{server}. */
  serverInfo(endpoint: DownstreamSession["endpoint"]): Record<string, unknown> {
    return endpointServerInfo(endpoint, this.o.catalog);
  }

  private async dispatchToServer(
    session: DownstreamSession,
    server: string,
    request: JsonRpcRequest,
    ctx: RequestContext,
  ): Promise<Reply> {
    this.o.supervisor.get(server); // server_not_found before anything else
    refuseSharedTasks(this.o.supervisor, session.principal, server, request);
    const listKey = LIST_METHODS[request.method as ListMethod];
    const { discovery } = this.o;
    if (discovery && request.method === "tools/list" && !request.params?.cursor) {
      const listing = discovery.serverListing(session, server);
      if (listing) return result(listing);
    }
    if (discovery && request.method === "tools/call" && discovery.isMetaTool(session, String(request.params?.name))) {
      return this.metaCall(session, request, ctx, (call, fields) =>
        this.serverItemCall(server, call, { ...ctx, fields }),
      );
    }
    if (listKey && this.o.catalog.gated(server) && this.o.catalog.offeredManifest(server) === undefined) {
      // The first listing is the reviewed one, not the server's own answer forwarded before the gate saw it.
      await discoverUnknown(this.o, ctx.controller.signal, server, session.principal, true);
    }
    if (listKey && !request.params?.cursor) {
      const cached = this.ownList(session, server, listKey);
      if (cached) return result(cached);
    }
    const used = usedOnServer(server, request);
    if (used) enforceAccess(this.o, ctx, request, used);
    await refuseHeld(this.o, server, request, ctx.controller.signal, ctx.session.principal);
    trackSubscription(session, server, request);
    if (request.method === "logging/setLevel") {
      setSessionLogLevel(session, request.params?.level);
      this.o.sessions.persist(session);
      const level = upstreamLogLevels(this.o.sessions.all())(server);
      return this.forward(server, { ...request, params: { ...request.params, level } }, ctx);
    }
    const forwarded = await this.forward(server, request, ctx);
    if (!listKey || forwarded.kind !== "response") return forwarded;
    const { access } = this.o;
    const page = forwarded.response;
    const served = page.result !== undefined ? this.o.catalog.servedPage(server, listKey, page.result) : undefined;
    const shown =
      served === undefined
        ? page
        : { ...page, result: access ? access.ownResult(session.principal, server, listKey, served) : served };
    const response = this.o.catalog.boundListResponse(listKey, JSON.stringify(shown));
    const json = discovery && request.method === "tools/list" ? discovery.hideReservedTools(response) : response;
    return { kind: "serialized", json };
  }

  private async dispatchAggregate(
    session: DownstreamSession,
    request: JsonRpcRequest,
    ctx: RequestContext,
  ): Promise<Reply> {
    const { catalog } = this.o;
    const params = request.params ?? {};
    switch (request.method) {
      case "tools/list":
      case "prompts/list":
      case "resources/list":
      case "resources/templates/list": {
        const view = LIST_METHODS[request.method];
        const { discovery } = this.o;
        if (view === "tools" && discovery?.mode(session) === "progressive") {
          // The listing needs no server; unknown servers are discovered in the background for search.
          void discoverUnknown(this.o, undefined, undefined, session.principal);
          return result(discovery.aggregateListing(session));
        }
        await discoverUnknown(this.o, ctx.controller.signal, undefined, session.principal);
        if (view === "tools" && discovery) return result(discovery.aggregateListing(session));
        const list = catalog[view]();
        return result(this.o.access ? this.o.access.aggregate(session.principal, view, list).json : list.json);
      }
      case "tools/call":
        if (this.o.discovery?.isMetaTool(session, String(params.name))) {
          return this.metaCall(session, request, ctx, (call, fields) =>
            this.dispatchAggregate(session, call, { ...ctx, fields }),
          );
        }
        return this.namedCall(request, ctx);
      case "prompts/get":
        return this.namedCall(request, ctx);
      case "resources/read":
      case "resources/subscribe":
      case "resources/unsubscribe": {
        const uri = String(params.uri);
        const server = await routeByUri(this.o, uri, ctx.controller.signal, session.principal);
        enforceAccess(this.o, ctx, request, { kind: "resource", server, name: uri, asked: uri });
        trackSubscription(session, server, request);
        return this.forward(server, request, ctx);
      }
      case "completion/complete":
        return this.complete(request, ctx);
      case "logging/setLevel":
        setSessionLogLevel(session, params.level);
        this.o.sessions.persist(session);
        await this.setLevelEverywhere(request);
        return result("{}");
      default:
        throw new SwitchboardError("method_not_found", `method ${request.method} is not supported by the gateway`);
    }
  }

  /** tools/call or prompts/get of a namespaced name. */
  private async namedCall(request: JsonRpcRequest, ctx: RequestContext): Promise<Reply> {
    const params = request.params ?? {};
    const kind = request.method === "tools/call" ? "tools" : "prompts";
    const started = this.o.clock.now();
    const { signal } = ctx.controller;
    const route = await routeByName(this.o, kind, String(params.name), signal, ctx.session.principal).catch(
      (failure: unknown) => {
        throw routingFailure(this.o, ctx, request, kind, started, failure);
      },
    );
    const asked = String(params.name);
    const used: UsedItem = {
      kind: kind === "tools" ? "tool" : "prompt",
      server: route.server,
      name: route.name,
      asked,
    };
    enforceAccess(this.o, ctx, request, used);
    return this.forward(route.server, { ...request, params: { ...params, name: route.name } }, ctx);
  }

  private metaCall(
    session: DownstreamSession,
    request: JsonRpcRequest,
    ctx: RequestContext,
    callTool: (call: JsonRpcRequest, fields: readonly string[] | undefined) => Promise<Reply>,
  ): Promise<Reply> {
    const discovery = this.o.discovery as Discovery;
    return callMetaTool({ discovery, pager: this.o.pager, callTool }, session, request, ctx.controller.signal);
  }

  private async complete(request: JsonRpcRequest, ctx: RequestContext): Promise<Reply> {
    const params = request.params ?? {};
    const ref = (params.ref ?? {}) as Record<string, unknown>;
    const { signal } = ctx.controller;
    if (ref.type === "ref/prompt") {
      const asked = String(ref.name);
      const route = await routeByName(this.o, "prompts", asked, signal, ctx.session.principal);
      enforceAccess(this.o, ctx, request, { kind: "prompt", server: route.server, name: route.name, asked });
      return this.forward(route.server, { ...request, params: { ...params, ref: { ...ref, name: route.name } } }, ctx);
    }
    const uri = String(ref.uri);
    const server = await routeByUri(this.o, uri, signal, ctx.session.principal);
    enforceAccess(this.o, ctx, request, { kind: "resource", server, name: uri, asked: uri });
    return this.forward(server, request, ctx);
  }

  /**
   * logging/setLevel on the aggregate goes to every running server that logs (asleep servers stay asleep), each
   * asked for the level its sessions need together, not the caller's alone.
   */
  private async setLevelEverywhere(request: JsonRpcRequest): Promise<void> {
    const running = this.o.supervisor.enabled().flatMap((s) => {
      const peer = s.readyPeer;
      return peer?.initialized?.capabilities.logging ? [{ s, peer }] : [];
    });
    const levelFor = upstreamLogLevels(this.o.sessions.all());
    await Promise.all(
      running.map(({ s, peer }) => {
        const level = levelFor(s.spec.name);
        return peer
          .request({ ...request, params: { ...request.params, level } }, { timeoutMs: s.spec.timeoutMs })
          .catch(() => undefined);
      }),
    );
  }

  private forward(server: string, request: JsonRpcRequest, ctx: RequestContext): Promise<Reply> {
    return forward(this.forwardDeps, server, request, ctx);
  }

  /** A tools/call on a server's own endpoint (direct or through call_tool), under the access rules. */
  private async serverItemCall(server: string, request: JsonRpcRequest, ctx: RequestContext): Promise<Reply> {
    const used = usedOnServer(server, request);
    if (used) enforceAccess(this.o, ctx, request, used);
    await refuseHeld(this.o, server, request, ctx.controller.signal, ctx.session.principal);
    return this.forward(server, request, ctx);
  }

  /** A server's list as its manifest has it, without what is hidden from the session's principal. */
  private ownList(session: DownstreamSession, server: string, key: ListKey): string | undefined {
    const { access, catalog } = this.o;
    if (!access || access.open) return catalog.serverList(server, key);
    const manifest = catalog.manifest(server);
    if (!manifest) return undefined;
    const items = key === "tools" ? (catalog.ownTools(server) ?? []) : manifest[key];
    return JSON.stringify({ [key]: access.own(session.principal, server, key, items) });
  }

  /** Server-initiated notifications not tied to a request's progress token. */
  upstreamNotification(
    server: string,
    notification: JsonRpcNotification,
    calls: readonly InFlightCall[],
    principal?: string,
  ): void {
    this.notifications.route(server, notification, calls, principal);
  }
}

/** A result the gateway answers itself, kept serialized. */
function result(json: string): Reply {
  return { kind: "result", json };
}

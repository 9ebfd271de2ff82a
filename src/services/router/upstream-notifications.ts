// Notifications from upstream servers that belong to no request's progress: log messages and elicitation
// completions go to the client whose call caused them, resource updates to the sessions that subscribed,
// list_changed refreshes the catalog (whose change is then announced to the sessions the server is listed to).
// Anything else is dropped: sending it to every client would leak one client's activity to another.
import type { EventBus } from "../../core/events.ts";
import type { JsonRpcNotification, JsonRpcRequest } from "../../core/jsonrpc.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import type { InFlightCall } from "../upstream/upstream-peer.ts";
import type { ClientRelay } from "./client-relay.ts";
import type { RequestContext } from "./request-context.ts";
import { type DownstreamSession, endpointServes, type SessionRegistry } from "./sessions.ts";

export interface UpstreamNotificationDeps {
  sessions: SessionRegistry;
  supervisor: Supervisor;
  catalog: Catalog;
  events: EventBus;
  relay: ClientRelay;
}

export class UpstreamNotifications {
  private readonly o: UpstreamNotificationDeps;

  constructor(deps: UpstreamNotificationDeps) {
    this.o = deps;
    deps.events.on("catalog-changed", ({ server, kinds }) => {
      for (const kind of kinds)
        this.broadcast(server, { jsonrpc: "2.0", method: `notifications/${kind}/list_changed` });
    });
  }

  /**
   * `principal` is set when the notification comes from that principal's instance of a per-principal server:
   * only that principal's sessions may receive it.
   */
  route(
    server: string,
    notification: JsonRpcNotification,
    inFlight: readonly InFlightCall[],
    principal?: string,
  ): void {
    const calls = ownCalls(inFlight, principal);
    const { method } = notification;
    if (method === "notifications/message") {
      this.o.relay.logMessage(server, notification, calls);
      return;
    }
    if (method === "notifications/elicitation/complete") {
      this.o.relay.elicitationComplete(server, notification, principal);
      return;
    }
    if (method === "notifications/resources/updated") {
      const key = subscriptionKey(server, notification.params?.uri);
      for (const session of this.o.sessions.all()) {
        if (principal !== undefined && session.principal.name !== principal) continue;
        if (session.subscriptions.has(key)) session.push(notification);
      }
      return;
    }
    const kind = /^notifications\/(tools|prompts|resources)\/list_changed$/.exec(method)?.[1];
    if (kind) {
      const { supervisor } = this.o;
      const peer =
        principal === undefined
          ? supervisor.get(server).readyPeer
          : supervisor.existingInstance(server, principal)?.readyPeer;
      if (peer) void this.o.catalog.refresh(server, peer, [kind as "tools" | "prompts" | "resources"]);
      return;
    }
    this.o.events.emit("notification-dropped", { server, method });
  }

  private broadcast(server: string, notification: JsonRpcNotification): void {
    for (const session of this.o.sessions.all()) {
      if (endpointServes(session.endpoint, server)) session.push(notification);
    }
  }
}

/** Remembers resource subscriptions so `notifications/resources/updated` reaches only the subscribers. */
export function trackSubscription(session: DownstreamSession, server: string, request: JsonRpcRequest): void {
  const key = subscriptionKey(server, request.params?.uri);
  if (request.method === "resources/subscribe") session.subscriptions.add(key);
  else if (request.method === "resources/unsubscribe") session.subscriptions.delete(key);
}

function subscriptionKey(server: string, uri: unknown): string {
  return `${server}\u0000${String(uri)}`;
}

/**
 * The calls of a per-principal instance's own principal. Only they can be in flight on it (calls are routed to
 * the caller's instance); this keeps it so should routing ever go wrong: another principal's session is never
 * asked nor told anything by this instance.
 */
export function ownCalls(calls: readonly InFlightCall[], principal: string | undefined): readonly InFlightCall[] {
  if (principal === undefined) return calls;
  return calls.filter((call) => (call.caller as RequestContext).session.principal.name === principal);
}

// subscriptions/listen (2026 era) on the HTTP front: a long-lived stream of the notifications a client's filter
// asks for, each tagged with the subscription id. It replaces the GET stream and resources/subscribe.
import type { ServerResponse } from "node:http";
import type { Principal } from "../../core/identity.ts";
import type { JsonRpcNotification, JsonRpcRequest } from "../../core/jsonrpc.ts";
import { META_SUBSCRIPTION_ID, type ModernRequest } from "../../core/protocol/index.ts";
import type { Router } from "../../services/router/router.ts";
import type { Endpoint, SessionRegistry } from "../../services/router/sessions.ts";
import { EventStream } from "./event-stream.ts";

interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/**
 * Opens a listen stream: it is acknowledged first, then carries the notifications the filter asked for; it ends
 * when the client goes away (or with a result when the gateway shuts down).
 */
export async function listen(
  deps: { router: Router; sessions: SessionRegistry },
  res: ServerResponse,
  endpoint: Endpoint,
  request: JsonRpcRequest,
  era: ModernRequest,
  correlationId: string,
  principal: Principal,
) {
  const { router, sessions } = deps;
  const filter = (request.params?.notifications ?? {}) as ListenFilter;
  const honored: ListenFilter = {
    toolsListChanged: filter.toolsListChanged === true,
    promptsListChanged: filter.promptsListChanged === true,
    resourcesListChanged: filter.resourcesListChanged === true,
    resourceSubscriptions: Array.isArray(filter.resourceSubscriptions) ? filter.resourceSubscriptions.map(String) : [],
  };
  // A registered session (so list_changed broadcasts reach it) whose only request is this listen.
  const session = sessions.create(endpoint, { principal });
  session.protocolVersion = era.revision;
  session.clientCapabilities = era.capabilities;
  const controller = new AbortController();
  session.inFlight.set(request.id, controller);
  const subscription = { [META_SUBSCRIPTION_ID]: request.id };
  const stream = new EventStream();
  stream.attach(res, {});
  const write = (method: string, params: Record<string, unknown> = {}) =>
    stream.write(
      JSON.stringify({
        jsonrpc: "2.0",
        method,
        params: { ...params, _meta: { ...(params._meta as object), ...subscription } },
      }),
    );
  session.push = (message) => {
    if (!("method" in message) || "id" in message || !wanted(honored, message as JsonRpcNotification)) return false;
    write(message.method, (message as JsonRpcNotification).params);
    return true;
  };
  for (const uri of honored.resourceSubscriptions ?? []) {
    await router.handle(
      { jsonrpc: "2.0", id: `listen-${uri}`, method: "resources/subscribe", params: { uri } },
      { session, correlationId, controller: new AbortController(), send: () => false },
    );
  }
  write("notifications/subscriptions/acknowledged", { notifications: honored });
  res.once("close", () => sessions.end(session.id));
  session.onClose = () => {
    if (!res.writableEnded)
      stream.finish(JSON.stringify({ jsonrpc: "2.0", id: request.id, result: { _meta: subscription } }));
  };
}

/** Whether a listen stream's filter asked for this notification. */
function wanted(filter: ListenFilter, notification: JsonRpcNotification): boolean {
  switch (notification.method) {
    case "notifications/tools/list_changed":
      return filter.toolsListChanged === true;
    case "notifications/prompts/list_changed":
      return filter.promptsListChanged === true;
    case "notifications/resources/list_changed":
      return filter.resourcesListChanged === true;
    case "notifications/resources/updated":
      return (filter.resourceSubscriptions ?? []).includes(String(notification.params?.uri));
    default:
      return false;
  }
}

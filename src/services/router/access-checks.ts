// The access rules at the router: a request that uses a tool, prompt or resource is refused before it is
// forwarded when the session's principal may not use it. Hidden items fail as unknown ones do (same error, same
// message); visible but denied ones fail with `forbidden`. A refused tools/call is audited with errorKind
// `forbidden` and the real server and tool, whatever the caller was told.
import { isSwitchboardError, SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { AccessItem, Principal } from "../../core/identity.ts";
import type { JsonRpcRequest } from "../../core/jsonrpc.ts";
import type { Clock } from "../../ports/clock.ts";
import type { AccessGuard } from "../access/access-guard.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { reportCall } from "./call-events.ts";
import { unknownName, unknownResource } from "./catalog-routes.ts";
import type { RequestContext } from "./request-context.ts";

export interface AccessCheckDeps {
  access?: AccessGuard | undefined;
  catalog: Catalog;
  events: EventBus;
  clock: Clock;
}

/** What a request uses, once routed: the server and the item's own name (or URI), and the name the caller gave. */
export interface UsedItem {
  kind: "tool" | "prompt" | "resource";
  server: string;
  /** The server's own name of the tool or prompt, or the resource URI. */
  name: string;
  /** The name or URI as the caller sent it (what an unknown-item error names). */
  asked: string;
}

/** Throws when the session's principal may not use the item; a refused tools/call is audited first. */
export function enforceAccess(deps: AccessCheckDeps, ctx: RequestContext, request: JsonRpcRequest, used: UsedItem) {
  const { access } = deps;
  if (!access || access.open) return;
  const item = itemOf(access, used);
  const hidden = () =>
    used.kind === "resource"
      ? unknownResource(deps, used.asked, ctx.session.principal)
      : unknownName(deps, used.kind === "tool" ? "tools" : "prompts", used.asked, ctx.session.principal);
  const started = deps.clock.now();
  try {
    access.enforce(ctx.session.principal, item, hidden);
  } catch (error) {
    if (request.method === "tools/call") {
      reportCall(deps, {
        server: used.server,
        request: { ...request, params: { ...request.params, name: used.name } },
        startedAt: started,
        correlationId: ctx.correlationId,
        principal: ctx.session.principal.name,
        outcome: { error },
        errorKind: "forbidden",
      });
    }
    throw error;
  }
}

/**
 * The error for a name that could not be routed, as the principal may learn it: a failure of a hidden server
 * (it could not be started to learn its items) becomes the unknown-name error, so it does not reveal the server.
 * A refused tools/call is audited too, under no server (probing for tools is worth a record), with the real
 * failure, also when the caller is told of an unknown name.
 */
export function routingFailure(
  deps: AccessCheckDeps,
  ctx: RequestContext,
  request: JsonRpcRequest,
  kind: "tools" | "prompts",
  startedAt: number,
  failure: unknown,
): unknown {
  const { principal } = ctx.session;
  if (kind === "tools") {
    const { correlationId } = ctx;
    reportCall(deps, {
      server: "",
      request,
      startedAt,
      correlationId,
      principal: principal.name,
      outcome: { error: failure },
    });
  }
  const { access } = deps;
  if (!access || access.open || isSwitchboardError(failure, "invalid_params")) return failure;
  const name = String(request.params?.name);
  const server = deps.catalog.namespaceOf(name);
  return server !== undefined && !access.serverVisible(principal, server)
    ? unknownName(deps, kind, name, principal)
    : failure;
}

/**
 * Refuses MCP tasks (`tasks/*`, or a call asking to run as a task) on a shared server while clients authenticate:
 * its tasks live on its one connection, so any caller could list, read or cancel another's. A per-principal
 * server's connection is its principal's own.
 */
export function refuseSharedTasks(
  supervisor: Pick<Supervisor, "isPerPrincipal">,
  principal: Principal,
  server: string,
  request: JsonRpcRequest,
): void {
  const task =
    request.method.startsWith("tasks/") || (request.method === "tools/call" && request.params?.task !== undefined);
  if (!task || principal.via === "none" || supervisor.isPerPrincipal(server)) return;
  throw new SwitchboardError(
    "method_not_found",
    `tasks are not relayed on /mcp/${server} while clients authenticate: the server's tasks would be shared by every principal`,
  );
}

/** What a completion/complete is about: its ref names a prompt or a resource (template) URI. */
function completionTarget(ref: Record<string, unknown>): { kind: "prompt" | "resource"; name: string } {
  return ref.type === "ref/prompt"
    ? { kind: "prompt", name: String(ref.name) }
    : { kind: "resource", name: String(ref.uri) };
}

/** The item a request on a server's own endpoint uses (names there are the server's own), if any. */
export function usedOnServer(server: string, request: JsonRpcRequest): UsedItem | undefined {
  const params = request.params ?? {};
  switch (request.method) {
    case "tools/call":
      return { kind: "tool", server, name: String(params.name), asked: String(params.name) };
    case "prompts/get":
      return { kind: "prompt", server, name: String(params.name), asked: String(params.name) };
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe":
      return { kind: "resource", server, name: String(params.uri), asked: String(params.uri) };
    case "completion/complete": {
      const target = completionTarget((params.ref ?? {}) as Record<string, unknown>);
      return { ...target, server, asked: target.name };
    }
    default:
      return undefined;
  }
}

function itemOf(access: AccessGuard, used: UsedItem): AccessItem {
  if (used.kind === "tool") return access.toolItem(used.server, used.name);
  if (used.kind === "prompt") return access.promptItem(used.server, used.name);
  return access.resourceItem(used.server, used.name);
}

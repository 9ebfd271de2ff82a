// Where an aggregate request goes: the server behind a namespaced tool or prompt name, or behind a resource URI.
// Servers whose catalog was never seen are started to learn their items; a lookup or listing waits for them only
// a short while (a server that never finishes starting must not hold every listing up to its start timeout).
import { isSwitchboardError, SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { Principal } from "../../core/identity.ts";
import type { JsonRpcRequest } from "../../core/jsonrpc.ts";
import type { AccessGuard } from "../access/access-guard.ts";
import type { Catalog, HeldItem } from "../catalog/catalog.ts";
import type { Lease } from "../supervisor/server-supervisor.ts";
import { abortable } from "../supervisor/start-support.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";

export interface CatalogRouteDeps {
  catalog: Catalog;
  supervisor: Supervisor;
  events: EventBus;
  /** How long to wait for servers being discovered before answering without them. Milliseconds. */
  listWaitMs: number;
  /** The access rules: servers hidden from the caller are not named as still being discovered. */
  access?: Pick<AccessGuard, "serverVisible" | "open"> | undefined;
}

/** What an unknown-item error needs: the catalog, and the rules and caller to leave hidden servers out. */
type UnknownDeps = Pick<CatalogRouteDeps, "catalog" | "access">;

/**
 * The server and its own name for a namespaced tool or prompt; invalid_params when no server has it. A name in the
 * namespace of a server that could not be started to learn its items fails with the reason it could not start.
 */
export async function routeByName(
  deps: CatalogRouteDeps,
  kind: "tools" | "prompts",
  name: string,
  signal?: AbortSignal,
  principal?: Principal,
) {
  const view = () => (kind === "tools" ? deps.catalog.tools() : deps.catalog.prompts());
  let route = view().routes.get(name);
  if (!route && deps.catalog.unknownServers().length > 0) {
    // The server the name is namespaced under is the one the caller means: its start is waited for in full
    // (bounded by its own start timeout and the caller's signal), the others only up to listWaitMs.
    const named = deps.catalog.namespaceOf(name);
    const failures = await discoverUnknown(deps, signal, named, principal);
    route = view().routes.get(name);
    if (!route && named !== undefined && failures.has(named)) throw failures.get(named);
  }
  if (!route) {
    const held = deps.catalog.heldItem(kind, name);
    if (held) {
      // Another replica (or an operator against the store) may have approved it since this one last looked.
      if (await deps.catalog.approvedMeanwhile(held, kind)) route = view().routes.get(name);
      if (!route) throw quarantined(kind, name, deps.catalog.heldItem(kind, name) ?? held);
    }
  }
  if (!route) throw unknownName(deps, kind, name, principal);
  return route;
}

/**
 * The refusal of a call to a tool or prompt the integrity gate holds back, naming it and how to review it. It is
 * the same whether or not access rules would hide the server: only a name the caller already knows gets here.
 */
export function quarantined(kind: "tools" | "prompts", name: string, held: HeldItem): SwitchboardError {
  const what = kind === "tools" ? "tool" : "prompt";
  const reason =
    held.state === "rejected"
      ? "was rejected by an operator"
      : held.state === "changed"
        ? "changed since it was approved"
        : "is waiting for approval";
  return new SwitchboardError(
    "quarantined",
    `The ${what} ${name} is quarantined: it ${reason}. An operator can review it with \`switchboard tools diff ${held.server}${QUALIFIER}${held.name}\` and approve it with \`switchboard tools approve ${held.server}${QUALIFIER}${held.name}\`.`,
    {
      data: {
        server: held.server,
        [what]: held.name,
        state: held.state,
        review: `switchboard tools diff ${held.server}${QUALIFIER}${held.name}`,
      },
    },
  );
}

/**
 * Refuses a tools/call, prompts/get or prompt completion on a server's own endpoint of an item the integrity gate
 * holds back. A server whose lists the gate has not reviewed yet (first contact, or a changed command) is read
 * first: until then nothing it offers is known to be held.
 */
export async function refuseHeld(
  deps: CatalogRouteDeps,
  server: string,
  request: JsonRpcRequest,
  signal: AbortSignal,
  principal: Principal,
): Promise<void> {
  const ref = request.params?.ref as { type?: unknown; name?: unknown } | undefined;
  const completesPrompt = request.method === "completion/complete" && ref?.type === "ref/prompt";
  const kind =
    request.method === "tools/call"
      ? "tools"
      : request.method === "prompts/get" || completesPrompt
        ? "prompts"
        : undefined;
  if (!kind) return;
  const name = String(completesPrompt ? ref?.name : request.params?.name);
  const { catalog } = deps;
  if (catalog.gated(server) && catalog.offeredManifest(server) === undefined) {
    const failures = await discoverUnknown(deps, signal, server, principal, true);
    if (failures.has(server)) throw failures.get(server);
  }
  const held = catalog.heldItem(kind, name, server);
  // Another replica (or an operator against the store) may have approved it since this one last looked.
  if (held && !(await catalog.approvedMeanwhile(held, kind))) throw quarantined(kind, name, held);
}

/** How the review commands name an item of a server: `server/name` (whatever the gateway's separator). */
const QUALIFIER = "/";

/** The error for a tool or prompt name no server has (and for one hidden from the caller: the same). */
export function unknownName(deps: UnknownDeps, kind: "tools" | "prompts", name: string, principal?: Principal) {
  return new SwitchboardError("invalid_params", `Unknown ${kind === "tools" ? "tool" : "prompt"}: ${name}`, {
    data: notYetKnown(deps, principal),
  });
}

/** The error for a resource URI no server serves (and for one hidden from the caller: the same). */
export function unknownResource(deps: UnknownDeps, uri: string, principal?: Principal) {
  return new SwitchboardError("invalid_params", `Resource not found: ${uri}`, {
    data: { uri, ...notYetKnown(deps, principal) },
  });
}

/** The server that serves a resource URI; invalid_params when none does. */
export async function routeByUri(
  deps: CatalogRouteDeps,
  uri: string,
  signal?: AbortSignal,
  principal?: Principal,
): Promise<string> {
  let server = deps.catalog.resourceServer(uri);
  if (!server && deps.catalog.unknownServers().length > 0) {
    await discoverUnknown(deps, signal, undefined, principal);
    server = deps.catalog.resourceServer(uri);
  }
  if (!server) throw unknownResource(deps, uri, principal);
  return server;
}

/** Servers still being discovered, so a client knows the name may exist later. */
function notYetKnown(deps: UnknownDeps, principal: Principal | undefined): Record<string, unknown> | undefined {
  const { access } = deps;
  const unknown = deps.catalog
    .unknownServers()
    .filter((server) => !access || access.open || !principal || access.serverVisible(principal, server));
  return unknown.length > 0 ? { notYetKnown: unknown } : undefined;
}

/**
 * Starts servers whose catalog was never seen (first run or changed command) to learn their items, and waits
 * for them up to `listWaitMs`. Past it the waiting ends (and with it the call each wait counted), while the
 * starts go on: a server that becomes ready later is read into the catalog and announced with list_changed.
 * `patient` names one server waited for without that bound while it is asleep or starting (its start timeout
 * still applies): the server a namespaced name belongs to, which a call by that name needs whatever the others do.
 * A per-principal server is learnt from the caller's own instance (`principal`), and not at all without one.
 * Returns why each server that could not be started failed; the supervisor has logged it already. With `only`,
 * the patient server alone is discovered.
 */
export async function discoverUnknown(
  deps: CatalogRouteDeps,
  signal?: AbortSignal,
  patient?: string,
  principal?: Principal,
  only = false,
): Promise<Map<string, unknown>> {
  const failures = new Map<string, unknown>();
  const unknown = deps.catalog
    .unknownServers()
    .filter((name) => !only || name === patient)
    .filter((name) => principal !== undefined || !deps.supervisor.isPerPrincipal(name));
  if (unknown.length === 0) return failures;
  const bound = AbortSignal.timeout(deps.listWaitMs);
  const bounded = signal ? AbortSignal.any([signal, bound]) : bound;
  const unbounded = signal ?? new AbortController().signal;
  await Promise.all(
    unknown.map(async (name) => {
      // A server waiting out a backoff has failed to start already: its reason is the answer, not a long wait.
      let supervised: ReturnType<Supervisor["get"]>;
      try {
        supervised = principal ? deps.supervisor.instanceFor(name, principal) : deps.supervisor.get(name);
      } catch (error) {
        failures.set(name, error);
        return;
      }
      const starting = ["asleep", "starting"].includes(supervised.status().status);
      const waiting = name === patient && starting ? unbounded : bounded;
      let lease: Lease | undefined;
      try {
        lease = await supervised.acquire(waiting);
        await abortable(deps.catalog.settled(name), waiting);
      } catch (error) {
        if (waiting.aborted) {
          // Only the wait ran out: a server waiting out its backoff has already failed to start, and that is why.
          const { status, lastError } = supervised.status();
          if (!signal?.aborted && (status === "backoff" || status === "failed") && lastError) {
            failures.set(name, new SwitchboardError("upstream_unavailable", lastError, { data: { server: name } }));
          }
          return;
        }
        failures.set(name, error);
        // A caller without their own credentials is no failure of the server.
        if (!isSwitchboardError(error, "credentials_required"))
          deps.events.emit("discovery-failed", { server: name, error });
      } finally {
        lease?.release();
      }
    }),
  );
  return failures;
}

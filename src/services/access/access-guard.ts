// The access policy applied to what the gateway reveals and reaches: which listed items a principal sees (lists
// filtered once per catalog state and principal), whether a server shows at all, and the refusal of a use of an
// item. A hidden item is refused with the caller's "unknown" error, so nobody can probe for what exists.
import { SwitchboardError } from "../../core/errors.ts";
import type { AccessItem, Principal } from "../../core/identity.ts";
import type { AggregateList, Catalog } from "../catalog/catalog.ts";
import type { AccessPolicy, AccessVerdict } from "./access-policy.ts";

type Json = Record<string, unknown>;
export type ListKey = "tools" | "prompts" | "resources" | "resourceTemplates";

export interface AccessGuardOptions {
  policy: AccessPolicy;
  catalog: Catalog;
  /** gateway.namespaceSeparator: rules name tools and prompts `server{separator}name`. */
  separator: string;
}

/** Filtered lists kept per catalog list, for at most this many principals (then started afresh). */
const MAX_CACHED_PRINCIPALS = 1_000;

export class AccessGuard {
  private readonly o: AccessGuardOptions;
  private readonly filtered = new WeakMap<AggregateList, Map<string, { items: readonly Json[]; json: string }>>();

  constructor(options: AccessGuardOptions) {
    this.o = options;
  }

  /** No rules and default allow: nothing is filtered or refused. */
  get open(): boolean {
    return this.o.policy.open;
  }

  verdict(principal: Principal, item: AccessItem): AccessVerdict {
    return this.o.policy.verdict(principal, item);
  }

  /** Whether a server shows to the principal at all (see AccessPolicy.server). */
  serverVisible(principal: Principal, server: string): boolean {
    return this.o.policy.server(principal, server) !== "hide";
  }

  /** Refuses a server hidden from the principal exactly as a server that is not configured. */
  checkServer(principal: Principal, server: string): void {
    if (!this.serverVisible(principal, server))
      throw new SwitchboardError("server_not_found", `no server named "${server}" is configured`);
  }

  /** A server's tool by its own name, with the annotations its definition states (rules may ask for them). */
  toolItem(server: string, name: string): AccessItem {
    const tool = this.o.catalog.manifest(server)?.tools.find((t) => t.name === name);
    const annotations = tool?.annotations;
    return {
      kind: "tool",
      server,
      name: `${server}${this.o.separator}${name}`,
      annotations: annotations && typeof annotations === "object" ? (annotations as Json) : undefined,
    };
  }

  promptItem(server: string, name: string): AccessItem {
    return { kind: "prompt", server, name: `${server}${this.o.separator}${name}` };
  }

  /** A resource by URI; a URI read through one of the server's templates carries the template (rules on it apply). */
  resourceItem(server: string, uri: string): AccessItem {
    const template = this.o.catalog.resourceTemplateOf(server, uri);
    return template === undefined ? { kind: "resource", server, uri } : { kind: "resource", server, uri, template };
  }

  /**
   * Throws when the principal may not use the item: `hidden()` (the caller's error for an unknown item) when it
   * is hidden, `forbidden` when it is visible but denied.
   */
  enforce(principal: Principal, item: AccessItem, hidden: () => Error): void {
    const verdict = this.verdict(principal, item);
    if (verdict === "allow") return;
    if (verdict === "hide") throw hidden();
    throw forbidden(principal, item);
  }

  /** The items of an aggregated list the principal sees, and their `{"<key>": [...]}` JSON; cached. */
  aggregate(principal: Principal, key: ListKey, list: AggregateList): { items: readonly Json[]; json: string } {
    if (this.open) return list;
    let byPrincipal = this.filtered.get(list);
    if (!byPrincipal) {
      byPrincipal = new Map();
      this.filtered.set(list, byPrincipal);
    }
    const cacheKey = principalKey(principal);
    let found = byPrincipal.get(cacheKey);
    if (!found) {
      const items = list.items.filter((item, index) => this.shown(principal, key, list, item, index));
      found = { items, json: items.length === list.items.length ? list.json : JSON.stringify({ [key]: items }) };
      if (byPrincipal.size >= MAX_CACHED_PRINCIPALS) byPrincipal.clear();
      byPrincipal.set(cacheKey, found);
    }
    return found;
  }

  /** Items of one server under their own names (its endpoint) that the principal sees. */
  own(principal: Principal, server: string, key: ListKey, items: readonly Json[]): readonly Json[] {
    if (this.open) return items;
    return items.filter((item) => this.verdict(principal, this.itemOf(server, key, item)) !== "hide");
  }

  /** A list result (`{"<key>": [...], nextCursor?}`) of one server, without what is hidden from the principal. */
  ownResult(principal: Principal, server: string, key: ListKey, result: unknown): unknown {
    if (this.open || result === null || typeof result !== "object") return result;
    const items = (result as Json)[key];
    if (!Array.isArray(items)) return result;
    const shown = this.own(principal, server, key, items as Json[]);
    return shown.length === items.length ? result : { ...(result as Json), [key]: shown };
  }

  private shown(principal: Principal, key: ListKey, list: AggregateList, item: Json, index: number): boolean {
    // Tools and prompts are listed under exposed names; rules see `server{separator}<own name>`.
    const route = key === "tools" || key === "prompts" ? list.routes.get(String(item.name)) : undefined;
    const server = route?.server ?? list.servers?.[index];
    if (server === undefined) return true;
    const own = route ? { ...item, name: route.name } : item;
    return this.verdict(principal, this.itemOf(server, key, own)) !== "hide";
  }

  private itemOf(server: string, key: ListKey, item: Json): AccessItem {
    switch (key) {
      case "tools": {
        const annotations =
          item.annotations && typeof item.annotations === "object" ? (item.annotations as Json) : undefined;
        return { kind: "tool", server, name: `${server}${this.o.separator}${String(item.name)}`, annotations };
      }
      case "prompts":
        return this.promptItem(server, String(item.name));
      case "resources":
        return this.resourceItem(server, String(item.uri));
      case "resourceTemplates":
        return this.resourceItem(server, String(item.uriTemplate));
    }
  }
}

/** The refusal of a visible item the principal may not use. */
export function forbidden(principal: Principal, item: AccessItem): SwitchboardError {
  const what =
    item.kind === "server"
      ? `server ${item.server}`
      : item.kind === "resource"
        ? `resource ${item.uri}`
        : `${item.kind} ${item.name}`;
  return new SwitchboardError("forbidden", `${what} is not allowed for ${principal.name}`, {
    data: { server: item.server },
  });
}

/** Decisions depend on the name and the groups only. */
function principalKey(principal: Principal): string {
  return JSON.stringify([principal.name, [...principal.groups].sort()]);
}

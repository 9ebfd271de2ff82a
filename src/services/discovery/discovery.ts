// Which tools a client sees and what the gateway's own meta-tools do. Full mode lists every tool (namespaced on
// /mcp); progressive mode lists search_tools, describe_tools, call_tool and read_result plus pinned tools;
// auto picks full up to a tool count. The mode is settled per request from the endpoint and the client's name,
// so a catalog that grows past the threshold switches listings (clients hear list_changed as usual).
import type { ClientDiscovery, DiscoveryMode, DiscoverySettings } from "../../core/gateway-config.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { AccessGuard } from "../access/access-guard.ts";
import type { AggregateList, Catalog } from "../catalog/catalog.ts";
import type { DownstreamSession } from "../router/sessions.ts";
import type { ToolSearch } from "../search/tool-search.ts";
import {
  CALL_TOOL,
  DESCRIBE_TOOLS,
  META_TOOL_NAMES,
  PROGRESSIVE_META_TOOLS,
  READ_RESULT,
  READ_RESULT_DEFINITION,
  SEARCH_TOOLS,
  type SearchDetail,
} from "./meta-tools.ts";
import { describeHit, errorResult, jsonResult } from "./search-reply.ts";
import { listedTools } from "./tool-listing.ts";

type Json = Record<string, unknown>;

export interface DiscoveryOptions {
  catalog: Catalog;
  search: ToolSearch;
  settings: DiscoverySettings;
  specs: readonly ServerSpec[];
  /** Whether a budget can cut results of a server (undefined: of any server); read_result is listed then. */
  budgeted: (server?: string) => boolean;
  /**
   * Whether results of a server's tool (its own name) may be cut or projected; such tools are listed without
   * their outputSchema (tool-listing.ts). Absent: no result is changed.
   */
  reshaped?: (server: string, tool: string) => boolean;
  /** Access rules: listings, search and describe show only what the session's principal may see. */
  access?: AccessGuard;
}

/** What a meta-tool call comes to: a ready result, a tool call to forward, or a page of a cut result. */
export type MetaOutcome =
  | { result: Json }
  | { forward: { name: string; arguments: Json; fields: string[] | undefined } }
  | { read: { handle: string; offset: number } };

export class Discovery {
  private readonly o: DiscoveryOptions;
  private readonly specs: Map<string, ServerSpec>;
  private readonly clients: { pattern: RegExp; client: ClientDiscovery }[];
  /** Listings by the tool list they were built from (the catalog's, or one principal's filtered copy of it). */
  private readonly listings = new WeakMap<object, Map<string, string>>();
  /**
   * Full-mode listings of servers' own endpoints, by their own tool list (catalog.ownTools: reserved names
   * hidden); null: the server's list as it is.
   */
  private readonly serverListings = new WeakMap<readonly Json[], string | null>();
  /** Exposed names of one principal's tools, by its filtered tool list (access-guard.ts). */
  private readonly visibleNames = new WeakMap<object, ReadonlySet<string>>();

  constructor(options: DiscoveryOptions) {
    this.o = options;
    this.specs = new Map(options.specs.map((s) => [s.name, s]));
    this.clients = options.settings.clients.map((client) => ({ pattern: glob(client.name), client }));
  }

  /** The listing mode for a request of this session: auto is resolved against the current tool count. */
  mode(session: DownstreamSession): "full" | "progressive" {
    const { endpoint } = session;
    let configured: DiscoveryMode;
    let count: number;
    if (endpoint.kind === "server") {
      configured = this.specs.get(endpoint.server)?.discovery ?? "full";
      count = this.o.catalog.manifest(endpoint.server)?.tools.length ?? 0;
    } else {
      configured = this.client(session)?.mode ?? this.o.settings.mode;
      count = configured === "auto" ? this.o.catalog.toolCount() : 0;
    }
    if (configured === "auto") return count > this.o.settings.autoThreshold ? "progressive" : "full";
    return configured;
  }

  /**
   * The `tools/list` result JSON of the aggregated endpoint (`{"tools":[…]}`), cached per catalog state.
   * Full mode adds read_result when a budget can cut a result.
   */
  aggregateListing(session: DownstreamSession): string {
    const view = this.o.catalog.tools();
    // One principal's tools are a copy cached per catalog state (access-guard.ts): listings built from it are
    // never served to another principal.
    const shown = this.o.access ? this.o.access.aggregate(session.principal, "tools", view) : view;
    const mode = this.mode(session);
    const pinned = mode === "progressive" ? (this.client(session)?.pinned ?? this.o.settings.pinned) : [];
    const key = `${mode}\u0000${pinned.join("\u0000")}`;
    let cached = this.listings.get(shown);
    if (!cached) {
      cached = new Map();
      this.listings.set(shown, cached);
    }
    let json = cached.get(key);
    if (json === undefined) {
      json = this.buildAggregateListing(view, shown, mode, pinned);
      cached.set(key, json);
    }
    return json;
  }

  /**
   * The `tools/list` result of a server's own endpoint, or undefined to serve the server's list (without tools
   * named like a meta-tool: the catalog hides those) unchanged.
   */
  serverListing(session: DownstreamSession, server: string): string | undefined {
    const own = this.o.catalog.ownTools(server);
    if (!own) return undefined;
    if (this.mode(session) === "progressive") return JSON.stringify({ tools: PROGRESSIVE_META_TOOLS });
    const { access } = this.o;
    if (access && !access.open) {
      const shown = access.own(session.principal, server, "tools", own);
      return this.buildServerListing(server, shown) ?? JSON.stringify({ tools: shown });
    }
    let listing = this.serverListings.get(own);
    if (listing === undefined) {
      listing = this.buildServerListing(server, own);
      this.serverListings.set(own, listing);
    }
    return listing ?? undefined;
  }

  /**
   * Whether a tools/call name is one of the gateway's meta-tools. They are the gateway's on every endpoint: a
   * server's tool of the same name is hidden on its own endpoint (and reachable on /mcp, namespaced), so a
   * server cannot stand in for read_result or search_tools and receive what a client meant for the gateway.
   */
  isMetaTool(_session: DownstreamSession, name: string): boolean {
    return META_TOOL_NAMES.has(name);
  }

  /**
   * A `tools/list` response a server gave on its own endpoint (a page past the first, or before its catalog was
   * known), without its tools named like a meta-tool. Parsed only when such a name occurs in it.
   */
  hideReservedTools(response: string): string {
    if (![...META_TOOL_NAMES].some((name) => response.includes(`"${name}"`))) return response;
    const message = JSON.parse(response) as { result?: { tools?: unknown } };
    const tools = message.result?.tools;
    if (!Array.isArray(tools)) return response;
    const shown = tools.filter((tool) => !META_TOOL_NAMES.has(String((tool as Json | null)?.name)));
    if (shown.length === tools.length) return response;
    return JSON.stringify({ ...message, result: { ...message.result, tools: shown } });
  }

  /** Runs search_tools / describe_tools, or says what call_tool and read_result come to. */
  async call(session: DownstreamSession, name: string, args: Json, signal?: AbortSignal): Promise<MetaOutcome> {
    const server = session.endpoint.kind === "server" ? session.endpoint.server : undefined;
    switch (name) {
      case SEARCH_TOOLS:
        return { result: await this.searchTools(session, args, server, signal) };
      case DESCRIBE_TOOLS:
        return { result: this.describeTools(session, args, server) };
      case CALL_TOOL: {
        if (typeof args.name !== "string" || args.name === "")
          return { result: errorResult("call_tool needs `name`: a tool name from search_tools.") };
        const toolArgs = args.arguments ?? {};
        if (typeof toolArgs !== "object" || Array.isArray(toolArgs) || toolArgs === null)
          return { result: errorResult("call_tool: `arguments` must be an object.") };
        const fields = Array.isArray(args.fields) ? args.fields.map(String) : undefined;
        return { forward: { name: args.name, arguments: toolArgs as Json, fields } };
      }
      case READ_RESULT: {
        const offset = args.offset ?? 0;
        if (typeof args.handle !== "string" || typeof offset !== "number" || !Number.isInteger(offset) || offset < 0)
          return { result: errorResult("read_result needs the `handle` and `offset` given with the cut result.") };
        return { read: { handle: args.handle, offset } };
      }
      default:
        return { result: errorResult(`Unknown gateway tool: ${name}`) };
    }
  }

  private async searchTools(
    session: DownstreamSession,
    args: Json,
    scope: string | undefined,
    signal?: AbortSignal,
  ): Promise<Json> {
    const { defaultLimit, maxLimit } = this.o.settings.search;
    if (typeof args.query !== "string" || args.query.trim() === "")
      return errorResult("search_tools needs `query`: what you want to do, in words.");
    const detail = (args.detail ?? "summary") as SearchDetail;
    if (!["name", "summary", "full"].includes(detail))
      return errorResult("search_tools: `detail` is one of name, summary, full.");
    const limitArg = args.limit ?? defaultLimit;
    if (typeof limitArg !== "number" || !Number.isInteger(limitArg) || limitArg < 1)
      return errorResult("search_tools: `limit` must be a positive integer.");
    const server = scope ?? (typeof args.server === "string" && args.server !== "" ? args.server : undefined);
    const shows = (name: string) => this.specs.get(name)?.enabled === true && this.serverShown(session, name);
    if (server !== undefined && !shows(server)) {
      const known = [...this.specs.keys()].filter(shows);
      return errorResult(`search_tools: no server named ${server}. Servers: ${known.join(", ")}`);
    }
    const limit = Math.min(limitArg, maxLimit);
    const visible = this.visibleTools(session);
    const request = { query: args.query, limit, server, visible };
    const found = await this.o.search.searchFused(request, signal);
    // On a server's endpoint its tools go by their own names: one named like a meta-tool is not callable there.
    const matches = scope ? found.filter((m) => !META_TOOL_NAMES.has(m.name)) : found;
    const tools = matches.map((m) => describeHit(m.tool, scope ? m.name : String(m.tool.name), detail));
    const reply: Json = { tools };
    const unknown = this.o.catalog
      .unknownServers()
      .filter((s) => (server === undefined || s === server) && this.serverShown(session, s));
    if (unknown.length > 0) reply.notYetIndexed = unknown;
    if (tools.length === 0) reply.hint = "No match: try other words, or fewer.";
    return jsonResult(reply);
  }

  private describeTools(session: DownstreamSession, args: Json, scope: string | undefined): Json {
    const names = Array.isArray(args.names)
      ? args.names.map(String)
      : typeof args.names === "string"
        ? [args.names]
        : [];
    if (names.length === 0) return errorResult("describe_tools needs `names`: tool names from search_tools.");
    const view = this.o.catalog.tools();
    const exposed = scope ? names.map((n) => this.exposedName(view, scope, n) ?? n) : names;
    const visible = this.visibleTools(session);
    // A tool hidden from the caller is described as a name that does not exist.
    const described = this.o.search.describe(exposed);
    const found = visible ? described.filter((tool) => visible(String(tool.name))) : described;
    const tools = found.map((tool) => {
      const route = view.routes.get(String(tool.name));
      return scope && route ? { ...tool, name: route.name } : tool;
    });
    const foundNames = new Set(found.map((t) => String(t.name)));
    const missing = names.filter((_, i) => !foundNames.has(exposed[i] as string));
    const reply: Json = { tools };
    if (missing.length > 0) reply.unknown = missing;
    return jsonResult(reply, tools.length === 0);
  }

  private exposedName(view: AggregateList, server: string, own: string): string | undefined {
    for (const [exposed, route] of view.routes) if (route.server === server && route.name === own) return exposed;
    return undefined;
  }

  private buildServerListing(server: string, tools: readonly Json[]): string | null {
    const { reshaped } = this.o;
    const listed = reshaped ? listedTools(tools, (tool) => reshaped(server, String(tool.name))) : tools;
    const withReader = this.o.budgeted(server);
    if (listed === tools && !withReader) return null;
    return JSON.stringify({ tools: withReader ? [...listed, READ_RESULT_DEFINITION] : listed });
  }

  /** Whether tools of this exposed name show to the session's principal; undefined: all do. */
  private visibleTools(session: DownstreamSession): ((name: string) => boolean) | undefined {
    const { access } = this.o;
    if (!access || access.open) return undefined;
    const shown = access.aggregate(session.principal, "tools", this.o.catalog.tools());
    let names = this.visibleNames.get(shown);
    if (!names) {
      names = new Set(shown.items.map((tool) => String(tool.name)));
      this.visibleNames.set(shown, names);
    }
    const held = names;
    return (name) => held.has(name);
  }

  private serverShown(session: DownstreamSession, server: string): boolean {
    return this.o.access?.serverVisible(session.principal, server) ?? true;
  }

  private buildAggregateListing(
    view: AggregateList,
    shown: { items: readonly Json[]; json: string },
    mode: "full" | "progressive",
    pinned: readonly string[],
  ) {
    const { reshaped } = this.o;
    const items = reshaped
      ? listedTools(shown.items, (tool) => {
          const route = view.routes.get(String(tool.name));
          return route === undefined || reshaped(route.server, route.name);
        })
      : shown.items;
    if (mode === "full") {
      if (this.o.budgeted()) return JSON.stringify({ tools: [...items, READ_RESULT_DEFINITION] });
      return items === shown.items ? shown.json : JSON.stringify({ tools: items });
    }
    const wanted = new Set(pinned);
    const pinnedTools = items.filter((item) => wanted.has(String(item.name)));
    return JSON.stringify({ tools: [...PROGRESSIVE_META_TOOLS, ...pinnedTools] });
  }

  private client(session: DownstreamSession): ClientDiscovery | undefined {
    const name = session.clientInfo?.name;
    if (typeof name !== "string" || this.clients.length === 0) return undefined;
    return this.clients.find(({ pattern }) => pattern.test(name))?.client;
  }
}

/** A case-insensitive whole-string glob where `*` matches any run of characters. */
function glob(pattern: string): RegExp {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "i");
}

// Tool search over the aggregated catalog. The index follows the catalog incrementally: when the aggregated
// tool list was rebuilt (a manifest changed, a server was added or removed), only servers whose manifest or
// exposed names changed are re-indexed. Reads cached manifests only: searching never starts a server.
import type { ServerSpec } from "../../core/server-spec.ts";
import type { SearchHit, SearchIndex } from "../../ports/search-index.ts";
import type { AggregateList, Catalog } from "../catalog/catalog.ts";
import { toolDocument } from "./tool-documents.ts";

export interface ToolSearchOptions {
  catalog: Catalog;
  index: SearchIndex;
  specs: readonly ServerSpec[];
}

export interface ToolMatch extends SearchHit {
  /** The tool as listed on /mcp (namespaced name). */
  tool: Record<string, unknown>;
  /** The server's own name of the tool. */
  name: string;
}

export interface SearchRequest {
  query: string;
  limit: number;
  server?: string;
}

export class ToolSearch {
  private readonly o: ToolSearchOptions;
  private readonly descriptions: Map<string, string>;
  private synced: AggregateList | undefined;
  /** Per server: the manifest object and exposed names it was indexed from. */
  private readonly indexed = new Map<string, { manifest: unknown; ids: string }>();
  private byId = new Map<string, Record<string, unknown>>();

  constructor(options: ToolSearchOptions) {
    this.o = options;
    this.descriptions = new Map(options.specs.map((s) => [s.name, s.description ?? ""]));
  }

  /** Number of indexed tools. */
  get size(): number {
    this.sync();
    return this.o.index.size;
  }

  search(request: SearchRequest): ToolMatch[] {
    const view = this.sync();
    const hits = this.o.index.search({ text: request.query, limit: request.limit, server: request.server });
    return hits.flatMap((hit) => {
      const tool = this.byId.get(hit.id);
      const route = view.routes.get(hit.id);
      return tool && route ? [{ ...hit, tool, name: route.name }] : [];
    });
  }

  /** Listed tools by exposed name (describe_tools); unknown names are left out. */
  describe(names: readonly string[]): Record<string, unknown>[] {
    this.sync();
    return names.flatMap((name) => {
      const tool = this.byId.get(name);
      return tool ? [tool] : [];
    });
  }

  /** Brings the index up to date with the catalog's current aggregated tool list. */
  private sync(): AggregateList {
    const view = this.o.catalog.tools();
    if (view === this.synced) return view;
    const byServer = new Map<string, { id: string; item: Record<string, unknown> }[]>();
    for (const item of view.items) {
      const id = String(item.name);
      const route = view.routes.get(id);
      if (!route) continue;
      const list = byServer.get(route.server) ?? [];
      list.push({ id, item: { ...item, name: route.name } });
      byServer.set(route.server, list);
    }
    for (const [server, tools] of byServer) {
      const manifest = this.o.catalog.manifest(server);
      const ids = tools.map((t) => t.id).join("\n");
      const held = this.indexed.get(server);
      if (held && held.manifest === manifest && held.ids === ids) continue;
      const description = this.serverDescription(server);
      this.o.index.replaceServer(
        server,
        tools.map((t) => toolDocument(t.id, server, t.item, description)),
      );
      this.indexed.set(server, { manifest, ids });
    }
    for (const server of [...this.indexed.keys()]) {
      if (byServer.has(server)) continue;
      this.o.index.replaceServer(server, []);
      this.indexed.delete(server);
    }
    this.byId = new Map(view.items.map((item) => [String(item.name), item]));
    this.synced = view;
    return view;
  }

  /** The configured description, else the server's own title and the first sentence of its instructions. */
  private serverDescription(server: string): string {
    const configured = this.descriptions.get(server);
    if (configured) return configured;
    const manifest = this.o.catalog.manifest(server);
    const info = (manifest?.serverInfo ?? {}) as Record<string, unknown>;
    const title = typeof info.title === "string" ? info.title : "";
    const instructions = manifest?.instructions?.split(/(?<=[.!?])\s/, 1)[0] ?? "";
    return `${title} ${instructions.slice(0, 300)}`.trim();
  }
}

// Tool search over the aggregated catalog. The index follows the catalog incrementally: when the aggregated
// tool list was rebuilt (a manifest changed, a server was added or removed), only servers whose manifest or
// exposed names changed are re-indexed. Reads cached manifests only: searching never starts a server.
// With a semantic index, rankings of both are fused by reciprocal rank fusion; the semantic side embeds in the
// background and, while it cannot answer, the lexical ranking answers alone.
import { canonicalHash } from "../../core/canonical-hash.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { SearchHit, SearchIndex, ToolDocument } from "../../ports/search-index.ts";
import type { AggregateList, Catalog } from "../catalog/catalog.ts";
import { rrfScores } from "./rank-fusion.ts";
import type { SemanticDocument, SemanticIndex } from "./semantic-index.ts";
import { toolDocument } from "./tool-documents.ts";

/** Candidates taken from each ranking before fusing: fusion reorders the heads of both lists. */
const FUSION_DEPTH = 50;

export interface ToolSearchOptions {
  catalog: Catalog;
  index: SearchIndex;
  specs: readonly ServerSpec[];
  /** Optional embedding ranking, fused with the lexical one. */
  semantic?: SemanticIndex;
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
  /** Only tools (by exposed name) this accepts: those the caller may see. */
  visible?: (id: string) => boolean;
}

export class ToolSearch {
  private readonly o: ToolSearchOptions;
  private readonly descriptions: Map<string, string>;
  private synced: AggregateList | undefined;
  /** Per server: the manifest object and exposed names it was indexed from. */
  private readonly indexed = new Map<string, { manifest: unknown; ids: string }>();
  private byId = new Map<string, Record<string, unknown>>();
  /** What the semantic index embeds per tool id (name and description), as last indexed. */
  private readonly semanticDocs = new Map<string, SemanticDocument & { server: string }>();

  constructor(options: ToolSearchOptions) {
    this.o = options;
    this.descriptions = new Map(options.specs.map((s) => [s.name, s.description ?? ""]));
  }

  /** Number of indexed tools. */
  get size(): number {
    this.sync();
    return this.o.index.size;
  }

  /** Lexical hits only, synchronously. */
  search(request: SearchRequest): ToolMatch[] {
    const view = this.sync();
    return this.matches(view, this.lexical(request, request.limit));
  }

  /** The best `limit` lexical hits the request may see (all hits are ranked when some may not be shown). */
  private lexical(request: SearchRequest, limit: number): SearchHit[] {
    const { visible, server } = request;
    const text = request.query;
    if (!visible) return this.o.index.search({ text, limit, server });
    const hits = this.o.index.search({ text, limit: Math.max(limit, this.o.index.size), server });
    return hits.filter((hit) => visible(hit.id)).slice(0, limit);
  }

  /**
   * Lexical and semantic rankings fused (RRF, equal weights), or the lexical ranking alone when there is no
   * semantic index or it has nothing to say (not embedded yet, endpoint down). Never rejects for the semantic side.
   */
  async searchFused(request: SearchRequest, signal?: AbortSignal): Promise<ToolMatch[]> {
    const { semantic } = this.o;
    if (!semantic) return this.search(request);
    const view = this.sync();
    const depth = Math.max(FUSION_DEPTH, request.limit);
    const lexical = this.lexical(request, depth);
    const { server, visible } = request;
    const filter =
      server === undefined && visible === undefined
        ? undefined
        : (id: string) => (server === undefined || view.routes.get(id)?.server === server) && (visible?.(id) ?? true);
    const semanticHits = await semantic.rank(request.query, depth, filter, signal);
    if (semanticHits.length === 0) return this.matches(view, lexical.slice(0, request.limit));
    if (view !== this.o.catalog.tools()) return this.search(request); // the catalog changed meanwhile
    const fused = rrfScores([lexical.map((h) => h.id), semanticHits.map((h) => h.id)]).slice(0, request.limit);
    return this.matches(
      view,
      fused.map((hit) => ({ id: hit.id, server: view.routes.get(hit.id)?.server ?? "", score: hit.score })),
    );
  }

  /** Brings the indexes up to date now (the semantic one embeds in the background). */
  refresh(): void {
    this.sync();
  }

  /** Listed tools by exposed name (describe_tools); unknown names are left out. */
  describe(names: readonly string[]): Record<string, unknown>[] {
    this.sync();
    return names.flatMap((name) => {
      const tool = this.byId.get(name);
      return tool ? [tool] : [];
    });
  }

  private matches(view: AggregateList, hits: readonly SearchHit[]): ToolMatch[] {
    return hits.flatMap((hit) => {
      const tool = this.byId.get(hit.id);
      const route = view.routes.get(hit.id);
      return tool && route ? [{ ...hit, tool, name: route.name }] : [];
    });
  }

  /** Brings the index up to date with the catalog's current aggregated tool list. */
  private sync(): AggregateList {
    const view = this.o.catalog.tools();
    if (view === this.synced) return view;
    let changed = false;
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
      const docs = tools.map((t) => toolDocument(t.id, server, t.item, description));
      this.o.index.replaceServer(server, docs);
      this.replaceSemantic(server, docs);
      this.indexed.set(server, { manifest, ids });
      changed = true;
    }
    for (const server of [...this.indexed.keys()]) {
      if (byServer.has(server)) continue;
      this.o.index.replaceServer(server, []);
      this.replaceSemantic(server, []);
      this.indexed.delete(server);
      changed = true;
    }
    if (changed) void this.o.semantic?.sync([...this.semanticDocs.values()]);
    this.byId = new Map(view.items.map((item) => [String(item.name), item]));
    this.synced = view;
    return view;
  }

  /** The semantic index embeds a tool's name (split into words) and description; the hash follows that text. */
  private replaceSemantic(server: string, docs: readonly ToolDocument[]): void {
    if (!this.o.semantic) return;
    for (const [id, doc] of this.semanticDocs) if (doc.server === server) this.semanticDocs.delete(id);
    for (const doc of docs) {
      const text = `${doc.name.replace(/[_\-.]+/g, " ")}: ${doc.title ? `${doc.title}. ` : ""}${doc.description}`;
      this.semanticDocs.set(doc.id, { id: doc.id, server, hash: canonicalHash(text), text });
    }
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

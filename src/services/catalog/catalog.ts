// The aggregated catalog of every server's tools, prompts, resources and resource templates, built from the
// per-server manifest cache so an asleep server's items are listed without starting it. Aggregated lists are
// namespaced (`server__name`), cached, and kept as ready-to-send JSON.
import { canonicalHash } from "../../core/canonical-hash.ts";
import type { CatalogKind, EventBus } from "../../core/events.ts";
import type { DefinitionLimits } from "../../core/gateway-config.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { ManifestStore, ServerManifest } from "../../ports/manifest-store.ts";
import type { IntegrityGate } from "../integrity/integrity-gate.ts";
import type { UpstreamPeer } from "../upstream/upstream-peer.ts";
import {
  type AggregateList,
  buildResourceIndex,
  buildViews,
  type CatalogProblem,
  type ResourceIndex,
} from "./catalog-views.ts";
import { DefinitionLimiter, type LimitedDefinition } from "./definition-limits.ts";
import { fetchManifest, LISTS_OF_KIND, specHash } from "./fetch-manifest.ts";
import { changedKinds, type HeldItem, type ListKey, ServedManifests } from "./served-manifests.ts";

export type { AggregateList, CatalogProblem, Route } from "./catalog-views.ts";

export interface CatalogOptions {
  specs: readonly ServerSpec[];
  store: ManifestStore;
  separator: string;
  events: EventBus;
  /** Bounds on what a server may offer (gateway.definitionLimits); applied to every manifest taken. */
  limits: DefinitionLimits;
  /**
   * Tool names the gateway answers itself on a server's own endpoint (its meta-tools): a server's tool of such
   * a name is hidden there and reported; it stays callable on the aggregate endpoint under its namespaced name.
   */
  reservedNames?: ReadonlySet<string>;
  /** Tool integrity: what of each manifest is served (pins, review, screening); unset: everything is. */
  gate?: Pick<IntegrityGate, "review" | "decided" | "pin" | "lookAlikes"> | undefined;
}

export type { HeldItem } from "./served-manifests.ts";

export class Catalog {
  private readonly options: CatalogOptions;
  private readonly specs: Map<string, ServerSpec>;
  /** Each server's manifest as offered and as served (without what the integrity gate holds back). */
  private readonly gating: ServedManifests;
  private readonly refreshes = new Map<string, Promise<ServerManifest | undefined>>();
  /** Reads of a server's lists waiting for the one under way: later announcements join them. */
  private readonly queuedRefreshes = new Map<
    string,
    { peer: UpstreamPeer; kinds: Set<CatalogKind> | undefined; done: Promise<ServerManifest | undefined> }
  >();
  private views: Map<string, AggregateList> | undefined;
  private resourceIndex: ResourceIndex | undefined;
  private namingProblems: CatalogProblem[] = [];
  private readonly toolHashes = new WeakMap<ServerManifest, Map<string, string>>();
  private readonly listCounts = { hits: 0, misses: 0 };
  private readonly limiter: DefinitionLimiter;
  private readonly ownToolLists = new WeakMap<ServerManifest, Record<string, unknown>[]>();

  constructor(options: CatalogOptions) {
    this.options = options;
    this.limiter = new DefinitionLimiter(options.limits, (event) => options.events.emit("definition-limited", event));
    this.specs = new Map(options.specs.filter((s) => s.enabled).map((s) => [s.name, s]));
    this.gating = new ServedManifests({
      specs: this.specs,
      gate: options.gate,
      changed: (server, kinds) => {
        this.invalidate();
        options.events.emit("catalog-changed", { server, kinds });
      },
      failed: (server, error) => options.events.emit("catalog-failed", { server, step: "pins", error }),
    });
  }

  /** Reads cached manifests; those written for a different command or URL are ignored. */
  async load(): Promise<void> {
    await Promise.all(
      [...this.specs.values()].map(async (spec) => {
        const manifest = await this.options.store.load(spec.name);
        if (manifest && manifest.specHash === specHash(spec)) {
          await this.gating.take(spec.name, this.limiter.bound(manifest));
        }
      }),
    );
    this.invalidate();
  }

  /** Whether the integrity gate reviews what a server offers (nothing of it is served before its review). */
  gated(server: string): boolean {
    return this.gating.gated(server);
  }

  /** A server's manifest as served (without held items). */
  manifest(server: string): ServerManifest | undefined {
    return this.gating.served(server);
  }

  /** A server's manifest as the server sent it, held items included (for review). */
  offeredManifest(server: string): ServerManifest | undefined {
    return this.gating.offered(server);
  }

  /**
   * The tool or prompt a client named that the integrity gate holds back: by its namespaced name on the
   * aggregate endpoint, or by its own name on its server's endpoint.
   */
  heldItem(kind: "tools" | "prompts", name: string, server?: string): HeldItem | undefined {
    const candidates = server !== undefined ? [[server, name] as const] : this.splitName(name);
    return this.gating.heldItem(kind, candidates);
  }

  /** The items of a server's latest manifest the integrity gate holds back, by kind and name, with their state. */
  heldItems(server: string): { kind: string; name: string; state: string }[] {
    return this.gating.heldItems(server);
  }

  /** Whether a held tool or prompt was approved meanwhile (here, on another replica, or against the store). */
  approvedMeanwhile(held: HeldItem, kind: "tools" | "prompts"): Promise<boolean> {
    return this.gating.approvedMeanwhile(held, kind);
  }

  /** Reviews a server's manifest again and announces what left or returned. Never rejects. */
  regate(server: string): Promise<void> {
    return this.gating.regate(server);
  }

  private splitName(name: string): (readonly [string, string])[] {
    const sep = this.options.separator;
    return [...this.specs.keys()]
      .filter((server) => name.startsWith(`${server}${sep}`))
      .map((server) => [server, name.slice(server.length + sep.length)] as const);
  }

  /**
   * Re-reads a server's manifest from the store (another replica may have refreshed it) and takes it when it
   * is newer than the one held; list_changed goes out as for a refresh. For servers not running here.
   */
  async reload(server: string): Promise<void> {
    const spec = this.specs.get(server);
    if (!spec || this.refreshes.has(server)) return;
    const stored = await this.options.store.load(server);
    const held = this.gating.offered(server);
    if (!stored || stored.specHash !== specHash(spec) || (held && stored.fetchedAt <= held.fetchedAt)) return;
    if (this.refreshes.has(server)) return; // a refresh from the server itself started meanwhile: it wins
    await this.accept(server, this.limiter.bound(stored));
  }

  /** A list response a server gave on its own endpoint (forwarded as it is), within the definition limits. */
  boundListResponse(key: "tools" | "prompts" | "resources" | "resourceTemplates", response: string): string {
    return this.limiter.boundResponse(key, response);
  }

  /** A page of a server's own list without the items the integrity gate holds back. */
  servedPage(server: string, key: ListKey, result: Record<string, unknown>): Record<string, unknown> {
    return this.gating.servedPage(server, key, result);
  }

  /** The definitions of a server that were cut or refused by the definition limits (latest manifest). */
  limited(server: string): readonly LimitedDefinition[] {
    return this.limiter.limited(server);
  }

  /** The registry's definition hash (sha256 of canonical JSON) of a server's tool, if the tool is known. */
  definitionHash(server: string, tool: string): string | undefined {
    const manifest = this.gating.served(server);
    if (!manifest) return undefined;
    let hashes = this.toolHashes.get(manifest);
    if (!hashes) {
      hashes = new Map(manifest.tools.map((item) => [String(item.name), canonicalHash(item)]));
      this.toolHashes.set(manifest, hashes);
    }
    return hashes.get(tool);
  }

  /** How often an aggregated list was served as built (hit) or had to be rebuilt after a change (miss). */
  listStats(): { hits: number; misses: number } {
    return { ...this.listCounts };
  }

  /** The enabled server whose namespace a name is in (`server<separator>…`; the longest server name wins). */
  namespaceOf(name: string): string | undefined {
    let found: string | undefined;
    for (const server of this.specs.keys()) {
      if (name.startsWith(`${server}${this.options.separator}`) && server.length > (found?.length ?? -1))
        found = server;
    }
    return found;
  }

  /** Enabled servers whose items are not known yet (never ran, or their command changed). */
  unknownServers(): string[] {
    return [...this.specs.keys()].filter((name) => this.gating.offered(name) === undefined);
  }

  /**
   * Re-reads lists from a running server; only the given kinds when a list_changed named them. Never rejects
   * (callers fire and forget it): a failure is announced (`catalog-failed`) and the previous manifest stays.
   */
  refresh(server: string, peer: UpstreamPeer, kinds?: readonly CatalogKind[]): Promise<ServerManifest | undefined> {
    // A read not started yet takes this one's kinds: announcements in a burst cost one more read, not one each.
    const queued = this.queuedRefreshes.get(server);
    if (queued) {
      queued.peer = peer;
      if (!kinds) queued.kinds = undefined;
      else for (const kind of kinds) queued.kinds?.add(kind);
      return queued.done;
    }
    const entry = {
      peer,
      kinds: kinds ? new Set(kinds) : undefined,
      done: Promise.resolve(this.gating.served(server)),
    };
    this.queuedRefreshes.set(server, entry);
    const running = this.refreshes.get(server);
    const next = (running ?? Promise.resolve(undefined))
      .then(() => {
        this.queuedRefreshes.delete(server);
        return this.doRefresh(server, entry.peer, entry.kinds ? [...entry.kinds] : undefined);
      })
      .catch((error: unknown) => {
        this.options.events.emit("catalog-failed", { server, step: "refresh", error });
        return this.gating.served(server);
      });
    const tracked = next.finally(() => {
      if (this.refreshes.get(server) === tracked) this.refreshes.delete(server);
    });
    this.refreshes.set(server, tracked);
    entry.done = tracked;
    return tracked;
  }

  /** The reading of servers' lists under way, if any (a shutdown lets it finish before stopping servers). */
  refreshing(): Promise<unknown> | undefined {
    return this.refreshes.size > 0 ? Promise.all(this.refreshes.values()) : undefined;
  }

  /** Resolves when a refresh in progress for the server (if any) is done. */
  async settled(server: string): Promise<void> {
    await this.refreshes.get(server);
  }

  private async doRefresh(
    server: string,
    peer: UpstreamPeer,
    kinds?: readonly CatalogKind[],
  ): Promise<ServerManifest | undefined> {
    const spec = this.specs.get(server);
    if (!spec) return undefined;
    const previous = this.gating.offered(server);
    const keys = kinds ? kinds.flatMap((k) => LISTS_OF_KIND[k]) : undefined;
    let manifest: ServerManifest;
    try {
      manifest = this.limiter.bound(
        await fetchManifest(spec, peer, previous, keys, this.options.limits.maxItems),
        keys,
      );
    } catch (error) {
      this.options.events.emit("catalog-failed", { server, step: "fetch", error });
      return this.gating.served(server);
    }
    // Routes change with the manifest, before the (slower) write to the store: a tool GET /servers counts
    // must already be callable on /mcp. The catalog keeps serving from memory if the write fails.
    const changed = await this.accept(server, manifest, false);
    try {
      await this.options.store.save(manifest);
    } catch (error) {
      this.options.events.emit("catalog-failed", { server, step: "save", error });
    }
    if (changed.length > 0) this.options.events.emit("catalog-changed", { server, kinds: changed });
    return this.gating.served(server);
  }

  /** Takes a manifest; returns (and, unless told otherwise, announces) the kinds whose served lists changed. */
  private async accept(server: string, manifest: ServerManifest, announce = true) {
    const previous = this.gating.served(server);
    await this.gating.take(server, manifest);
    const changed = changedKinds(previous, this.gating.served(server));
    if (changed.length > 0) {
      this.invalidate();
      if (announce) this.options.events.emit("catalog-changed", { server, kinds: changed });
    }
    return changed;
  }

  private invalidate(): void {
    this.views = undefined;
    this.resourceIndex = undefined;
  }

  /** Aggregated, namespaced tools of all servers with a known manifest. */
  tools(): AggregateList {
    return this.view("tools");
  }

  /** How many tools the aggregated list has; not counted as a served list. */
  toolCount(): number {
    this.views ??= this.buildViews();
    return (this.views.get("tools") as AggregateList).items.length;
  }

  prompts(): AggregateList {
    return this.view("prompts");
  }

  resources(): AggregateList {
    return this.view("resources");
  }

  resourceTemplates(): AggregateList {
    return this.view("resourceTemplates");
  }

  /** One server's items under their own names (the transparent `/mcp/{server}` endpoint). */
  serverList(server: string, key: "tools" | "prompts" | "resources" | "resourceTemplates"): string | undefined {
    const manifest = this.gating.served(server);
    if (!manifest) return undefined;
    return JSON.stringify({ [key]: key === "tools" ? this.ownTools(server) : manifest[key] });
  }

  /** A server's tools on its own endpoint: its manifest's tools without those named like a reserved name. */
  ownTools(server: string): readonly Record<string, unknown>[] | undefined {
    const manifest = this.gating.served(server);
    if (!manifest) return undefined;
    const reserved = this.options.reservedNames;
    if (!reserved) return manifest.tools;
    let own = this.ownToolLists.get(manifest);
    if (!own) {
      own = manifest.tools.filter((tool) => !reserved.has(String(tool.name)));
      this.ownToolLists.set(manifest, own);
    }
    return own;
  }

  /** The server that serves a resource URI: exact match first, then the first matching template. */
  resourceServer(uri: string): string | undefined {
    this.resourceIndex ??= this.buildResourceIndex();
    const exact = this.resourceIndex.uris.get(uri);
    if (exact) return exact;
    return this.resourceIndex.templates.find(({ template }) => template.test(uri))?.server;
  }

  /** The server's URI template a URI is read through (none when the server lists the URI itself). */
  resourceTemplateOf(server: string, uri: string): string | undefined {
    this.resourceIndex ??= this.buildResourceIndex();
    if (this.resourceIndex.uris.get(uri) === server) return undefined;
    return this.resourceIndex.templates.find((t) => t.server === server && t.template.test(uri))?.source;
  }

  /** Naming fix-ups and resource URI conflicts, for operators (GET /servers, check output, logs). */
  problems(): CatalogProblem[] {
    this.views ??= this.buildViews();
    return this.namingProblems;
  }

  private view(key: "tools" | "prompts" | "resources" | "resourceTemplates"): AggregateList {
    if (this.views) this.listCounts.hits++;
    else {
      this.listCounts.misses++;
      this.views = this.buildViews();
    }
    return this.views.get(key) as AggregateList;
  }

  private orderedManifests(): ServerManifest[] {
    return [...this.specs.keys()].flatMap((name) => this.gating.served(name) ?? []);
  }

  private buildViews(): Map<string, AggregateList> {
    const built = buildViews(this.orderedManifests(), this.options.separator, this.options.reservedNames);
    this.resourceIndex = built.resourceIndex;
    this.namingProblems = built.problems;
    return built.views;
  }

  private buildResourceIndex(): ResourceIndex {
    return buildResourceIndex(this.orderedManifests(), []);
  }
}

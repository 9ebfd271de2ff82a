// Wiring of tool search and progressive discovery: the lexical index, the semantic half when enabled (the
// configured embedder, vectors kept in the state stores), and what discovery needs to know of output budgets.

import { createOpenAiEmbedder } from "../adapters/embed/openai-embedder.ts";
import { createWordVectorsEmbedder } from "../adapters/embed/word-vectors-embedder.ts";
import { Bm25fIndex } from "../adapters/search/bm25f-index.ts";
import type { EventBus } from "../core/events.ts";
import type { GatewayConfig } from "../core/gateway-config.ts";
import type { AccessGuard } from "../services/access/access-guard.ts";
import type { Catalog } from "../services/catalog/catalog.ts";
import { Discovery } from "../services/discovery/discovery.ts";
import { budgetCanCut, reshapesResults } from "../services/results/budget-resolution.ts";
import { createSemanticIndex, type SemanticIndex } from "../services/search/semantic-index.ts";
import { ToolSearch } from "../services/search/tool-search.ts";
import type { GatewayState } from "./state.ts";

/** The semantic half of tool search when enabled: the configured embedder, vectors kept in the state stores. */
export function openSemanticIndex(
  config: GatewayConfig,
  state: GatewayState,
  events: EventBus,
): SemanticIndex | undefined {
  const settings = config.gateway.discovery.search.semantic;
  if (!settings.enabled) return undefined;
  const embedder =
    settings.provider === "word-vectors"
      ? createWordVectorsEmbedder()
      : createOpenAiEmbedder({
          url: settings.url as string,
          model: settings.model as string,
          apiKey: settings.apiKey,
          dimensions: settings.dimensions,
          batchSize: settings.batchSize,
          timeoutMs: settings.timeoutMs,
        });
  return createSemanticIndex({
    embedder,
    store: state.embeddings,
    cache: state.cache,
    queryTtlMs: config.gateway.cache.ttlMs.embedding,
    events,
  });
}

/**
 * Tool search over the catalog, and the listings and meta-tools of progressive discovery built on it, showing
 * each principal what the access rules let it see.
 */
export function createDiscovery(
  config: GatewayConfig,
  catalog: Catalog,
  semantic: SemanticIndex | undefined,
  access?: AccessGuard,
): { search: ToolSearch; discovery: Discovery } {
  const settings = config.gateway;
  const defaultBudget = settings.budgets.maxResultTokens;
  const specsByName = new Map(config.servers.map((spec) => [spec.name, spec]));
  const search = new ToolSearch({ catalog, index: new Bm25fIndex(), specs: config.servers, semantic });
  const discovery = new Discovery({
    catalog,
    search,
    settings: settings.discovery,
    specs: config.servers,
    // Whether an output budget can cut a result of the server (of any server when none is named).
    budgeted: (server) =>
      config.servers.some(
        (spec) => spec.enabled && (server === undefined || spec.name === server) && budgetCanCut(spec, defaultBudget),
      ),
    reshaped: (server, tool) => reshapesResults(specsByName.get(server), tool, defaultBudget),
    access,
  });
  return { search, discovery };
}

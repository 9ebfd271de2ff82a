// Wiring of what is measured in tokens: output budgets of tool results (measured in a worker thread, the rest of
// a cut result kept in the result store) and the token accounting of the tool listings.

import { createWorkerResultMeter } from "../adapters/tokens/worker-result-meter.ts";
import { createWorkerTokenCounter } from "../adapters/tokens/worker-token-counter.ts";
import { workerEntry } from "../adapters/workers/worker-client.ts";
import type { EventBus } from "../core/events.ts";
import type { GatewayConfig } from "../core/gateway-config.ts";
import type { ResultMeter } from "../ports/result-meter.ts";
import type { Catalog } from "../services/catalog/catalog.ts";
import { PROGRESSIVE_META_TOOLS } from "../services/discovery/meta-tools.ts";
import { ResultBudgets } from "../services/results/result-budgets.ts";
import { createTokenAccounting, type TokenAccounting } from "../services/tokens/token-accounting.ts";
import type { GatewayState } from "./state.ts";

/** The meter runs app/meter-worker.ts in a worker thread; it must be closed (its worker ends). */
export function openResultMeter(): ResultMeter & { close(): Promise<void> } {
  return createWorkerResultMeter({ entry: workerEntry("meter-worker", import.meta.url) });
}

export function createResultBudgets(
  config: GatewayConfig,
  state: GatewayState,
  meter: ResultMeter,
  events: EventBus,
): ResultBudgets {
  const specsByName = new Map(config.servers.map((spec) => [spec.name, spec]));
  return new ResultBudgets({
    store: state.results,
    meter,
    settings: config.gateway.budgets,
    specs: (server) => specsByName.get(server),
    events,
  });
}

/** Estimated tokens of the full and progressive listings, counted in a worker thread on request. */
export function createTokens(config: GatewayConfig, catalog: Catalog, events: EventBus): TokenAccounting {
  return createTokenAccounting({
    tools: () => catalog.tools(),
    counter: createWorkerTokenCounter(),
    metaTools: PROGRESSIVE_META_TOOLS,
    pinned: config.gateway.discovery.pinned,
    events,
  });
}

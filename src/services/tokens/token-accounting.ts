// What the tool listing costs a model, in estimated tokens: the full aggregated listing (per server and in
// total) against the progressive one (meta-tools plus pinned tools), and what output budgets saved. Counting a
// large catalog takes a fraction of a second, so it runs only when a report is asked for, yields to the event
// loop between slices (calls in flight are not held up), and is cached until the catalog's tools change.
import type { TokenCounter } from "../../ports/token-counter.ts";
import type { AggregateList } from "../catalog/catalog.ts";

/** What output budgets have saved since the gateway started (the result budgets' stats()). */
export interface BudgetSavings {
  /** Tool results that were cut to fit a budget. */
  cutResults: number;
  /** Tokens of those results that were not sent. */
  tokensSaved: number;
}

export interface TokenReport {
  /** The tokenizer's encoding, e.g. `o200k_base`. */
  encoding: string;
  /** Always true: the model that reads the listing may tokenize otherwise. */
  estimate: true;
  /** Every tool, namespaced, as tools/list sends it; `total` is the sum of `servers`. */
  full: { total: number; tools: number; servers: Record<string, number> };
  /** The progressive listing: `total` = `metaTools` + `pinned`. */
  progressive: { total: number; metaTools: number; pinned: number };
  /** How much smaller the progressive listing is, in percent of the full one (two decimals; 0 without tools). */
  reductionPercent: number;
  /** Null when no budget statistics are available (e.g. read from the configuration, no gateway running). */
  budgets: BudgetSavings | null;
}

export interface TokenAccountingOptions {
  /** The current aggregated tool list (Catalog.tools()); a new object means the tools may have changed. */
  tools: () => AggregateList;
  /** Loads the counter on first use. */
  counter: () => Promise<TokenCounter>;
  /** The gateway's own tools of the progressive listing. */
  metaTools: readonly Record<string, unknown>[];
  /** Namespaced names of the tools the progressive listing shows as well; unknown names count nothing. */
  pinned: readonly string[];
  budgets?: () => BudgetSavings;
}

export interface TokenAccounting {
  /** The report; counts are reused while the catalog's tools are unchanged. */
  report(signal?: AbortSignal): Promise<TokenReport>;
}

/** Tools counted between two yields to the event loop (~160 tokens a tool: a few milliseconds). */
const SLICE_TOOLS = 16;

type ListingCounts = Omit<TokenReport, "budgets">;

interface Counted {
  tools: AggregateList;
  counts: ListingCounts;
}

export function createTokenAccounting(options: TokenAccountingOptions): TokenAccounting {
  let counted: Counted | undefined;
  let running: { tools: AggregateList; done: Promise<Counted> } | undefined;
  /** Tokens per serialized tool, kept from the last count so a change recounts only the tools that changed. */
  let perTool = new Map<string, number>();

  async function countListing(tools: AggregateList): Promise<Counted> {
    const counter = await options.counter();
    const next = new Map<string, number>();
    const countTool = (item: Record<string, unknown>) => {
      const json = JSON.stringify(item);
      const tokens = next.get(json) ?? perTool.get(json) ?? counter.count(json);
      next.set(json, tokens);
      return tokens;
    };
    const servers: Record<string, number> = {};
    let total = 0;
    for (let i = 0; i < tools.items.length; i++) {
      if (i > 0 && i % SLICE_TOOLS === 0) await yieldToEventLoop();
      const item = tools.items[i] as Record<string, unknown>;
      const server = tools.routes.get(String(item.name))?.server ?? "";
      const tokens = countTool(item);
      servers[server] = (servers[server] ?? 0) + tokens;
      total += tokens;
    }
    const metaTools = sum(options.metaTools.map(countTool));
    const byName = new Map<string, Record<string, unknown>>(tools.items.map((item) => [String(item.name), item]));
    const pinned = sum(
      [...new Set(options.pinned)].map((name) => byName.get(name)).map((item) => (item ? countTool(item) : 0)),
    );
    perTool = next;
    const progressive = metaTools + pinned;
    return {
      tools,
      counts: {
        encoding: counter.encoding,
        estimate: true,
        full: { total, tools: tools.items.length, servers },
        progressive: { total: progressive, metaTools, pinned },
        reductionPercent: total === 0 ? 0 : Math.round((1 - progressive / total) * 10_000) / 100,
      },
    };
  }

  /** The counts of the current tools: cached, shared with a count in progress, or counted now. */
  function listingCounts(): Promise<Counted> {
    const tools = options.tools();
    if (counted && (counted.tools === tools || counted.tools.json === tools.json)) {
      counted.tools = tools; // same tools in a rebuilt list: next time the identity check is enough
      return Promise.resolve(counted);
    }
    if (running?.tools === tools) return running.done;
    const done = countListing(tools).then((result) => {
      counted = result;
      return result;
    });
    const current = { tools, done };
    running = current;
    void done
      .finally(() => {
        if (running === current) running = undefined;
      })
      .catch(() => {});
    return done;
  }

  return {
    async report(signal) {
      signal?.throwIfAborted();
      const { counts } = await abortable(listingCounts(), signal);
      return { ...counts, budgets: options.budgets ? options.budgets() : null };
    },
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Stops waiting (the shared count goes on, for the next report) when the signal aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

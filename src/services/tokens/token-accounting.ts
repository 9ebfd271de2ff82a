// What the tool listing costs a model, in estimated tokens: the full aggregated listing (per server and in
// total) against the progressive one (meta-tools plus pinned tools), and what output budgets saved. Counting a
// large catalog costs seconds of CPU, so it runs only when a report is asked for, through a batch counter that
// keeps it off the event loop, and is cached until the catalog's tools change (only changed tools are recounted).
import type { EventBus } from "../../core/events.ts";
import type { TokenBatchCounter, TokenCounter } from "../../ports/token-counter.ts";
import type { AggregateList } from "../catalog/catalog.ts";

/** What output budgets have saved since the accounting started (the `result-cut` events it saw). */
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
  /** Counts the serialized tools (a worker thread in the gateway; see inProcessBatchCounter). */
  counter: TokenBatchCounter;
  /** The gateway's own tools of the progressive listing. */
  metaTools: readonly Record<string, unknown>[];
  /** Namespaced names of the tools the progressive listing shows as well; unknown names count nothing. */
  pinned: readonly string[];
  /** Where cut results are announced; without it the report's `budgets` is null. */
  events?: EventBus;
}

export interface TokenAccounting {
  /** The report; counts are reused while the catalog's tools are unchanged. */
  report(signal?: AbortSignal): Promise<TokenReport>;
  /** Totals of the full and progressive listings from the last finished count, if any; never starts a count. */
  lastTotals(): { full: number; progressive: number } | undefined;
  /** Stops counting cut results. Idempotent. */
  close(): void;
}

/** Texts counted between two yields to the event loop (a tool is ~160 tokens: a few milliseconds). */
const SLICE_TEXTS = 16;

/**
 * Characters of one text counted at most; a longer text counts its first this many and is scaled by length.
 * Definitions are bounded by the catalog too; this keeps the count bounded whatever it is given.
 */
export const MAX_COUNTED_CHARS_PER_TEXT = 65_536;

/**
 * Characters counted at most per report (about a second of English, under half a minute of the slowest text
 * there is for the tokenizer). Texts past it are estimated at the tokens per character of those counted.
 */
export const MAX_COUNTED_CHARS_PER_REPORT = 1_048_576;

/** Tokens per character assumed when nothing could be counted. */
const FALLBACK_TOKENS_PER_CHAR = 0.25;

/**
 * A batch counter on an in-process counter that yields to the event loop between slices. Loading the counter
 * itself still blocks the loop once (seconds for o200k): fine for a command, not for a serving gateway.
 */
export function inProcessBatchCounter(load: () => Promise<TokenCounter>): TokenBatchCounter {
  return {
    async countAll(texts) {
      const counter = await load();
      const counts: number[] = [];
      for (let i = 0; i < texts.length; i++) {
        if (i > 0 && i % SLICE_TEXTS === 0) await yieldToEventLoop();
        counts.push(counter.count(texts[i] as string));
      }
      return { encoding: counter.encoding, counts };
    },
  };
}

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
  /** The batch counter's encoding, from its last answer. */
  let encoding = "";
  const savings: BudgetSavings = { cutResults: 0, tokensSaved: 0 };
  const cuts = options.events?.on("result-cut", ({ totalTokens, shownTokens }) => {
    savings.cutResults++;
    savings.tokensSaved += totalTokens - shownTokens;
  });

  /** Tokens of each text: known ones from the last count, the others counted in one batch. */
  async function countTexts(texts: readonly string[]): Promise<number[]> {
    const missing = [...new Set(texts.filter((text) => !perTool.has(text)))];
    const next = new Map<string, number>();
    if (missing.length > 0) {
      const counted = await countBounded(options.counter, missing);
      encoding = counted.encoding || encoding;
      for (const [i, text] of missing.entries()) next.set(text, counted.counts[i] ?? 0);
    }
    const counts = texts.map((text) => {
      const n = next.get(text) ?? perTool.get(text) ?? 0;
      next.set(text, n);
      return n;
    });
    perTool = next; // only the current texts are kept
    return counts;
  }

  async function countListing(tools: AggregateList): Promise<Counted> {
    const { items, routes } = tools;
    const meta = options.metaTools;
    const pinnedNames = new Set(options.pinned);
    // Each item is serialized once: the count and the lookups below use the same text. The meta-tools go first,
    // so they are counted, not estimated, when a huge catalog spends the report's characters.
    const both = await countTexts([...meta, ...items].map((item) => JSON.stringify(item)));
    const counts = [...both.slice(meta.length), ...both.slice(0, meta.length)];
    const servers: Record<string, number> = {};
    let total = 0;
    let pinned = 0;
    items.forEach((item, i) => {
      const n = counts[i] ?? 0;
      const server = routes.get(String(item.name))?.server ?? "";
      servers[server] = (servers[server] ?? 0) + n;
      total += n;
      if (pinnedNames.delete(String(item.name))) pinned += n; // a name pinned twice counts once
    });
    const metaTools = sum(counts.slice(items.length));
    const progressive = metaTools + pinned;
    return {
      tools,
      counts: {
        encoding,
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
    const current: { tools: AggregateList; done: Promise<Counted> } = {
      tools,
      done: countListing(tools).then((result) => {
        if (running === current) counted = result; // a count of older tools that ends late is not kept
        return result;
      }),
    };
    const { done } = current;
    running = current;
    void done
      .finally(() => {
        if (running === current) running = undefined;
      })
      .catch(() => {});
    return done;
  }

  return {
    lastTotals: () =>
      counted ? { full: counted.counts.full.total, progressive: counted.counts.progressive.total } : undefined,
    async report(signal) {
      signal?.throwIfAborted();
      const { counts } = await abortable(listingCounts(), signal);
      return { ...counts, budgets: cuts ? { ...savings } : null };
    },
    close: () => cuts?.dispose(),
  };
}

/**
 * Counts texts within MAX_COUNTED_CHARS_PER_TEXT and MAX_COUNTED_CHARS_PER_REPORT: what is sent to the counter
 * is a prefix of each text (empty once the report's characters are spent), and counts are scaled up to the whole.
 */
export async function countBounded(
  counter: TokenBatchCounter,
  texts: readonly string[],
): Promise<{ encoding: string; counts: number[] }> {
  let left = MAX_COUNTED_CHARS_PER_REPORT;
  const samples = texts.map((text) => {
    const sample = text.slice(0, Math.min(MAX_COUNTED_CHARS_PER_TEXT, left));
    left -= sample.length;
    return sample;
  });
  const sent = samples.filter((sample) => sample.length > 0);
  const counted = await counter.countAll(sent);
  const sampledChars = sum(sent.map((sample) => sample.length));
  const ratio = sampledChars > 0 ? sum(counted.counts) / sampledChars : FALLBACK_TOKENS_PER_CHAR;
  let next = 0;
  const counts = texts.map((text, i) => {
    const sample = samples[i] as string;
    if (text.length === 0) return 0;
    if (sample.length === 0) return Math.round(text.length * ratio);
    const n = counted.counts[next++] ?? 0;
    return sample.length === text.length ? n : Math.round((n * text.length) / sample.length);
  });
  return { encoding: counted.encoding, counts };
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

// Output budgets for tool results: projection of JSON results, then a token budget. A result over budget is cut
// at a clean boundary; the rest is stored under a random handle in the ResultStore (shared by replicas through
// Redis) and read page by page with read_result. See docs/budgets.md.
import { randomBytes } from "node:crypto";
import type { BudgetSettings } from "../../core/gateway-config.ts";
import type { ResultStore } from "../../ports/result-store.ts";
import type { TokenCounter } from "../../ports/token-counter.ts";
import { type BudgetSpec, resolveBudget, resolveFields } from "./budget-resolution.ts";
import { cleanCut } from "./clean-cut.ts";
import { cutMarker, pageMarker, TRUNCATED_META_KEY, type TruncatedMeta, unstoredMarker } from "./markers.ts";
import { fieldTree, projectResult } from "./projection.ts";
import {
  type ContentItem,
  decodeRemainder,
  encodeRemainder,
  isTextItem,
  locate,
  type Remainder,
  totalPositions,
} from "./remainder.ts";
import { safeIndex, TextMeter } from "./text-meter.ts";

export interface ResultBudgetsOptions {
  store: ResultStore;
  /** The token counter, loaded on first need (the fast path never loads it). */
  counter: () => Promise<TokenCounter>;
  settings: BudgetSettings;
  /** A server's budget settings by name; undefined for an unknown server (the gateway default applies). */
  specs: (server: string) => BudgetSpec | undefined;
}

export interface ApplyOptions {
  /** Projection asked for by the caller (call_tool's `fields`); replaces the tool's configured one. */
  fields?: readonly string[];
}

export interface BudgetStats {
  /** Results cut to fit a budget. */
  cutResults: number;
  /** Tokens kept out of replies by cutting (whole result minus shown part, summed; o200k estimates). */
  tokensSaved: number;
  /** Results a projection was applied to. */
  projectedResults: number;
}

type ToolResult = Record<string, unknown>;

/** Handles carry 128 random bits, url-safe. */
const HANDLE_BYTES = 16;

export class ResultBudgets {
  private readonly o: ResultBudgetsOptions;
  private meter: Promise<TextMeter> | undefined;
  private readonly counts: BudgetStats = { cutResults: 0, tokensSaved: 0, projectedResults: 0 };

  constructor(options: ResultBudgetsOptions) {
    this.o = options;
  }

  stats(): BudgetStats {
    return { ...this.counts };
  }

  /**
   * True when a result passes unchanged, judged from its serialization (alone or inside its JSON-RPC response): no
   * projection applies and the JSON cannot cost more than the budget. No tokenizer, no serializing.
   */
  passesUnchanged(server: string, tool: string, json: string, fields?: readonly string[]): boolean {
    const spec = this.o.specs(server);
    if (resolveFields(spec, tool, fields) !== undefined) return false;
    return withinBytes(json, resolveBudget(spec, tool, this.o.settings.maxResultTokens));
  }

  /**
   * A tool result with projection and budget applied. When no projection applies and the serialized result
   * cannot cost more tokens than the budget (o200k tokens ≤ UTF-8 bytes ≤ 3 × UTF-16 length), the same object is
   * returned without loading the tokenizer. Never rejects because of the store: a rest that cannot be stored is
   * reported in the marker instead.
   */
  async apply(server: string, tool: string, result: ToolResult, options: ApplyOptions = {}): Promise<ToolResult> {
    const spec = this.o.specs(server);
    const budget = resolveBudget(spec, tool, this.o.settings.maxResultTokens);
    const fields = resolveFields(spec, tool, options.fields);
    if (fields === undefined && fitsByBytes(result, budget)) return result;
    let reply = result;
    if (fields !== undefined) {
      reply = projectResult(result, fieldTree(fields));
      this.counts.projectedResults++;
      if (fitsByBytes(reply, budget)) return reply;
    }
    if (!Array.isArray(reply.content)) return reply; // not a CallToolResult (e.g. a task): nothing to cut
    return this.cut(server, tool, reply, budget);
  }

  /**
   * The page of a cut result at `offset` (see remainder.ts for what offsets mean; default 0), as a tool result.
   * Arguments are taken as the caller sent them; bad ones, and unknown or expired handles, give a result with
   * isError. `server` limits the handles accepted to that server's results (its own endpoint).
   */
  async read(handle: unknown, offset: unknown = 0, scope: { server?: string } = {}): Promise<ToolResult> {
    if (typeof handle !== "string" || handle.length === 0) {
      return toolError("read_result needs `handle`: the handle a cut result gave.");
    }
    if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
      return toolError("read_result's `offset` must be a whole number ≥ 0, as given by the cut result.");
    }
    let stored: string | undefined;
    try {
      stored = await this.o.store.get(handle);
    } catch (error) {
      return toolError(`The rest of this result cannot be read right now (${messageOf(error)}); try again later.`);
    }
    const remainder = stored === undefined ? undefined : decodeRemainder(stored);
    if (!remainder || (scope.server !== undefined && remainder.server !== scope.server)) {
      const ttlMs = this.o.settings.resultTtlMs;
      const kept = ttlMs < 60_000 ? `${Math.round(ttlMs / 1_000)} s` : `${Math.round(ttlMs / 60_000)} min`;
      return toolError(
        `No result is kept under handle ${JSON.stringify(handle)}: it expired (cut results are kept ${kept}) or never existed. Call the tool again.`,
      );
    }
    const positions = totalPositions(remainder.items);
    const at = locate(remainder.items, offset);
    if (!at) {
      return toolError(
        `Offset ${offset} is past the end of this result: its rest has ${positions} positions (offsets 0 to ${positions - 1}).`,
      );
    }
    const meter = await this.loadMeter();
    const reserve = meter.count(pageMarker(handle, remainder.pageTokens, remainder.totalTokens, positions));
    const page = fill(meter, remainder.items, at.index, at.within, Math.max(1, remainder.pageTokens - reserve), true);
    const next = offset + page.positions;
    if (next >= positions) return { content: page.shown };
    const meta: TruncatedMeta = {
      handle,
      shownTokens: page.tokens,
      totalTokens: remainder.totalTokens,
      offset: next,
    };
    return {
      content: [...page.shown, textItem(pageMarker(handle, page.tokens, remainder.totalTokens, next))],
      _meta: { [TRUNCATED_META_KEY]: meta },
    };
  }

  private async cut(server: string, tool: string, result: ToolResult, budget: number): Promise<ToolResult> {
    const meter = await this.loadMeter();
    const { structuredContent, ...rest } = result;
    const units: ContentItem[] = [...(result.content as ContentItem[])];
    // structuredContent has no place in a cut reply; its JSON is paged after the content.
    if (structuredContent !== undefined) units.push(textItem(JSON.stringify(structuredContent)));
    const handle = randomBytes(HANDLE_BYTES).toString("base64url");
    const reserve = meter.count(cutMarker(handle, budget, 999_999_999));
    const head = fill(meter, units, 0, 0, Math.max(0, budget - reserve), false);
    if (head.index >= units.length) return result;
    const remaining = restOf(units, head.index, head.within);
    const totalTokens = head.tokens + remaining.reduce((sum, item) => sum + tokensOf(meter, item), 0);
    if (totalTokens <= budget) return result; // it fits; only the marker's reserve made it look too large
    this.counts.cutResults++;
    this.counts.tokensSaved += totalTokens - head.tokens;
    const remainder: Remainder = {
      server,
      tool,
      pageTokens: this.o.settings.pageTokens || budget,
      totalTokens,
      items: remaining,
    };
    let marker = cutMarker(handle, head.tokens, totalTokens);
    let meta: TruncatedMeta = { handle, shownTokens: head.tokens, totalTokens, offset: 0 };
    try {
      await this.o.store.put(handle, encodeRemainder(remainder), this.o.settings.resultTtlMs);
    } catch {
      marker = unstoredMarker(head.tokens, totalTokens);
      meta = { shownTokens: head.tokens, totalTokens };
    }
    const previousMeta = (result._meta ?? {}) as Record<string, unknown>;
    return {
      ...rest,
      content: [...head.shown, textItem(marker)],
      _meta: { ...previousMeta, [TRUNCATED_META_KEY]: meta },
    };
  }

  private loadMeter(): Promise<TextMeter> {
    this.meter ??= this.o.counter().then((counter) => new TextMeter(counter));
    return this.meter;
  }
}

/** True when the result cannot cost more than `budget` tokens, or there is no budget. */
function fitsByBytes(result: ToolResult, budget: number): boolean {
  return budget === 0 || withinBytes(JSON.stringify(result), budget);
}

/** o200k never makes more tokens than UTF-8 bytes, and a UTF-16 code unit is at most three of them. */
function withinBytes(json: string, budget: number): boolean {
  return budget === 0 || json.length * 3 <= budget || Buffer.byteLength(json) <= budget;
}

interface Filled {
  shown: ContentItem[];
  tokens: number;
  /** Where the first unshown position is: item index (items.length when all were shown) and offset within. */
  index: number;
  within: number;
  /** Positions shown (see remainder.ts). */
  positions: number;
}

/**
 * Takes items from (index, within) while they fit in `room` tokens; the text item that crosses the limit is cut
 * at a clean boundary, an item that cannot be split stays out. With `progress`, at least one position is taken
 * (a page always moves on, even when one image is larger than a page).
 */
function fill(
  meter: TextMeter,
  items: readonly ContentItem[],
  index: number,
  within: number,
  room: number,
  progress: boolean,
): Filled {
  const shown: ContentItem[] = [];
  let tokens = 0;
  let positions = 0;
  for (let i = index; i < items.length; i++) {
    const item = items[i] as ContentItem;
    const first = progress && shown.length === 0;
    if (!isTextItem(item)) {
      const cost = tokensOf(meter, item);
      if (tokens + cost > room && !first) return { shown, tokens, index: i, within: 0, positions };
      shown.push(item);
      tokens += cost;
      positions++;
      continue;
    }
    const { text } = item;
    const start = i === index ? within : 0;
    const fit = meter.fit(text, start, text.length, room - tokens);
    let end = fit.end >= text.length ? text.length : cleanCut(text, start, fit.end);
    if (end <= start && first) end = safeIndex(text, start + 1);
    if (end > start) {
      shown.push(start === 0 && end === text.length ? item : { ...item, text: text.slice(start, end) });
      tokens += end <= fit.end ? fit.tokensTo(end) : meter.count(text, start, end);
      positions += end - start;
    }
    if (end < text.length) return { shown, tokens, index: i, within: end, positions };
  }
  return { shown, tokens, index: items.length, within: 0, positions };
}

/** The items from (index, within) on; a text item cut inside keeps its fields with the rest of its text. */
function restOf(items: readonly ContentItem[], index: number, within: number): ContentItem[] {
  const rest = items.slice(index);
  const first = rest[0];
  if (first && within > 0 && isTextItem(first)) rest[0] = { ...first, text: first.text.slice(within) };
  return rest;
}

/** What an item costs: its text, or the JSON of an item that is not text (binary data included, as sent). */
function tokensOf(meter: TextMeter, item: ContentItem): number {
  return meter.estimate(isTextItem(item) ? item.text : JSON.stringify(item));
}

function textItem(text: string): ContentItem {
  return { type: "text", text };
}

function toolError(message: string): ToolResult {
  return { content: [textItem(message)], isError: true };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Output budgets for tool results: projection of JSON results, then a token budget. A result over budget is cut
// at a clean boundary; the rest is stored under a random handle in the ResultStore (shared by replicas through
// Redis) and read page by page with read_result. See docs/budgets.md.
import { randomBytes } from "node:crypto";
import type { EventBus } from "../../core/events.ts";
import type { BudgetSettings } from "../../core/gateway-config.ts";
import type { ResultStore } from "../../ports/result-store.ts";
import { type BudgetSpec, resolveBudget, resolveFields } from "./budget-resolution.ts";
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
import { itemsBetween, type ResultMeter } from "./result-meter.ts";
import { carriesStructured } from "./structured.ts";

export interface ResultBudgetsOptions {
  store: ResultStore;
  /** Measures cuts and pages in tokens (the fast path never uses it). */
  meter: ResultMeter;
  settings: BudgetSettings;
  /** A server's budget settings by name; undefined for an unknown server (the gateway default applies). */
  specs: (server: string) => BudgetSpec | undefined;
  /** Where each cut is announced (`result-cut`): metrics and token accounting count them. */
  events: EventBus;
}

export interface ApplyOptions {
  /** Projection asked for by the caller (call_tool's `fields`); replaces the tool's configured one. */
  fields?: readonly string[];
  /**
   * A serialization that holds the result (its JSON-RPC response, as the router has it): the byte check reads it
   * instead of serializing a result that may be megabytes again.
   */
  serialized?: string;
  /** The principal whose call this is: the rest of a cut result is kept for it alone (read_result). */
  owner?: string;
}

type ToolResult = Record<string, unknown>;

/** Handles carry 128 random bits, url-safe. */
const HANDLE_BYTES = 16;

export class ResultBudgets {
  private readonly o: ResultBudgetsOptions;

  constructor(options: ResultBudgetsOptions) {
    this.o = options;
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
    const serialized = options.serialized;
    if (fields === undefined && (serialized ? withinBytes(serialized, budget) : fitsByBytes(result, budget))) {
      return result;
    }
    let reply = result;
    if (fields !== undefined) {
      reply = projectResult(result, fieldTree(fields));
      if (fitsByBytes(reply, budget)) return reply;
    }
    if (!Array.isArray(reply.content)) return reply; // not a CallToolResult (e.g. a task): nothing to cut
    return this.cut(server, tool, reply, budget, options.owner);
  }

  /**
   * The page of a cut result at `offset` (see remainder.ts for what offsets mean; default 0), as a tool result.
   * Arguments are taken as the caller sent them; bad ones, and unknown or expired handles, give a result with
   * isError. `server` limits the handles accepted to that server's results (its own endpoint); `owner` to the
   * results of that principal's calls (another principal's handle is answered as an unknown one).
   */
  async read(
    handle: unknown,
    offset: unknown = 0,
    scope: { server?: string; owner?: string } = {},
  ): Promise<ToolResult> {
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
    if (!remainder || !inScope(remainder, scope)) {
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
    const page = await this.o.meter.planPage(
      remainder.items,
      at.index,
      at.within,
      remainder.pageTokens,
      pageMarker(handle, remainder.pageTokens, remainder.totalTokens, positions),
    );
    const shown = itemsBetween(remainder.items, at.index, at.within, page);
    const next = offset + page.positions;
    if (next >= positions) return { content: shown };
    const meta: TruncatedMeta = {
      handle,
      shownTokens: page.tokens,
      totalTokens: remainder.totalTokens,
      offset: next,
    };
    return {
      content: [...shown, textItem(pageMarker(handle, page.tokens, remainder.totalTokens, next))],
      _meta: { [TRUNCATED_META_KEY]: meta },
    };
  }

  private async cut(
    server: string,
    tool: string,
    result: ToolResult,
    budget: number,
    owner: string | undefined,
  ): Promise<ToolResult> {
    const { structuredContent, ...rest } = result;
    const content = result.content as ContentItem[];
    const units: ContentItem[] = [...content];
    // structuredContent has no place in a cut reply (the listing promises none: see tool-listing.ts). Its JSON is
    // paged after the content, unless the content already holds it: then each byte is paged once, and a result
    // whose content fits passes whole, its repeat not counted twice.
    if (structuredContent !== undefined && !carriesStructured(content, structuredContent)) {
      units.push(textItem(JSON.stringify(structuredContent)));
    }
    const handle = randomBytes(HANDLE_BYTES).toString("base64url");
    const head = await this.o.meter.planCut(units, budget, cutMarker(handle, budget, 999_999_999));
    if (head.fits) return result;
    const { totalTokens } = head;
    const remaining = restOf(units, head.index, head.within);
    this.o.events.emit("result-cut", { server, tool, totalTokens, shownTokens: head.tokens });
    const remainder: Remainder = {
      server,
      tool,
      pageTokens: this.o.settings.pageTokens || budget,
      totalTokens,
      items: remaining,
    };
    if (owner !== undefined) remainder.owner = owner;
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
      content: [...itemsBetween(units, 0, 0, head), textItem(marker)],
      _meta: { ...previousMeta, [TRUNCATED_META_KEY]: meta },
    };
  }
}

/** Whether a stored rest may be read on this endpoint by this principal. */
function inScope(remainder: Remainder, scope: { server?: string; owner?: string }): boolean {
  if (scope.server !== undefined && remainder.server !== scope.server) return false;
  return remainder.owner === undefined || scope.owner === undefined || remainder.owner === scope.owner;
}

/** True when the result cannot cost more than `budget` tokens, or there is no budget. */
function fitsByBytes(result: ToolResult, budget: number): boolean {
  return budget === 0 || withinBytes(JSON.stringify(result), budget);
}

/** o200k never makes more tokens than UTF-8 bytes, and a UTF-16 code unit is at most three of them. */
function withinBytes(json: string, budget: number): boolean {
  return budget === 0 || json.length * 3 <= budget || Buffer.byteLength(json) <= budget;
}

/** The items from (index, within) on; a text item cut inside keeps its fields with the rest of its text. */
function restOf(items: readonly ContentItem[], index: number, within: number): ContentItem[] {
  const rest = items.slice(index);
  const first = rest[0];
  if (first && within > 0 && isTextItem(first)) rest[0] = { ...first, text: first.text.slice(within) };
  return rest;
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

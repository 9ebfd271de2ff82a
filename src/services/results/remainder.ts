// The stored rest of a cut tool result, and what an offset into it means.
//
// Offsets: the remainder is a sequence of positions. A text item (`{type:"text", text}`) takes one position per
// UTF-16 code unit of its text, so offsets index into the text as JavaScript strings do; every other item (image,
// audio, resource, resource_link) takes exactly one position and is never split. Offset 0 is the first position the
// cut reply did not show; a page starting at offset K covers positions K..K+n-1 and names K+n as the next offset.
// Pages slice the original strings, so the shown part and the pages, joined per item, give back exactly the
// original text.

import type { ContentItem } from "../../ports/result-meter.ts";

export type { ContentItem };

export interface Remainder {
  server: string;
  tool: string;
  /** Tokens per page: gateway.budgets.pageTokens, or the budget that cut the result. */
  pageTokens: number;
  /** Tokens of the whole result (o200k estimate), as the cut reply reported. */
  totalTokens: number;
  items: ContentItem[];
  /** The principal whose call produced the result: only it may page the rest. Absent: anyone (older records). */
  owner?: string;
}

export function isTextItem(item: ContentItem): item is ContentItem & { type: "text"; text: string } {
  return item.type === "text" && typeof item.text === "string";
}

export function positionsOf(item: ContentItem): number {
  return isTextItem(item) ? item.text.length : 1;
}

export function totalPositions(items: readonly ContentItem[]): number {
  let total = 0;
  for (const item of items) total += positionsOf(item);
  return total;
}

/** The item an offset falls in and the offset within it; undefined at or past the end. */
export function locate(items: readonly ContentItem[], offset: number): { index: number; within: number } | undefined {
  let start = 0;
  for (const [index, item] of items.entries()) {
    const size = positionsOf(item);
    if (offset < start + size) return { index, within: offset - start };
    start += size;
  }
  return undefined;
}

export function encodeRemainder(remainder: Remainder): string {
  return JSON.stringify({ v: 1, ...remainder });
}

/** The stored remainder, or undefined when the value is not one (a foreign or damaged key). */
export function decodeRemainder(value: string): Remainder | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const r = parsed as Partial<Remainder> & { v?: unknown };
  if (r?.v !== 1 || typeof r.server !== "string" || typeof r.tool !== "string") return undefined;
  if (typeof r.pageTokens !== "number" || typeof r.totalTokens !== "number" || !Array.isArray(r.items))
    return undefined;
  if (!r.items.every((item) => item !== null && typeof item === "object")) return undefined;
  const remainder: Remainder = {
    server: r.server,
    tool: r.tool,
    pageTokens: r.pageTokens,
    totalTokens: r.totalTokens,
    items: r.items,
  };
  if (typeof r.owner === "string") remainder.owner = r.owner;
  return remainder;
}

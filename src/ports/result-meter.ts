// The result meter port: where a cut or a page of a tool result ends, in tokens. The output budgets
// (services/results) plan with it; the gateway's meter runs the planning in a worker thread, which speaks
// `MeterRequest` and answers a CutPlan or a Span.

/** One item of a tool result's content (text, image, audio, resource, resource_link). */
export type ContentItem = Record<string, unknown>;

/** A stretch of items measured from a start: where it ends (first position not in it) and what it costs. */
export interface Span {
  /** Item index of the end (items.length when every item is in the span) and the offset within that item. */
  index: number;
  within: number;
  tokens: number;
  /** Positions in the span (see services/results/remainder.ts). */
  positions: number;
}

/** A result fits its budget, or is cut: the head span (from the start) and the tokens of the whole result. */
export type CutPlan = { fits: true } | ({ fits: false; totalTokens: number } & Span);

export interface ResultMeter {
  /** The head of `units` that fits `budget` tokens together with `marker` (the cut reply's last item). */
  planCut(units: readonly ContentItem[], budget: number, marker: string): Promise<CutPlan>;
  /** The page from (index, within) that fits `pageTokens` together with `marker`; always at least one position. */
  planPage(
    items: readonly ContentItem[],
    index: number,
    within: number,
    pageTokens: number,
    marker: string,
  ): Promise<Span>;
}

/** A measurement asked of a meter running elsewhere (a worker thread): the arguments of planCut or planPage. */
export type MeterRequest =
  | { op: "cut"; units: readonly ContentItem[]; budget: number; marker: string }
  | { op: "page"; items: readonly ContentItem[]; index: number; within: number; pageTokens: number; marker: string };

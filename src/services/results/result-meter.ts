// Where a cut or a page of a tool result ends, in tokens. Planning is pure (functions of a TextMeter and the
// items) and returns positions only, so it can run in a worker thread: the gateway measures there
// (adapters/tokens/worker-result-meter.ts running app/meter-worker.ts), off the event loop; tests and tools
// measure in-process.
import type { CutPlan, ResultMeter, Span } from "../../ports/result-meter.ts";
import type { TokenCounter } from "../../ports/token-counter.ts";
import { cleanCut } from "./clean-cut.ts";
import { type ContentItem, isTextItem } from "./remainder.ts";
import { safeIndex, TextMeter } from "./text-meter.ts";

export type { CutPlan, ResultMeter, Span };

/**
 * A ResultMeter measuring on the calling thread; the counter is loaded on first need. A failed load is tried
 * again by the next measurement instead of failing every later one.
 */
export function localResultMeter(load: () => Promise<TokenCounter>): ResultMeter {
  let meter: Promise<TextMeter> | undefined;
  const loaded = () => {
    meter ??= load().then(
      (counter) => new TextMeter(counter),
      (error: unknown) => {
        meter = undefined;
        throw error;
      },
    );
    return meter;
  };
  return {
    async planCut(units, budget, marker) {
      return planCut(await loaded(), units, budget, marker);
    },
    async planPage(items, index, within, pageTokens, marker) {
      return planPage(await loaded(), items, index, within, pageTokens, marker);
    },
  };
}

export function planCut(meter: TextMeter, units: readonly ContentItem[], budget: number, marker: string): CutPlan {
  const reserve = meter.count(marker);
  const head = fill(meter, units, 0, 0, Math.max(0, budget - reserve), false);
  if (head.index >= units.length) return { fits: true };
  let totalTokens = head.tokens;
  for (let i = head.index; i < units.length; i++) {
    const item = units[i] as ContentItem;
    const from = i === head.index ? head.within : 0;
    totalTokens += tokensOf(meter, from > 0 && isTextItem(item) ? { ...item, text: item.text.slice(from) } : item);
  }
  if (totalTokens <= budget) return { fits: true }; // only the marker's reserve made it look too large
  return { fits: false, totalTokens, ...head };
}

export function planPage(
  meter: TextMeter,
  items: readonly ContentItem[],
  index: number,
  within: number,
  pageTokens: number,
  marker: string,
): Span {
  return fill(meter, items, index, within, Math.max(1, pageTokens - meter.count(marker)), true);
}

/** The items of the stretch from (index, within) to a span's end; a text item cut inside keeps its other fields. */
export function itemsBetween(items: readonly ContentItem[], index: number, within: number, end: Span): ContentItem[] {
  const out: ContentItem[] = [];
  for (let i = index; i <= end.index && i < items.length; i++) {
    const item = items[i] as ContentItem;
    const from = i === index ? within : 0;
    if (!isTextItem(item)) {
      if (i < end.index) out.push(item);
      continue;
    }
    const to = i === end.index ? end.within : item.text.length;
    if (to <= from) continue;
    out.push(from === 0 && to === item.text.length ? item : { ...item, text: item.text.slice(from, to) });
  }
  return out;
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
): Span {
  let tokens = 0;
  let positions = 0;
  for (let i = index; i < items.length; i++) {
    const item = items[i] as ContentItem;
    const first = progress && positions === 0;
    if (!isTextItem(item)) {
      const cost = tokensOf(meter, item);
      if (tokens + cost > room && !first) return { index: i, within: 0, tokens, positions };
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
      tokens += end <= fit.end ? fit.tokensTo(end) : meter.count(text, start, end);
      positions += end - start;
    }
    if (end < text.length) return { index: i, within: end, tokens, positions };
  }
  return { index: items.length, within: 0, tokens, positions };
}

/** What an item costs: its text, or the JSON of an item that is not text (binary data included, as sent). */
function tokensOf(meter: TextMeter, item: ContentItem): number {
  return meter.estimate(isTextItem(item) ? item.text : JSON.stringify(item));
}

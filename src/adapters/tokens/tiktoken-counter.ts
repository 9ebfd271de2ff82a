// Token counts with js-tiktoken's o200k_base ranks (the GPT-4o/o-series encoding), fully offline. The ranks
// (~2 MB of source) are loaded on first use only, so a gateway that never counts never pays for them.
import type { TokenCounter } from "../../ports/token-counter.ts";

let loading: Promise<TokenCounter> | undefined;

/** The process-wide o200k counter, loaded once. */
export function loadTokenCounter(): Promise<TokenCounter> {
  loading ??= (async () => {
    const [{ Tiktoken }, ranks] = await Promise.all([
      import("js-tiktoken/lite"),
      import("js-tiktoken/ranks/o200k_base"),
    ]);
    return new TiktokenCounter(new Tiktoken(ranks.default));
  })();
  return loading;
}

/**
 * Longest run of one character class (letters and marks, punctuation and symbols, whitespace) encoded at once.
 * js-tiktoken's merge is superlinear in the length of one pre-token: 8,192 letters without a break took ~10 s
 * and 32,768 over four minutes, so one crafted description could hold a counter for minutes. Longer runs are
 * encoded in pieces of this length (a few tenths of a millisecond each); ordinary text has no such runs and is
 * counted exactly, a long word or an unbroken CJK sentence may come out a token or so off.
 */
export const MAX_RUN_CHARS = 16;
const LONG_RUN = new RegExp(
  `[\\p{L}\\p{M}]{${MAX_RUN_CHARS + 1},}|[^\\s\\p{L}\\p{M}\\p{N}]{${MAX_RUN_CHARS + 1},}|\\s{${MAX_RUN_CHARS + 1},}`,
  "gu",
);

/** [start, end) ranges covering the text in order: the text between long runs whole, long runs in pieces. */
function* segments(text: string): Generator<[number, number]> {
  let from = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    const start = match.index;
    const end = start + match[0].length;
    if (start > from) yield [from, start];
    for (let at = start; at < end; ) {
      let next = Math.min(at + MAX_RUN_CHARS, end);
      const code = text.charCodeAt(next - 1);
      if (next < end && code >= 0xd800 && code <= 0xdbff) next--; // never split a surrogate pair
      yield [at, next];
      at = next;
    }
    from = end;
  }
  if (from < text.length) yield [from, text.length];
}

interface Encoder {
  encode(text: string, allowedSpecial?: "all" | string[], disallowedSpecial?: "all" | string[]): number[];
  decode(tokens: number[]): string;
}

class TiktokenCounter implements TokenCounter {
  readonly encoding = "o200k_base";
  private readonly encoder: Encoder;

  constructor(encoder: Encoder) {
    this.encoder = encoder;
  }

  count(text: string): number {
    let total = 0;
    for (const [start, end] of segments(text)) total += this.encode(text.slice(start, end)).length;
    return total;
  }

  prefixLength(text: string, maxTokens: number): number {
    if (maxTokens <= 0) return 0;
    let used = 0;
    for (const [start, end] of segments(text)) {
      const piece = text.slice(start, end);
      const tokens = this.encode(piece);
      if (used + tokens.length > maxTokens) return start + this.prefixWithin(piece, tokens, maxTokens - used);
      used += tokens.length;
    }
    return text.length;
  }

  /** Special-token text (e.g. "<|endoftext|>") in tool output is encoded as ordinary text, never rejected. */
  private encode(text: string): number[] {
    return text.length === 0 ? [] : this.encoder.encode(text, [], []);
  }

  /** Characters of `text` (encoded as `tokens`) within the first `maxTokens` tokens. */
  private prefixWithin(text: string, tokens: number[], maxTokens: number): number {
    if (maxTokens <= 0) return 0;
    // A token may end inside a multi-byte character; the decoded prefix then ends with U+FFFD. Drop it.
    let prefix = this.encoder.decode(tokens.slice(0, maxTokens));
    while (prefix.endsWith("\uFFFD") && !text.startsWith(prefix)) prefix = prefix.slice(0, -1);
    let length = Math.min(prefix.length, text.length);
    // Never split a surrogate pair.
    const code = text.charCodeAt(length - 1);
    if (length > 0 && code >= 0xd800 && code <= 0xdbff) length--;
    return length;
  }
}

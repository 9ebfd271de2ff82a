// Token counts and token-bounded prefixes of long texts in bounded work, for output budgets.
//
// BPE merging is quadratic in the length of one pre-token (a run of letters, of punctuation, of spaces): measured
// with js-tiktoken, a line of 16,000 `x` takes over a minute and 160,000 characters of Japanese several seconds.
// So text is measured in pieces of at most PIECE_MAX_CHARS, cut before a space where possible, and no piece holds
// a run of one character class longer than RUN_MAX_CHARS (RUN_MAX_WIDE_CHARS outside ASCII, where a character is
// up to four bytes). Splitting changes a count only at the split points; every count is an estimate anyway.
import type { TokenCounter } from "../../ports/token-counter.ts";

const PIECE_MAX_CHARS = 1024;
const RUN_MAX_CHARS = 32;
const RUN_MAX_WIDE_CHARS = 12;
/** Texts up to this long are counted exactly by estimate(); longer ones from samples. */
const EXACT_MAX_CHARS = 16_384;
const SAMPLES = 4;
const SAMPLE_CHARS = 2_048;

/** Character classes whose runs are one pre-token for o200k: spaces, letters, digits, punctuation, non-ASCII. */
const SPACE = 0;
const LETTER = 1;
const DIGIT = 2;
const PUNCT = 3;
const WIDE = 4;

function classOf(code: number): number {
  if (code <= 0x20) return SPACE;
  if (code >= 0x80) return WIDE;
  if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) return LETTER;
  if (code >= 0x30 && code <= 0x39) return DIGIT;
  return PUNCT;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** `index`, or one further when it would split a surrogate pair. */
export function safeIndex(text: string, index: number): number {
  return index > 0 && index < text.length && isLowSurrogate(text.charCodeAt(index)) ? index + 1 : index;
}

/** Where the piece starting at `start` ends (exclusive), never past `limit`. */
function pieceEnd(text: string, start: number, limit: number): number {
  const max = Math.min(limit, start + PIECE_MAX_CHARS);
  let lastSpace = -1;
  let cls = -1;
  let run = 0;
  for (let i = start; i < max; i++) {
    const c = classOf(text.charCodeAt(i));
    if (c !== cls) {
      if (c === SPACE && i > start) lastSpace = i;
      cls = c;
      run = 1;
    } else if (++run > (c === WIDE ? RUN_MAX_WIDE_CHARS : RUN_MAX_CHARS)) {
      return safeIndex(text, i);
    }
  }
  if (max === limit) return limit;
  return lastSpace > start ? lastSpace : safeIndex(text, max);
}

/** The outcome of fitting text into a token allowance: where it ends and what any earlier end would cost. */
export interface Fit {
  /** Exclusive end of the longest prefix that fits (never splitting a surrogate pair). */
  end: number;
  /** Tokens of the text up to `end`. */
  tokens: number;
  /** Tokens of the text from the fit's start to `position` (start ≤ position ≤ end). */
  tokensTo(position: number): number;
}

export class TextMeter {
  private readonly counter: TokenCounter;

  constructor(counter: TokenCounter) {
    this.counter = counter;
  }

  /** Tokens of `text[from, to)`, counted piece by piece. */
  count(text: string, from = 0, to = text.length): number {
    let tokens = 0;
    for (let pos = from; pos < to; ) {
      const end = pieceEnd(text, pos, to);
      tokens += this.counter.count(text.slice(pos, end));
      pos = end;
    }
    return tokens;
  }

  /**
   * Tokens of a text, counted exactly up to EXACT_MAX_CHARS and extrapolated from evenly spread samples above
   * that (never more than its UTF-8 bytes, which bound any o200k count).
   */
  estimate(text: string): number {
    if (text.length <= EXACT_MAX_CHARS) return this.count(text);
    let sampled = 0;
    let tokens = 0;
    const step = Math.floor((text.length - SAMPLE_CHARS) / (SAMPLES - 1));
    for (let i = 0; i < SAMPLES; i++) {
      const from = safeIndex(text, i * step);
      const to = safeIndex(text, Math.min(text.length, from + SAMPLE_CHARS));
      tokens += this.count(text, from, to);
      sampled += to - from;
    }
    return Math.min(Buffer.byteLength(text), Math.ceil((tokens * text.length) / Math.max(1, sampled)));
  }

  /** The longest prefix of `text[from, to)` whose pieces cost at most `maxTokens`, measuring no further than it. */
  fit(text: string, from: number, to: number, maxTokens: number): Fit {
    const starts: number[] = [];
    const before: number[] = [];
    let used = 0;
    let pos = from;
    let end = to;
    while (pos < to) {
      const next = pieceEnd(text, pos, to);
      const piece = text.slice(pos, next);
      const tokens = this.counter.count(piece);
      starts.push(pos);
      before.push(used);
      if (used + tokens > maxTokens) {
        const length = this.counter.prefixLength(piece, maxTokens - used);
        if (length > 0) used += this.counter.count(piece.slice(0, length));
        end = pos + length;
        break;
      }
      used += tokens;
      pos = next;
    }
    const tokensTo = (position: number): number => {
      if (position >= end) return used;
      let i = starts.length - 1;
      while (i > 0 && (starts[i] as number) > position) i--;
      const start = starts[i] ?? from;
      return (before[i] ?? 0) + (position > start ? this.counter.count(text.slice(start, position)) : 0);
    };
    return { end, tokens: used, tokensTo };
  }
}

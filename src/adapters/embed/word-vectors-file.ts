// Reads a word-vectors file in the wink-embeddings JSON format ({dimensions, size, …, vectors: {word: [d₀ … dₙ₋₁,
// l2 norm, frequency rank]}}) into one Float32Array. The file is ~300 MB: it is scanned as bytes rather than
// JSON.parse'd (which would hold a second, larger copy as JS arrays), a slice at a time so the event loop stays
// responsive while it loads.
import { readFile } from "node:fs/promises";
import { setImmediate as yieldToLoop } from "node:timers/promises";

export interface WordVectors {
  dims: number;
  /** Words in the file (the frequency ranks go from 0 to size - 1). */
  size: number;
  /** Word → frequency rank (0 is the most frequent), for the words loaded. */
  ranks: Map<string, number>;
  /** Row `rank` holds that word's vector. */
  vectors: Float32Array;
}

const WORDS_PER_SLICE = 5_000;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Loads the words of frequency rank below maxWords (default all). Rejects on a file of another shape. */
export async function readWordVectors(path: string, maxWords = Number.POSITIVE_INFINITY): Promise<WordVectors> {
  const file = await readFile(path);
  // A plain Uint8Array view: element reads on it stay on V8's fast path (a Buffer's may not).
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const start = file.indexOf('"vectors":{');
  const head = file.toString("latin1", 0, Math.min(file.length, 512));
  const field = (name: string) => Number(new RegExp(`"${name}":(\\d+)`).exec(head)?.[1]);
  const dims = field("dimensions");
  const size = field("size");
  if (start < 0 || !(dims > 0) || !(size > 0) || field("wordIndex") !== dims + 1) {
    throw new Error(`${path} is not a wink-embeddings word-vectors file`);
  }
  const kept = Math.min(size, maxWords);
  const ranks = new Map<string, number>();
  const vectors = new Float32Array(kept * dims);
  const row = new Float64Array(dims + 2);
  let at = start + '"vectors":{'.length;
  let read = 0;
  const fail = (why: string) => new Error(`${path}: ${why} at byte ${at}`);
  while (bytes[at] !== 0x7d) {
    if (bytes[at] !== QUOTE) throw fail("expected a word");
    const end = closingQuote(bytes, at);
    const raw = file.toString("utf8", at + 1, end);
    const word = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
    at = end + 1;
    if (bytes[at] !== 0x3a || bytes[at + 1] !== 0x5b) throw fail("expected :[");
    at += 2;
    for (let i = 0; i < row.length; i++) {
      at = readNumber(bytes, at, row, i);
      const separator = bytes[at++];
      if (separator !== (i === row.length - 1 ? 0x5d : 0x2c)) throw fail(`expected ${dims + 2} numbers`);
    }
    const rank = row[dims + 1] as number;
    if (!Number.isInteger(rank) || rank < 0 || rank >= size) throw fail(`a frequency rank out of range (${rank})`);
    if (rank < kept) {
      ranks.set(word, rank);
      vectors.set(row.subarray(0, dims), rank * dims);
    }
    if (bytes[at] === 0x2c) at++;
    if (++read % WORDS_PER_SLICE === 0) await yieldToLoop();
  }
  if (read !== size) throw fail(`${read} words where the header says ${size}`);
  return { dims, size, ranks, vectors };
}

function closingQuote(bytes: Uint8Array, open: number): number {
  for (let at = open + 1; at < bytes.length; at++) {
    if (bytes[at] === BACKSLASH) at++;
    else if (bytes[at] === QUOTE) return at;
  }
  throw new Error("unterminated string in the word-vectors file");
}

/** Parses a JSON number at `at` into out[i]; returns the position after it. */
function readNumber(bytes: Uint8Array, at: number, out: Float64Array, i: number): number {
  let negative = false;
  if (bytes[at] === 0x2d) {
    negative = true;
    at++;
  }
  let mantissa = 0;
  let exponent = 0;
  let digits = 0;
  for (let c = bytes[at] as number; c >= 0x30 && c <= 0x39; c = bytes[++at] as number, digits++) {
    mantissa = mantissa * 10 + (c - 0x30);
  }
  if (bytes[at] === 0x2e) {
    for (let c = bytes[++at] as number; c >= 0x30 && c <= 0x39; c = bytes[++at] as number, digits++) {
      mantissa = mantissa * 10 + (c - 0x30);
      exponent--;
    }
  }
  if (digits === 0) throw new Error(`a number was expected at byte ${at} of the word-vectors file`);
  if (bytes[at] === 0x65 || bytes[at] === 0x45) {
    let sign = 1;
    at++;
    if (bytes[at] === 0x2d || bytes[at] === 0x2b) sign = bytes[at++] === 0x2d ? -1 : 1;
    let power = 0;
    for (let c = bytes[at] as number; c >= 0x30 && c <= 0x39; c = bytes[++at] as number)
      power = power * 10 + (c - 0x30);
    exponent += sign * power;
  }
  // Dividing by an exact power of ten rounds once, as parseFloat does for numbers of few digits.
  const value =
    exponent < 0
      ? mantissa / (POWERS_OF_TEN[-exponent] ?? 10 ** -exponent)
      : mantissa * (POWERS_OF_TEN[exponent] ?? 10 ** exponent);
  out[i] = negative ? -value : value;
  return at;
}

// Character rules of screening: controls, terminal escape sequences, bidi controls, invisible characters and the
// Unicode tag block, found in one pass over a string (linear, no regular expression backtracking).
import type { Finding, FindingSeverity } from "../../core/integrity.ts";
import { codePointName, escapeText } from "./escape.ts";

const MAX_SAMPLES = 3;

/** Findings of one rule in one string: how many, and the first few places. */
interface Tally {
  count: number;
  samples: string[];
}

type CharacterRule = "char.control" | "char.ansi-escape" | "unicode.bidi" | "unicode.invisible" | "unicode.tag-block";

const SEVERITY: Record<CharacterRule, FindingSeverity> = {
  "char.control": "high",
  "char.ansi-escape": "high",
  "unicode.bidi": "high",
  "unicode.invisible": "high",
  "unicode.tag-block": "critical",
};

const WHAT: Record<CharacterRule, string> = {
  "char.control": "control characters",
  "char.ansi-escape": "terminal escape sequences",
  "unicode.bidi": "bidi controls that reorder the displayed text",
  "unicode.invisible": "invisible characters",
  "unicode.tag-block": "Unicode tag characters hiding ASCII text",
};

const EMOJI = /\p{Extended_Pictographic}|\p{Emoji_Modifier}/u;
/** Letters of scripts whose spelling uses joiners (Arabic, Indic, ...): not Latin, Greek, Cyrillic or common. */
const JOINING_SCRIPT_LETTER =
  /^(?![\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}])[\p{L}\p{M}]$/u;
const HAN = /\p{Script=Han}/u;

const charOf = (cp: number) => (cp >= 0 ? String.fromCodePoint(cp) : "");
const isVariationSelector = (cp: number) => (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
const isTag = (cp: number) => cp >= 0xe0000 && cp <= 0xe007f;

/** Always invisible: zero width space, word joiner and invisible operators, Mongolian vowel separator, fillers. */
const ALWAYS_INVISIBLE = new Set([
  0x200b, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x180e, 0x3164, 0x115f, 0x1160, 0xffa0, 0x034f, 0x17b4, 0x17b5,
  0x206a, 0x206b, 0x206c, 0x206d, 0x206e, 0x206f, 0xfff9, 0xfffa, 0xfffb,
]);

/** Where the end of the escape sequence starting at `start` (ESC, or 8-bit CSI/OSC) is. */
function escapeEnd(text: string, start: number): number {
  const n = text.length;
  const first = text.charCodeAt(start);
  const kind = first === 0x9b ? "[" : first === 0x9d ? "]" : text[start + 1];
  let j = first === 0x1b ? start + 2 : start + 1;
  if (first === 0x1b && kind === undefined) return start + 1;
  if (kind === "[") {
    while (j < n && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x3f) j++;
    while (j < n && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
    return j < n && text.charCodeAt(j) >= 0x40 && text.charCodeAt(j) <= 0x7e ? j + 1 : j;
  }
  if (kind === "]" || kind === "P" || kind === "X" || kind === "^" || kind === "_") {
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 0x07 && kind === "]") return j + 1;
      if (c === 0x9c) return j + 1;
      if (c === 0x1b && text[j + 1] === "\\") return j + 2;
    }
    return n;
  }
  return start + 2;
}

/** Whether the invisible-looking code point at `index` is ordinary spelling in its context (text, not names). */
function ordinaryInContext(index: number, cp: number, prev: number, next: number): boolean {
  if (cp === 0xfeff) return index === 0;
  if (cp === 0x00ad) return true;
  if (cp === 0x200d && (EMOJI.test(charOf(prev)) || EMOJI.test(charOf(next)) || prev === 0xfe0f)) return true;
  if (cp === 0x200c || cp === 0x200d) return JOINING_SCRIPT_LETTER.test(charOf(prev));
  if (isVariationSelector(cp)) {
    if (isVariationSelector(prev) || isVariationSelector(next)) return false;
    return cp <= 0xfe0f || HAN.test(charOf(prev));
  }
  return false;
}

/** The rule a code point breaks, if any (tags and escape sequences are handled by the caller). */
function ruleOf(index: number, cp: number, prev: number, next: number, name: boolean): CharacterRule | undefined {
  if (cp < 0x20) return cp === 0x09 || cp === 0x0a || cp === 0x0d ? undefined : "char.control";
  if (cp < 0x7f) return undefined;
  if (cp <= 0x9f) return "char.control";
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return "unicode.bidi";
  if (cp === 0x200e || cp === 0x200f || cp === 0x061c) return name ? "unicode.bidi" : undefined;
  if (ALWAYS_INVISIBLE.has(cp)) return "unicode.invisible";
  if (cp === 0x200c || cp === 0x200d || cp === 0xfeff || cp === 0x00ad || isVariationSelector(cp)) {
    return name || !ordinaryInContext(index, cp, prev, next) ? "unicode.invisible" : undefined;
  }
  return undefined;
}

/** ASCII spelled by a run of tag characters, or undefined for an emoji subdivision flag (🏴 + tags + cancel tag). */
function hiddenAscii(text: string, start: number, prev: number): { end: number; ascii: string | undefined } {
  let end = start;
  let ascii = "";
  while (end < text.length) {
    const cp = text.codePointAt(end) as number;
    if (!isTag(cp)) break;
    if (cp >= 0xe0020 && cp <= 0xe007e) ascii += String.fromCharCode(cp - 0xe0000);
    end += 2;
  }
  const flag = prev === 0x1f3f4 && /^[a-z0-9]{2,6}$/.test(ascii) && text.codePointAt(end - 2) === 0xe007f;
  return { end, ascii: flag ? undefined : ascii };
}

function record(tallies: Map<CharacterRule, Tally>, rule: CharacterRule, sample: () => string): void {
  let tally = tallies.get(rule);
  if (!tally) {
    tally = { count: 0, samples: [] };
    tallies.set(rule, tally);
  }
  tally.count++;
  if (tally.samples.length < MAX_SAMPLES) tally.samples.push(sample());
}

// Anything outside printable ASCII, tab and line breaks: the fast path skips strings without any.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const NOT_PLAIN = /[^\u0020-\u007e\u0009\u000a\u000d]/;

/** Character findings of one string; `name` applies the stricter rules of identifiers (names, property keys). */
export function screenCharacters(text: string, field: string, name: boolean): Finding[] {
  if (!NOT_PLAIN.test(text)) return [];
  const tallies = new Map<CharacterRule, Tally>();
  let prev = -1;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    const step = cp > 0xffff ? 2 : 1;
    if (cp === 0x1b || cp === 0x9b || cp === 0x9d) {
      const end = escapeEnd(text, i);
      record(tallies, "char.ansi-escape", () => `${escapeText(text.slice(i, Math.min(end, i + 24)), 24)} at ${i}`);
      prev = text.codePointAt(end - 1) as number;
      i = end;
      continue;
    }
    if (isTag(cp)) {
      const { end, ascii } = hiddenAscii(text, i, prev);
      if (ascii !== undefined) {
        record(tallies, "unicode.tag-block", () => `${(end - i) / 2} at ${i}: "${escapeText(ascii, 60)}"`);
      }
      prev = text.codePointAt(end - 2) as number;
      i = end;
      continue;
    }
    const next = i + step < text.length ? (text.codePointAt(i + step) as number) : -1;
    const rule = ruleOf(i, cp, prev, next, name);
    if (rule) record(tallies, rule, () => `${codePointName(cp)} at ${i}`);
    prev = cp;
    i += step;
  }
  return [...tallies].map(([rule, tally]) => ({
    rule,
    severity: SEVERITY[rule],
    field,
    message: `${tally.count} ${WHAT[rule]} (${tally.samples.join(", ")}${tally.count > tally.samples.length ? ", …" : ""})`,
  }));
}

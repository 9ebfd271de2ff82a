// Folding text to what a reader sees: the skeleton of a tool name (for confusable names across servers) and the
// plain lowercase Latin form of a description (for phrase rules that hidden or look-alike characters must not dodge).

/**
 * Cyrillic, Greek and Latin letters drawn like a Latin letter, as pairs "look-alike, Latin letter", mapped before
 * lowercasing (case matters: Greek `Η` is H, `η` is n).
 */
const HOMOGLYPH_PAIRS = [
  // Cyrillic
  "аa вb еe ёe кk мm нh оo рp сc тt уy хx ѕs іi їi јj һh ԁd ԛq ԝw ӏl ьb үy ѵv ѡw",
  "АA ВB ЕE КK МM НH ОO РP СC ТT ХX УY ЅS ІI ЈJ ԚQ ԜW ҮY ӀI ҺH",
  // Greek
  "αa οo ρp νv ιi κk τt υu χx εe γy ηn μu ωw ϲc ϳj",
  "ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX ϹC",
  // Latin look-alikes outside ASCII that NFKC keeps
  "ıi ɑa ɡg ɩi ʏy ᴠv ɪi",
].join(" ");
const HOMOGLYPHS: ReadonlyMap<string, string> = new Map(
  HOMOGLYPH_PAIRS.split(" ").map((pair) => [pair[0] as string, pair[1] as string]),
);

const HOMOGLYPH_CHARS = new RegExp(`[${[...HOMOGLYPHS.keys()].join("")}]`, "g");
/** Format characters (zero width, bidi, tags, soft hyphen), variation selectors and the combining grapheme joiner. */
const INVISIBLE = /\p{Cf}|[\u180e\u3164\u115f\u1160\uffa0]|\u034f|[\ufe00-\ufe0f]|[\u{e0100}-\u{e01ef}]/gu;
const NAME_SEPARATORS = /[_\-. ]/g;
const NON_ASCII = /[^\p{ASCII}]/u;

function toLatin(text: string): string {
  return text.replace(HOMOGLYPH_CHARS, (c) => HOMOGLYPHS.get(c) ?? c);
}

/** A name as it looks: NFKC, look-alike letters as Latin, lowercase, without separators `_-. ` or invisibles. */
export function skeleton(name: string): string {
  if (!NON_ASCII.test(name)) return name.toLowerCase().replace(NAME_SEPARATORS, "");
  return toLatin(name.normalize("NFKC").replace(INVISIBLE, "")).toLowerCase().replace(NAME_SEPARATORS, "");
}

/** A name without case and separators only: two names equal here differ in spelling, not in look-alike letters. */
export function looseName(name: string): string {
  return name.toLowerCase().replace(NAME_SEPARATORS, "");
}

/** Text for phrase rules: NFKC, invisibles removed, look-alikes as Latin, lowercase, whitespace runs as one space. */
export function plainText(text: string): string {
  const folded = NON_ASCII.test(text) ? toLatin(text.normalize("NFKC").replace(INVISIBLE, "")) : text;
  return folded.toLowerCase().replace(/\s+/g, " ");
}

const SCRIPT_OF: readonly [string, RegExp][] = [
  ["Latin", /\p{Script=Latin}/u],
  ["Cyrillic", /\p{Script=Cyrillic}/u],
  ["Greek", /\p{Script=Greek}/u],
];
const LETTER = /\p{L}/gu;

/** The confusable scripts (Latin, Cyrillic, Greek) whose letters a name mixes; fewer than two is not mixed. */
export function confusableScripts(name: string): string[] {
  if (!NON_ASCII.test(name)) return [];
  const found = new Set<string>();
  for (const [letter] of name.matchAll(LETTER)) {
    for (const [script, pattern] of SCRIPT_OF) if (pattern.test(letter)) found.add(script);
  }
  return found.size > 1 ? [...found] : [];
}

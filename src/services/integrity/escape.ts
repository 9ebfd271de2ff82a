// Text quoted in a finding's message: every character an operator cannot see or that could act on a terminal
// (controls, format and bidi characters, separators other than the space, combining marks, tag characters) is
// written as `U+XXXX`, so a message is one printable line whatever the definition held.

const UNSAFE = /[\p{C}\p{Z}\p{M}]/gu;

/** `U+XXXX` (at least four hex digits) for a code point. */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** `text` with unsafe characters escaped, cut to `maxChars` code points (an ellipsis marks the cut). */
export function escapeText(text: string, maxChars = 80): string {
  let cut = text;
  let truncated = false;
  if (text.length > maxChars) {
    const points = Array.from(text.slice(0, maxChars * 2)).slice(0, maxChars);
    cut = points.join("");
    truncated = cut.length < text.length;
  }
  const escaped = cut.replace(UNSAFE, (c) => (c === " " ? c : codePointName(c.codePointAt(0) as number)));
  return truncated ? `${escaped}…` : escaped;
}

// Where to cut a text that does not fit: the last paragraph break, else line break, else sentence end, else
// whitespace before the token limit, searched back over a bounded window; a hard cut only when there is none.

/** Farthest a clean boundary is searched back from the limit, in UTF-16 code units. */
export const CUT_WINDOW_MAX_CHARS = 2_000;

const SENTENCE_END = new Set([".", "!", "?", "\u3002", "\uff01", "\uff1f"]);
/** Full-width sentence ends need no space after them. */
const WIDE_SENTENCE_END = new Set(["\u3002", "\uff01", "\uff1f"]);

function isSpace(char: string | undefined): boolean {
  return char !== undefined && /\s/.test(char);
}

/**
 * A cut position c with from < c ≤ limit: the text before c is shown, the rest follows. `limit` is the hard limit
 * (exclusive end of what fits); at or past the text's end nothing needs cutting and `limit` is returned. The
 * window is at most half of what fits, so a clean cut never shows less than half of it.
 */
export function cleanCut(text: string, from: number, limit: number): number {
  if (limit >= text.length || limit <= from + 1) return limit;
  const floor = limit - Math.min(CUT_WINDOW_MAX_CHARS, Math.floor((limit - from) / 2));
  const after = (index: number, length: number) => (index >= floor && index + length > from ? index + length : 0);
  const paragraph = Math.max(
    after(text.lastIndexOf("\n\n", limit - 2), 2),
    after(text.lastIndexOf("\n\r\n", limit - 3), 3),
  );
  if (paragraph > 0) return paragraph;
  const line = after(text.lastIndexOf("\n", limit - 1), 1);
  if (line > 0) return line;
  for (let i = limit - 1; i >= floor && i > from; i--) {
    const char = text[i - 1] as string;
    if (SENTENCE_END.has(char) && (isSpace(text[i]) || WIDE_SENTENCE_END.has(char))) {
      // Keep the space after a sentence with it, so the next part starts with the next sentence.
      return isSpace(text[i]) && i + 1 <= limit ? i + 1 : i;
    }
  }
  for (let i = limit - 1; i >= floor && i > from; i--) {
    if (isSpace(text[i])) return i + 1;
  }
  return limit;
}

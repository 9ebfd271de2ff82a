// Whether a result's content items already hold what its structuredContent holds, so a cut result pages the
// content only: the spec asks a tool that returns structuredContent to return it as text too (usually its JSON;
// server-filesystem returns `{content: <the text>}` beside the text itself), and paging both would give every
// byte twice.
import { type ContentItem, isTextItem } from "./remainder.ts";

/** Past this many parts (objects, arrays, values), a structured value is not compared value by value. */
const MAX_COMPARED_VALUES = 128;

/**
 * True when a text item is the structured value's JSON (any formatting), or every value it holds (each string,
 * number, boolean, null) occurs in a text item. False when in doubt: paging a duplicate costs tokens, dropping
 * data the model cannot get otherwise would lose it.
 */
export function carriesStructured(content: readonly ContentItem[], structured: unknown): boolean {
  const texts = content.filter(isTextItem).map((item) => item.text);
  if (texts.length === 0) return false;
  if (texts.some((text) => isJsonOf(text, structured))) return true;
  const values = scalarsOf(structured, MAX_COMPARED_VALUES);
  if (values === undefined) return false;
  return values.every((value) => {
    const needle = typeof value === "string" ? value : JSON.stringify(value);
    return texts.some((text) => text.includes(needle));
  });
}

/** Whether `text` is JSON of a value deeply equal to `value`. */
function isJsonOf(text: string, value: unknown): boolean {
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[" && first !== '"') return false;
  try {
    return sameJson(JSON.parse(text), value);
  } catch {
    return false;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bRecord = b as Record<string, unknown>;
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every(
    (key) => Object.hasOwn(bRecord, key) && sameJson((a as Record<string, unknown>)[key], bRecord[key]),
  );
}

/** The leaf values of a JSON value (empty strings left out), or undefined when it has more than `max` parts. */
function scalarsOf(value: unknown, max: number): unknown[] | undefined {
  const out: unknown[] = [];
  const stack: unknown[] = [value];
  for (let visited = 0; stack.length > 0; visited++) {
    if (visited > max) return undefined;
    const next = stack.pop();
    if (next !== null && typeof next === "object") {
      for (const key in next) {
        if (stack.push((next as Record<string, unknown>)[key]) > max) return undefined;
      }
    } else if (next !== "" && next !== undefined) out.push(next);
  }
  return out;
}

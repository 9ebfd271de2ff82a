// sha256 of canonical JSON (keys sorted at every depth), so equal definitions or arguments hash equally whatever
// order their keys arrived in.
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted by UTF-16 code units at every depth and no whitespace; numbers and strings are
 * written as JSON.stringify writes them. For JSON-parsed input this is RFC 8785 (JCS). Like JSON.stringify,
 * undefined, functions and symbols are dropped from objects and become null in arrays; toJSON is honoured.
 *
 * Written without recursion: arguments nested thousands of levels deep (which JSON.parse accepts) must hash like
 * any others, never overflow the stack. A cycle (impossible in parsed JSON) throws a TypeError, as in
 * JSON.stringify.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  /** Containers being written, for cycle detection. */
  const open = new Set<object>();
  const start = (resolved: unknown) => {
    if (resolved === null || typeof resolved !== "object") {
      out.push(JSON.stringify(resolved));
      return;
    }
    if (open.has(resolved)) throw new TypeError("canonicalJson: cyclic structure");
    open.add(resolved);
    if (Array.isArray(resolved)) {
      out.push("[");
      stack.push({ container: resolved, keys: undefined, next: 0, written: 0 });
    } else {
      out.push("{");
      stack.push({ container: resolved, keys: Object.keys(resolved).sort(), next: 0, written: 0 });
    }
  };
  const first = resolve(value);
  if (omitted(first)) return "null";
  start(first);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const member = frame.keys ? nextMember(frame) : nextEntry(frame);
    if (member === DONE) {
      out.push(frame.keys ? "}" : "]");
      open.delete(frame.container);
      stack.pop();
      continue;
    }
    if (frame.written++ > 0) out.push(",");
    if (member.key !== undefined) out.push(JSON.stringify(member.key), ":");
    if (omitted(member.value)) out.push("null");
    else start(member.value);
  }
  return out.join("");
}

/** Hex sha256 of canonicalJson(value). */
export function canonicalHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** A container being written: an array (`keys` undefined) or an object with its sorted keys. */
interface Frame {
  container: object;
  keys: string[] | undefined;
  /** Index of the next entry or key. */
  next: number;
  /** Members written so far (a comma goes before every one but the first). */
  written: number;
}

const DONE = Symbol("done");
type Member = { key: string | undefined; value: unknown } | typeof DONE;

/** The next array entry, resolved (an omitted one is written as null by the caller). */
function nextEntry(frame: Frame): Member {
  const array = frame.container as unknown[];
  if (frame.next >= array.length) return DONE;
  return { key: undefined, value: resolve(array[frame.next++]) };
}

/** The next object member whose value is written at all (undefined, functions and symbols are skipped). */
function nextMember(frame: Frame): Member {
  const keys = frame.keys as string[];
  const object = frame.container as Record<string, unknown>;
  while (frame.next < keys.length) {
    const key = keys[frame.next++] as string;
    const value = resolve(object[key]);
    if (!omitted(value)) return { key, value };
  }
  return DONE;
}

/** The value after toJSON, applied as long as the result has one (as the recursive form did). */
function resolve(value: unknown): unknown {
  let current = value;
  for (let hops = 0; hasToJson(current); hops++) {
    if (hops >= MAX_TO_JSON_HOPS) throw new TypeError("canonicalJson: toJSON does not settle");
    current = current.toJSON();
  }
  return current;
}

const MAX_TO_JSON_HOPS = 64;

function hasToJson(value: unknown): value is { toJSON(): unknown } {
  return value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function";
}

/** Values JSON.stringify leaves out of objects (and writes as null in arrays). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === "function" || typeof value === "symbol";
}

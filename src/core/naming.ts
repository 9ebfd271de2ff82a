// Namespaced names for the aggregated endpoint: `server<separator>name`, kept within the spec's 128-character
// rule. Server names never hold the separator (see separatorProblem), so a namespaced name splits at its first
// separator, one way only. Over-long or colliding names get a short stable hash suffix and a reported problem.
import { createHash } from "node:crypto";

export const MAX_NAME_LENGTH = 128;
const VALID_NAME = /^[A-Za-z0-9_.-]+$/;

export interface NamingProblem {
  server: string;
  name: string;
  kind: "invalid-name" | "too-long" | "collision";
  message: string;
  /** The name the item is exposed under after the fix-up. */
  exposedAs: string;
}

export function isValidToolName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && VALID_NAME.test(name);
}

/**
 * Why a server name cannot be joined unambiguously with the separator, or undefined when it can: the first
 * separator in `server<separator>…` must be the joining one. With `__` that rules out `a__b` (server `a`'s
 * tool `b__c` and server `a__b`'s tool `c` would both be `a__b__c`) and a trailing `_` (`a_` + `__` + `x` reads
 * as `a` + `__` + `_x`).
 */
export function separatorProblem(server: string, separator: string): string | undefined {
  const first = `${server}${separator}`.indexOf(separator);
  if (first === server.length) return undefined;
  return server.includes(separator)
    ? `server names cannot contain the namespace separator "${separator}": namespaced names would be ambiguous`
    : `server names cannot end with "${server.slice(first)}" next to the namespace separator "${separator}": namespaced names would be ambiguous`;
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** Joins a server and an item name; shortens with a hash suffix when the result passes 128 characters. */
export function namespacedName(server: string, name: string, separator: string): string {
  const joined = `${server}${separator}${name}`;
  if (joined.length <= MAX_NAME_LENGTH) return joined;
  const suffix = `-${shortHash(joined)}`;
  return joined.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
}

export interface NamedItem {
  server: string;
  name: string;
}

export interface NameAssignment<T extends NamedItem> {
  exposed: string;
  item: T;
}

/**
 * Assigns exposed names to items of many servers, deterministically (servers and items in the given order).
 * Each problem is reported once; a collision gives the later item a hash-suffixed name.
 */
export function assignNames<T extends NamedItem>(
  items: readonly T[],
  separator: string,
): { assignments: NameAssignment<T>[]; problems: NamingProblem[] } {
  const taken = new Set<string>();
  const assignments: NameAssignment<T>[] = [];
  const problems: NamingProblem[] = [];
  for (const item of items) {
    let exposed = namespacedName(item.server, item.name, separator);
    if (!VALID_NAME.test(item.name)) {
      problems.push({
        server: item.server,
        name: item.name,
        kind: "invalid-name",
        message: `name "${item.name}" has characters outside [A-Za-z0-9_.-]; clients may reject it`,
        exposedAs: exposed,
      });
    }
    if (exposed !== `${item.server}${separator}${item.name}`) {
      problems.push({
        server: item.server,
        name: item.name,
        kind: "too-long",
        message: `"${item.server}${separator}${item.name}" is longer than ${MAX_NAME_LENGTH} characters`,
        exposedAs: exposed,
      });
    }
    if (taken.has(exposed)) {
      const suffix = `-${shortHash(`${item.server}\u0000${item.name}`)}`;
      const renamed = exposed.slice(0, MAX_NAME_LENGTH - suffix.length) + suffix;
      problems.push({
        server: item.server,
        name: item.name,
        kind: "collision",
        message: `"${exposed}" is already taken by another server's item; exposed as "${renamed}"`,
        exposedAs: renamed,
      });
      exposed = renamed;
    }
    taken.add(exposed);
    assignments.push({ exposed, item });
  }
  return { assignments, problems };
}

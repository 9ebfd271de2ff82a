// How deeply a parsed JSON value nests, measured without recursion: the gateway refuses requests nested past a
// limit before any work, because serializing them again (for the server, the audit hash, a session record) with
// recursive code would overflow the stack, and the failure would land on the server instead of the caller.

/**
 * The default of `gateway.maxParamsDepth`: levels of objects and arrays allowed in a request's params, params
 * itself being level 1. Real tool arguments stay far below it; JSON.stringify overflows near 5,000.
 */
export const DEFAULT_MAX_PARAMS_DEPTH = 64;

/**
 * True when `value` nests more than `maxDepth` levels of objects and arrays (a container is one level, and so
 * is each container inside it; strings, numbers, booleans and null add none). Visits each container at most
 * once and stops at the first one past the limit.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== "object") return false;
  const containers: object[] = [value];
  const depths: number[] = [1];
  while (containers.length > 0) {
    const container = containers.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return true;
    const entries = Array.isArray(container) ? container : Object.values(container);
    for (const entry of entries) {
      if (entry !== null && typeof entry === "object") {
        containers.push(entry);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

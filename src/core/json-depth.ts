// How deeply a parsed JSON value nests, measured without recursion: the gateway refuses requests nested past a
// limit before any work, because serializing them again (for the server, the audit hash, a session record) with
// recursive code would overflow the stack, and the failure would land on the server instead of the caller.

/**
 * True when `value` nests more than `maxDepth` levels of objects and arrays (a container is one level, and so
 * is each container inside it; strings, numbers, booleans and null add none). Visits each container at most
 * once and stops at the first one past the limit.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== "object") return false;
  // Two parallel stacks and index/for-in loops: no allocation per container (this runs on every request).
  const containers: object[] = [value];
  const depths: number[] = [1];
  const visit = (entry: unknown, depth: number) => {
    if (entry !== null && typeof entry === "object") {
      containers.push(entry);
      depths.push(depth);
    }
  };
  while (containers.length > 0) {
    const container = containers.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return true;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) visit(container[i], depth + 1);
    } else {
      // Parsed JSON objects have no inherited enumerable members: for-in sees exactly their own keys.
      for (const key in container) visit(container[key], depth + 1);
    }
  }
  return false;
}

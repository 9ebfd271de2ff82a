// A field-by-field difference of two definitions (or server identities): every leaf that was added, removed or
// changed, by its path, so an operator sees exactly what a server changed, including in nested schemas.

export interface FieldChange {
  /** `description`, `inputSchema.properties.path.type`, `annotations.destructiveHint`, `tags[2]`. */
  path: string;
  change: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

/** Most changes listed; a definition rewritten wholesale is summarised by its first ones. */
const MAX_CHANGES = 500;

export function diffDefinitions(before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  // Iterative: a schema nested thousands of levels deep must not overflow the stack.
  const stack: { path: string; a: unknown; b: unknown }[] = [{ path: "", a: before, b: after }];
  while (stack.length > 0 && changes.length < MAX_CHANGES) {
    const { path, a, b } = stack.pop() as { path: string; a: unknown; b: unknown };
    if (a === undefined && b === undefined) continue;
    if (a === undefined) {
      changes.push({ path: path || "(whole)", change: "added", after: b });
      continue;
    }
    if (b === undefined) {
      changes.push({ path: path || "(whole)", change: "removed", before: a });
      continue;
    }
    if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
      const keys = Array.isArray(a)
        ? Array.from({ length: Math.max(a.length, (b as unknown[]).length) }, (_, i) => i)
        : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      // Pushed in reverse so they come out in order.
      for (const key of keys.reverse()) {
        const child = typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;
        stack.push({
          path: child,
          a: (a as Record<string | number, unknown>)[key],
          b: (b as Record<string | number, unknown>)[key],
        });
      }
      continue;
    }
    if (!sameLeaf(a, b)) changes.push({ path: path || "(whole)", change: "changed", before: a, after: b });
  }
  return changes;
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === "object" && value !== null;
}

function sameLeaf(a: unknown, b: unknown): boolean {
  if (isContainer(a) || isContainer(b)) return false;
  return Object.is(a, b);
}

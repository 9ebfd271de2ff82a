// Projection of JSON tool results: keep only the named fields (dotted paths; arrays are traversed), in
// structuredContent and in text items whose text is a JSON object or array. Unknown paths just drop out.

/** Paths as a tree: `true` keeps a whole value, a nested tree keeps some of its fields. */
export type FieldTree = Map<string, FieldTree | true>;

export function fieldTree(paths: readonly string[]): FieldTree {
  const root: FieldTree = new Map();
  for (const path of paths) {
    const keys = path.split(".").filter((key) => key.length > 0);
    let node = root;
    for (const [i, key] of keys.entries()) {
      const existing = node.get(key);
      if (existing === true) break; // a shorter path already keeps the whole value
      if (i === keys.length - 1) {
        node.set(key, true);
        break;
      }
      const child: FieldTree = existing ?? new Map();
      node.set(key, child);
      node = child;
    }
  }
  return root;
}

/**
 * The value with only the fields of `tree`: an array is projected element by element (elements with nothing
 * left drop out), an object keeps the listed keys it has, anything else has no fields (undefined).
 */
export function project(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) {
    return value.map((element) => project(element, tree)).filter((element) => element !== undefined);
  }
  if (value === null || typeof value !== "object") return undefined;
  const source = value as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    if (!Object.hasOwn(source, key)) continue;
    const projected = sub === true ? source[key] : project(source[key], sub);
    if (projected !== undefined) kept[key] = projected;
  }
  return kept;
}

/** The JSON object or array a text holds, or undefined when it holds anything else. */
function parseJson(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A tool result with structuredContent and JSON text items projected (text re-serialized compactly). */
export function projectResult(result: Record<string, unknown>, tree: FieldTree): Record<string, unknown> {
  const projected: Record<string, unknown> = { ...result };
  const structured = result.structuredContent;
  if (structured !== null && typeof structured === "object") {
    projected.structuredContent = project(structured, tree) ?? {};
  }
  if (Array.isArray(result.content)) {
    projected.content = result.content.map((item: unknown) => {
      const entry = item as { type?: unknown; text?: unknown } | null;
      if (entry?.type !== "text" || typeof entry.text !== "string") return item;
      const parsed = parseJson(entry.text);
      if (parsed === undefined) return item;
      return { ...(item as Record<string, unknown>), text: JSON.stringify(project(parsed, tree)) };
    });
  }
  return projected;
}

// What the search index reads of a tool: its names, description, parameter names and descriptions (nested
// object properties included, one level of items), and its server's name and description.
import type { ToolDocument } from "../../ports/search-index.ts";

type Json = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** Parameter names and descriptions, walking nested properties and array items (bounded depth). */
function parameters(schema: unknown, depth = 0, out: { name: string; description: string }[] = []) {
  if (!schema || typeof schema !== "object" || depth > 3) return out;
  const s = schema as Json;
  const properties = s.properties;
  if (properties && typeof properties === "object") {
    for (const [name, property] of Object.entries(properties as Json)) {
      const p = (property ?? {}) as Json;
      out.push({ name, description: `${text(p.title)} ${text(p.description)}`.trim() });
      parameters(p, depth + 1, out);
    }
  }
  if (s.items) parameters(s.items, depth + 1, out);
  return out;
}

/** A tool of a manifest (as the server lists it) as a search document under its exposed name. */
export function toolDocument(id: string, server: string, tool: Json, serverDescription: string): ToolDocument {
  const annotations = (tool.annotations ?? {}) as Json;
  return {
    id,
    server,
    name: text(tool.name),
    title: text(tool.title) || text(annotations.title),
    description: text(tool.description),
    parameters: parameters(tool.inputSchema),
    serverDescription,
  };
}

// The text a model reads back from search_tools and describe_tools: compact JSON, at the level of detail asked
// for. A summary keeps each description to its first sentence (at most ~200 characters) and lists argument
// names with their types; `full` adds the input schema.
import type { SearchDetail } from "./meta-tools.ts";

type Json = Record<string, unknown>;

const SUMMARY_CHARS = 200;

/** The first sentence of a description, whitespace collapsed, cut at a word near SUMMARY_CHARS. */
export function summarize(description: unknown): string {
  const text = typeof description === "string" ? description.replace(/\s+/g, " ").trim() : "";
  const sentence = /^.+?[.!?。](?=\s|$)/.exec(text)?.[0] ?? text;
  if (sentence.length <= SUMMARY_CHARS) return sentence;
  const cut = sentence.slice(0, SUMMARY_CHARS);
  const space = cut.lastIndexOf(" ");
  return `${space > SUMMARY_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}

/** `query (string, required), limit (integer)` from an input schema. */
export function argumentSummary(inputSchema: unknown): string {
  const schema = (inputSchema ?? {}) as Json;
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  return Object.entries(properties)
    .map(([name, property]) => {
      const type = Array.isArray(property?.type) ? property.type.join("|") : property?.type;
      const parts = [type, required.has(name) ? "required" : undefined].filter((p) => typeof p === "string");
      return parts.length > 0 ? `${name} (${parts.join(", ")})` : name;
    })
    .join(", ");
}

/** One tool as shown in a search reply. */
export function describeHit(tool: Json, name: string, detail: SearchDetail): unknown {
  if (detail === "name") return name;
  if (detail === "full") {
    const out: Json = { name, description: tool.description ?? "", inputSchema: tool.inputSchema };
    if (tool.annotations) out.annotations = tool.annotations;
    return out;
  }
  const out: Json = { name, description: summarize(tool.description) };
  const args = argumentSummary(tool.inputSchema);
  if (args) out.arguments = args;
  return out;
}

/** A tool result carrying one JSON text item. */
export function jsonResult(value: unknown, isError = false): Json {
  const result: Json = { content: [{ type: "text", text: JSON.stringify(value) }] };
  if (isError) result.isError = true;
  return result;
}

/** A tool result with an error message the model can act on. */
export function errorResult(message: string): Json {
  return { content: [{ type: "text", text: message }], isError: true };
}

// sha256 of canonical JSON (keys sorted at every depth), so equal definitions or arguments hash equally whatever
// order their keys arrived in.
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted by UTF-16 code units at every depth and no whitespace; numbers and strings are
 * written as JSON.stringify writes them. For JSON-parsed input this is RFC 8785 (JCS). Like JSON.stringify,
 * undefined, functions and symbols are dropped from objects and become null in arrays; toJSON is honoured.
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? "null";
}

/** Hex sha256 of canonicalJson(value). */
export function canonicalHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function write(value: unknown): string | undefined {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return write((value as { toJSON(): unknown }).toJSON());
  }
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((entry) => write(entry) ?? "null").join(",")}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const entry = write((value as Record<string, unknown>)[key]);
    if (entry !== undefined) parts.push(`${JSON.stringify(key)}:${entry}`);
  }
  return `{${parts.join(",")}}`;
}

// Rules across servers: a name that shadows or imitates another server's tool, a name mixing look-alike scripts,
// and descriptions that refer to another server's tools or to another server by name.
import type { Finding } from "../../core/integrity.ts";
import { confusableScripts, looseName, skeleton } from "./confusables.ts";
import { escapeText } from "./escape.ts";

/** What screening knows of the gateway around a definition. */
export interface ScreeningContext {
  /** The server the definition comes from. */
  server: string;
  /** Every other server and its tool names. */
  otherServers: readonly { server: string; names: readonly string[] }[];
  /** This server's own tool names (a reference to a sibling tool is not a cross-server reference). */
  names?: readonly string[];
}

const MAX_LISTED = 3;

function listed(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).map((item) => escapeText(item, 60));
  return `${shown.join(", ")}${items.length > MAX_LISTED ? `, … (${items.length} in all)` : ""}`;
}

/** Printable ASCII only: what a look-alike of it imitates. */
export function isPlain(name: string): boolean {
  return /^[\x20-\x7e]*$/.test(name);
}

/** Shadowing (same name, or same but for case and separators), confusable look-alikes, mixed scripts. */
export function screenName(name: string, field: string, context: ScreeningContext): Finding[] {
  const findings: Finding[] = [];
  const own = skeleton(name);
  const loose = looseName(name);
  const shadowed: string[] = [];
  const imitated: string[] = [];
  for (const { server, names } of context.otherServers) {
    for (const other of names) {
      if (other !== name && skeleton(other) !== own) continue;
      if (other === name || looseName(other) === loose) shadowed.push(`${server}/${other}`);
      // Of a plain ASCII name and its look-alike, the look-alike is the imitation: the original is not flagged.
      else if (!isPlain(name) || isPlain(other)) imitated.push(`${server}/${other}`);
      break;
    }
  }
  if (imitated.length > 0) {
    const message = `"${escapeText(name, 60)}" looks like another server's tool: ${listed(imitated)}`;
    findings.push({ rule: "name.confusable", severity: "high", field, message });
  }
  if (shadowed.length > 0) {
    const message = `"${escapeText(name, 60)}" has the name of another server's tool: ${listed(shadowed)}`;
    findings.push({ rule: "name.shadowing", severity: "medium", field, message });
  }
  const scripts = confusableScripts(name);
  if (scripts.length > 0) {
    const message = `"${escapeText(name, 60)}" mixes ${scripts.join(" and ")} letters`;
    findings.push({ rule: "name.mixed-script", severity: "high", field, message });
  }
  return findings;
}

/** A tool name specific enough to be a reference when quoted: 5+ characters with a separator or an inner capital. */
const isDistinctive = (name: string) => name.length >= 5 && (/[_.-]/.test(name) || /[a-z][A-Z]/.test(name));
const TOKEN = /[A-Za-z0-9_][A-Za-z0-9_.-]*/g;
const SERVER_WORD = /\b(?:server|mcp)\b/g;
const MCP_PREFIXED = /\bmcp[_-]([a-z0-9]+)\b/g;

/** A server name as words, without the generic words `mcp` and `server` ("MCP Yahoo_Finance" → "yahoo finance"). */
function serverKey(server: string): string {
  return server
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "" && word !== "mcp" && word !== "server")
    .join(" ");
}

/** A token without trailing dots and dashes (sentence punctuation), without a regular expression that backtracks. */
function trimEnd(token: string): string {
  let end = token.length;
  while (end > 0 && (token[end - 1] === "." || token[end - 1] === "-")) end--;
  return token.slice(0, end);
}

/**
 * What the strings of one definition could refer to, gathered during the walk and resolved once against the other
 * servers (so the cost of the context is one pass over its names per definition, not one per string).
 */
export interface ReferenceCandidates {
  /** Distinctive tokens (`send_email`, `getUserSubmissions`) to the fields they occur in. */
  tokens: Map<string, Set<string>>;
  /** Words right before "server"/"mcp", or after `mcp_` (1 to 4 words), to the fields they occur in. */
  serverKeys: Map<string, Set<string>>;
}

export const noCandidates = (): ReferenceCandidates => ({ tokens: new Map(), serverKeys: new Map() });

function add(map: Map<string, Set<string>>, key: string, field: string): void {
  const fields = map.get(key);
  if (fields) fields.add(field);
  else map.set(key, new Set([field]));
}

/** Gathers the reference candidates of one string (`plain` is its plainText form). */
export function collectReferences(text: string, plain: string, field: string, into: ReferenceCandidates): void {
  for (const [token] of text.matchAll(TOKEN)) {
    const trimmed = trimEnd(token);
    if (isDistinctive(trimmed)) add(into.tokens, trimmed, field);
    if (trimmed.includes("."))
      for (const part of trimmed.split(".")) if (isDistinctive(part)) add(into.tokens, part, field);
  }
  for (const match of plain.matchAll(SERVER_WORD)) {
    const words = serverKey(plain.slice(Math.max(0, match.index - 60), match.index)).split(" ");
    for (let k = 1; k <= 4 && k <= words.length; k++) add(into.serverKeys, words.slice(-k).join(" "), field);
  }
  for (const match of plain.matchAll(MCP_PREFIXED)) add(into.serverKeys, match[1] as string, field);
}

/** References to tools of other servers (not also this server's) or to other servers, one finding per field. */
export function resolveReferences(candidates: ReferenceCandidates, context: ScreeningContext, self: string): Finding[] {
  if (candidates.tokens.size === 0 && candidates.serverKeys.size === 0) return [];
  const ownNames = new Set([self, ...(context.names ?? [])]);
  const ownKey = serverKey(context.server);
  const byField = new Map<string, { tools: string[]; servers: string[] }>();
  const at = (field: string) => {
    const refs = byField.get(field) ?? { tools: [], servers: [] };
    byField.set(field, refs);
    return refs;
  };
  for (const { server, names } of context.otherServers) {
    if (candidates.serverKeys.size > 0) {
      const key = serverKey(server);
      const fields = key.length >= 3 && key !== ownKey ? candidates.serverKeys.get(key) : undefined;
      for (const field of fields ?? []) at(field).servers.push(server);
    }
    for (const name of names) {
      const fields = candidates.tokens.get(name);
      if (!fields || ownNames.has(name)) continue;
      for (const field of fields)
        if (!at(field).tools.some((t) => t.endsWith(`/${name}`))) at(field).tools.push(`${server}/${name}`);
    }
  }
  return [...byField]
    .filter(([, refs]) => refs.tools.length > 0 || refs.servers.length > 0)
    .map(([field, { tools, servers }]) => {
      const parts = [
        ...(tools.length > 0 ? [`tools ${listed(tools)}`] : []),
        ...(servers.length > 0 ? [`servers ${listed(servers)}`] : []),
      ];
      const message = `refers to other servers' ${parts.join(" and ")}`;
      return { rule: "reference.cross-server", severity: "medium" as const, field, message };
    });
}

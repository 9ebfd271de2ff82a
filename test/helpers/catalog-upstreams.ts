// Turns a catalog file (JSON lines of {server, name, description, input_schema}) into gateway server entries:
// one upstream per catalog server, each running the catalog fixture with --server. Used by tests and benchmarks.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CATALOG_SERVER = fileURLToPath(new URL("../fixtures/catalog-server.ts", import.meta.url));

/** The gateway's rule for server names (config schema SERVER_NAME). */
const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_SERVER_NAME = 64;

export interface CatalogTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** One line of a catalog file. */
export interface CatalogRow {
  server: string;
  name: string;
  description?: string;
  input_schema?: Record<string, unknown>;
}

/** The tool a catalog line describes, with its keys in the order tools/list sends them. */
export function catalogTool(row: CatalogRow): CatalogTool {
  return { name: row.name, description: row.description ?? "", inputSchema: row.input_schema ?? { type: "object" } };
}

export interface CatalogServer {
  /** The gateway server name (sanitized, unique). */
  name: string;
  /** The catalog's own server name, passed to the fixture's --server. */
  catalogName: string;
  /** The tools as the fixture serves them, in file order. */
  tools: CatalogTool[];
}

/** The catalog's servers in order of first appearance, with gateway-safe unique names. */
export function readCatalogServers(catalogFile: string): CatalogServer[] {
  const servers = new Map<string, CatalogServer>();
  const taken = new Set<string>();
  for (const line of readFileSync(catalogFile, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as CatalogRow;
    let server = servers.get(row.server);
    if (!server) {
      server = { name: uniqueName(sanitizeServerName(row.server), taken), catalogName: row.server, tools: [] };
      servers.set(row.server, server);
    }
    server.tools.push(catalogTool(row));
  }
  return [...servers.values()];
}

/** Runs of characters outside [A-Za-z0-9_.-] become `_`; the name starts with a letter or digit. */
export function sanitizeServerName(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9_.-]+/g, "_")
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/_+$/, "")
    .slice(0, MAX_SERVER_NAME);
  return SERVER_NAME.test(cleaned) ? cleaned : `server${cleaned ? `_${cleaned}` : ""}`.slice(0, MAX_SERVER_NAME);
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) {
    const suffix = `-${n}`;
    name = base.slice(0, MAX_SERVER_NAME - suffix.length) + suffix;
  }
  taken.add(name);
  return name;
}

export interface CatalogUpstreamOptions {
  /** Only these catalog servers (catalog names); default all. */
  only?: readonly string[];
  /** Extra fixture arguments for every upstream, e.g. ["--replicate", "10"]. */
  fixtureArgs?: readonly string[];
  /** Extra settings for every server entry, e.g. { idleTimeoutMs: 5000 }. */
  settings?: Record<string, unknown>;
}

/** Gateway `servers` entries, one per catalog server, keyed by the sanitized name. */
export function catalogUpstreams(
  catalogFile: string,
  options: CatalogUpstreamOptions = {},
): Record<string, Record<string, unknown>> {
  const entries: Record<string, Record<string, unknown>> = {};
  for (const server of readCatalogServers(catalogFile)) {
    if (options.only && !options.only.includes(server.catalogName)) continue;
    entries[server.name] = {
      command: process.execPath,
      args: [CATALOG_SERVER, "--catalog", catalogFile, "--server", server.catalogName, ...(options.fixtureArgs ?? [])],
      ...options.settings,
    };
  }
  return entries;
}

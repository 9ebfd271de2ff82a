// Reads a running server's tools, prompts, resources and resource templates (following pagination).

import { createHash } from "node:crypto";
import { ERROR_CODES } from "../../core/errors.ts";
import type { CatalogKind } from "../../core/events.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { ServerManifest } from "../../ports/manifest-store.ts";
import type { UpstreamPeer } from "../upstream/upstream-peer.ts";

const MAX_PAGES = 100;

const LISTS = {
  tools: { method: "tools/list", field: "tools", capability: "tools" },
  prompts: { method: "prompts/list", field: "prompts", capability: "prompts" },
  resources: { method: "resources/list", field: "resources", capability: "resources" },
  resourceTemplates: { method: "resources/templates/list", field: "resourceTemplates", capability: "resources" },
} as const;

type ListKey = keyof typeof LISTS;

/** Which manifest lists a catalog kind covers (resources include templates). */
export const LISTS_OF_KIND: Record<CatalogKind, readonly ListKey[]> = {
  tools: ["tools"],
  prompts: ["prompts"],
  resources: ["resources", "resourceTemplates"],
};

/** Identifies the command or URL behind a manifest, without storing secret values (only env/header names). */
export function specHash(spec: ServerSpec): string {
  const t = spec.transport;
  const identity =
    t.kind === "stdio"
      ? { kind: t.kind, command: t.command, args: t.args, cwd: t.cwd, env: Object.keys(t.env).sort() }
      : { kind: t.kind, url: t.url, headers: Object.keys(t.headers).sort() };
  return createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 16);
}

export async function fetchManifest(
  spec: ServerSpec,
  peer: UpstreamPeer,
  previous: ServerManifest | undefined,
  keys: readonly ListKey[] = Object.keys(LISTS) as ListKey[],
  maxItems = Number.POSITIVE_INFINITY,
): Promise<ServerManifest> {
  const init = peer.initialized;
  if (!init) throw new Error(`server ${spec.name} is not initialized`);
  const base: ServerManifest =
    previous && previous.specHash === specHash(spec)
      ? { ...previous }
      : {
          server: spec.name,
          specHash: specHash(spec),
          fetchedAt: "",
          protocolVersion: "",
          serverInfo: {},
          capabilities: {},
          instructions: undefined,
          tools: [],
          prompts: [],
          resources: [],
          resourceTemplates: [],
        };
  const manifest: ServerManifest = {
    ...base,
    fetchedAt: new Date().toISOString(),
    protocolVersion: init.protocolVersion,
    serverInfo: init.serverInfo,
    capabilities: init.capabilities,
    instructions: init.instructions,
  };
  await Promise.all(
    keys.map(async (key) => {
      const list = LISTS[key];
      manifest[key] = init.capabilities[list.capability]
        ? await fetchAll(peer, list.method, list.field, spec.timeoutMs, maxItems)
        : [];
    }),
  );
  return manifest;
}

async function fetchAll(
  peer: UpstreamPeer,
  method: string,
  field: string,
  timeoutMs: number,
  maxItems: number,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await peer.request(
      { jsonrpc: "2.0", id: 0, method, params: cursor ? { cursor } : {} },
      { timeoutMs },
    );
    if (response.error) {
      // Some servers advertise a capability but not every list (e.g. no templates): treat as empty.
      if (response.error.code === ERROR_CODES.method_not_found.jsonRpc) return items;
      throw new Error(`${method} failed: ${response.error.message}`);
    }
    const result = response.result ?? {};
    const batch = result[field];
    // One item past the bound is kept so the definition limits can report that the rest was refused.
    if (Array.isArray(batch)) items.push(...(batch as Record<string, unknown>[]).slice(0, maxItems + 1 - items.length));
    if (items.length > maxItems) break;
    cursor = typeof result.nextCursor === "string" && result.nextCursor !== "" ? result.nextCursor : undefined;
    if (!cursor) break;
  }
  return items;
}

// The storage-independent half of RegistryStore.putManifest/getManifest: splitting a manifest into keyed,
// hashed items, dating what changed, and putting a manifest back together. Both adapters share it so their
// semantics cannot drift apart.

import { canonicalHash } from "../../core/canonical-hash.ts";
import type { ServerManifest } from "../../ports/manifest-store.ts";
import type { ItemKind, ManifestChange, RegistryItem } from "../../ports/registry-store.ts";

type ItemList = "tools" | "prompts" | "resources" | "resourceTemplates";

/** Each kind, the manifest list it lives in and the member that names it; in manifest order. */
const ITEM_KINDS: readonly { kind: ItemKind; list: ItemList; keyField: string }[] = [
  { kind: "tool", list: "tools", keyField: "name" },
  { kind: "prompt", list: "prompts", keyField: "name" },
  { kind: "resource", list: "resources", keyField: "uri" },
  { kind: "resourceTemplate", list: "resourceTemplates", keyField: "uriTemplate" },
];

/** A registry item with its place in the manifest (counted across all kinds), so order survives a round trip. */
export interface ItemRow extends RegistryItem {
  position: number;
}

/** What a store already holds for one item: enough to tell whether it changed. */
export type PreviousItem = Pick<RegistryItem, "kind" | "key" | "definitionHash" | "firstSeenAt" | "changedAt">;

/** The manifest without its items: what a store keeps in the per-server header row. */
export type ManifestHeader = Omit<ServerManifest, ItemList>;

export interface ManifestPlan {
  /** Every item of the new manifest, to be written (upserted) as is. */
  rows: ItemRow[];
  change: ManifestChange;
}

const identity = (kind: string, key: string) => `${kind}\u0000${key}`;

/**
 * Compares a manifest with what is stored. Unchanged items keep hash and times; changed ones get the new hash
 * and changedAt = nowIso; new ones are first seen now. Items without a string key, and repeats of a key already
 * seen (a misbehaving server), are left out: the key is the item's identity.
 */
export function planManifest(manifest: ServerManifest, previous: PreviousItem[], nowIso: string): ManifestPlan {
  const before = new Map(previous.map((item) => [identity(item.kind, item.key), item]));
  const seen = new Set<string>();
  const rows: ItemRow[] = [];
  const change: ManifestChange = { added: [], changed: [], removed: [] };
  for (const { kind, list, keyField } of ITEM_KINDS) {
    for (const definition of manifest[list]) {
      const key = definition[keyField];
      if (typeof key !== "string" || seen.has(identity(kind, key))) continue;
      seen.add(identity(kind, key));
      const definitionHash = canonicalHash(definition);
      const old = before.get(identity(kind, key));
      const unchanged = old !== undefined && old.definitionHash === definitionHash;
      const row: ItemRow = {
        server: manifest.server,
        kind,
        key,
        definitionHash,
        firstSeenAt: old?.firstSeenAt ?? nowIso,
        changedAt: unchanged ? old.changedAt : nowIso,
        definition,
        position: rows.length,
      };
      rows.push(row);
      if (old === undefined) change.added.push(withoutPosition(row));
      else if (!unchanged) change.changed.push(withoutPosition(row));
    }
  }
  for (const old of previous) {
    if (!seen.has(identity(old.kind, old.key)))
      change.removed.push({ server: manifest.server, kind: old.kind, key: old.key });
  }
  return { rows, change };
}

/** The header part of a manifest. */
export function headerOf(manifest: ServerManifest): ManifestHeader {
  const { tools: _t, prompts: _p, resources: _r, resourceTemplates: _rt, ...header } = manifest;
  return header;
}

/**
 * A manifest header as the column values both registry adapters store, in schema order: server, spec_hash,
 * fetched_at, protocol_version, server_info, capabilities, instructions.
 */
export function headerRow(header: ManifestHeader): (string | null)[] {
  return [
    header.server,
    header.specHash,
    header.fetchedAt,
    header.protocolVersion,
    JSON.stringify(header.serverInfo),
    JSON.stringify(header.capabilities),
    header.instructions ?? null,
  ];
}

/** Rebuilds a manifest from its header and its items in stored position order. */
export function assembleManifest(header: ManifestHeader, items: Pick<RegistryItem, "kind" | "definition">[]) {
  const manifest: ServerManifest = { ...header, tools: [], prompts: [], resources: [], resourceTemplates: [] };
  for (const item of items) {
    const entry = ITEM_KINDS.find((candidate) => candidate.kind === item.kind);
    if (entry) manifest[entry.list].push(item.definition);
  }
  return manifest;
}

function withoutPosition(row: ItemRow): RegistryItem {
  const { position: _position, ...item } = row;
  return item;
}

// The registry port: what each server is (config snapshot) and offers (manifest), with a definition hash per
// tool, prompt, resource and resource template, so a changed definition is noticed and dated.
import type { ServerManifest } from "./manifest-store.ts";

export type ItemKind = "tool" | "prompt" | "resource" | "resourceTemplate";

/** One item of a server's manifest as the registry keeps it. */
export interface RegistryItem {
  server: string;
  kind: ItemKind;
  /** Tool/prompt name, resource URI or URI template. */
  key: string;
  /** sha256 of the item's canonical JSON (keys sorted), hex. */
  definitionHash: string;
  /** ISO time the registry first saw this item. */
  firstSeenAt: string;
  /** ISO time its definition last changed (equals firstSeenAt until it does). */
  changedAt: string;
  definition: Record<string, unknown>;
}

/** A server's configuration identity (no secret values), as last seen. */
export interface ServerSnapshot {
  server: string;
  configHash: string;
  /** The spec with env/header values removed. */
  config: Record<string, unknown>;
  updatedAt: string;
}

export interface ManifestChange {
  added: RegistryItem[];
  changed: RegistryItem[];
  removed: Pick<RegistryItem, "server" | "kind" | "key">[];
}

export interface RegistryStore {
  putServer(snapshot: Omit<ServerSnapshot, "updatedAt">): Promise<void>;
  getServer(server: string): Promise<ServerSnapshot | undefined>;
  /**
   * Stores a server's manifest, item by item: unchanged items keep their hash, first-seen and changed-at times;
   * changed ones get a new hash and changed-at; missing ones are removed. Resolves once durable.
   */
  putManifest(manifest: ServerManifest): Promise<ManifestChange>;
  getManifest(server: string): Promise<ServerManifest | undefined>;
  items(filter?: { server?: string; kind?: ItemKind }): Promise<RegistryItem[]>;
  /** Resolves when the store answers a trivial query; rejects (as unavailable) otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

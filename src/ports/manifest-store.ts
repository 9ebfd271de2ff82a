// The manifest store port: per-server cached catalogs, so an asleep server's tools are known without starting it.

/** What a server offered the last time it ran. Items are kept exactly as the server sent them. */
export interface ServerManifest {
  server: string;
  /** Hash of the transport settings; a different hash means the cached manifest belongs to another command. */
  specHash: string;
  fetchedAt: string;
  protocolVersion: string;
  serverInfo: Record<string, unknown>;
  capabilities: Record<string, unknown>;
  instructions: string | undefined;
  tools: Record<string, unknown>[];
  prompts: Record<string, unknown>[];
  resources: Record<string, unknown>[];
  resourceTemplates: Record<string, unknown>[];
}

export interface ManifestStore {
  load(server: string): Promise<ServerManifest | undefined>;
  save(manifest: ServerManifest): Promise<void>;
}

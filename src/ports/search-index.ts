// The search index port: tool documents in, ranked tool ids out. Updated per server as manifests change;
// answers synchronously from memory (search is on a model's critical path and never starts a server).

export interface ToolDocument {
  /** The exposed (namespaced) tool name; unique in the index. */
  id: string;
  server: string;
  /** The server's own tool name. */
  name: string;
  title: string;
  description: string;
  parameters: readonly { name: string; description: string }[];
  /** The server's description (configured, else its initialize instructions' first sentence). */
  serverDescription: string;
}

export interface SearchQuery {
  text: string;
  limit: number;
  /** Only this server's tools. */
  server?: string;
}

export interface SearchHit {
  id: string;
  server: string;
  score: number;
}

export interface SearchIndex {
  /** Replaces every document of a server (an empty list removes the server). */
  replaceServer(server: string, docs: readonly ToolDocument[]): void;
  /** Best hits first; ties broken by id so the order is deterministic. */
  search(query: SearchQuery): SearchHit[];
  readonly size: number;
}

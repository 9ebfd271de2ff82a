// The embedding store port: vectors of tool documents keyed by (model, definition hash), so a tool is embedded
// once per definition and model, across restarts and by whichever replica gets there first.

export interface EmbeddingEntry {
  /** Identifies the embedded text: it changes whenever the text does (a tool's definition hash). */
  hash: string;
  vector: Float32Array;
}

export interface EmbeddingStore {
  /** The stored vectors of those hashes under that model; missing hashes are simply absent from the map. */
  get(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Stores (or replaces) vectors; resolves once written. Vectors are copied, never kept by reference. */
  put(model: string, entries: readonly EmbeddingEntry[]): Promise<void>;
  /** Resolves when the store answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

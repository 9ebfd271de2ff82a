// The semantic half of tool search: one embedding per tool document, ranked by cosine similarity to the query.
// Optional and never in the way: when embedding fails, rankings are simply empty (the lexical search answers
// alone) and status() says why.
import { canonicalHash } from "../../core/canonical-hash.ts";
import type { EventBus } from "../../core/events.ts";
import type { Cache } from "../../ports/cache.ts";
import type { Embedder } from "../../ports/embedder.ts";
import type { EmbeddingStore } from "../../ports/embedding-store.ts";

export const DEFAULT_SEMANTIC_CHUNK_SIZE = 256;
export const DEFAULT_QUERY_VECTOR_TTL_MS = 3_600_000;

export interface SemanticDocument {
  /** The tool's exposed (namespaced) name. */
  id: string;
  /** Changes whenever `text` does (the tool's definition hash, if the text is made from the definition only). */
  hash: string;
  /** What is embedded; a blank text is replaced by the id. */
  text: string;
}

export interface SemanticHit {
  id: string;
  /** Cosine similarity, in [-1, 1]. */
  score: number;
}

/**
 * empty: no sync has finished yet. ready: every document has a vector and the last embedding request worked.
 * degraded: some documents lack a vector or the last embedding request failed (lastError says why); rankings
 * then cover only the documents that have one, or nothing when the query itself could not be embedded.
 */
export type SemanticIndexState = "empty" | "ready" | "degraded";

export interface SemanticIndexStatus {
  state: SemanticIndexState;
  model: string;
  documents: number;
  /** Documents that have a vector. */
  embedded: number;
  syncing: boolean;
  lastError: string | undefined;
}

export interface SemanticIndexOptions {
  embedder: Embedder;
  /** Where vectors persist across restarts and replicas; without one they live in this process only. */
  store?: EmbeddingStore;
  /** Where query vectors are kept (under `embedding:<model>:<sha256 of the query>`); none: not cached. */
  cache?: Cache;
  /** Time to live of a cached query vector. Milliseconds; default 3600000. */
  queryTtlMs?: number;
  /** Texts embedded and stored per step of a sync (the embedder batches its requests itself); default 256. */
  chunkSize?: number;
  /** Where failures and recoveries are announced (`semantic-failed`, `semantic-recovered`, `semantic-store-failed`). */
  events: EventBus;
}

export interface SemanticIndex {
  /**
   * Makes `docs` the indexed set. Embeds only hashes that are neither in memory nor in the store. Calls made
   * while a sync runs coalesce into one more sync, of the latest set. Never rejects.
   */
  sync(docs: readonly SemanticDocument[]): Promise<void>;
  /** Best first; ties by id. Never rejects: a failure gives no hits, and so does `signal` aborting meanwhile. */
  rank(query: string, limit: number, filter?: (id: string) => boolean, signal?: AbortSignal): Promise<SemanticHit[]>;
  status(): SemanticIndexStatus;
  /** Stops a running sync; the embedder and store are the caller's to close. Idempotent. */
  close(): Promise<void>;
}

interface Indexed {
  vector: Float32Array;
  norm: number;
}

export function createSemanticIndex(options: SemanticIndexOptions): SemanticIndex {
  const { embedder, store, cache, events } = options;
  const model = embedder.model;
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_SEMANTIC_CHUNK_SIZE);
  const queryTtlMs = options.queryTtlMs ?? DEFAULT_QUERY_VECTOR_TTL_MS;
  const stopping = new AbortController();
  /** id → hash of the current document set. */
  let documents = new Map<string, string>();
  const vectors = new Map<string, Indexed>();
  const queries = new Map<string, Promise<Float32Array | undefined>>();
  let synced = false;
  let lastError: string | undefined;
  let running: Promise<void> | undefined;
  let queued: { docs: readonly SemanticDocument[]; done: Promise<void>; resolve: () => void } | undefined;

  const failed = (error: unknown, what: string) => {
    const message = error instanceof Error ? error.message : String(error);
    events.emit("semantic-failed", { model, what, error, repeated: lastError !== undefined });
    lastError = message;
  };
  const succeeded = () => {
    if (lastError !== undefined) events.emit("semantic-recovered", { model });
    lastError = undefined;
  };
  const keep = (hash: string, vector: Float32Array) => vectors.set(hash, { vector, norm: norm(vector) });

  const embed = async (texts: string[], signal: AbortSignal): Promise<Float32Array[]> => {
    const embedded = await embedder.embed(texts, signal);
    if (embedded.length !== texts.length) {
      throw new Error(`the embedder returned ${embedded.length} vectors for ${texts.length} texts`);
    }
    return embedded;
  };

  const fromStore = async (hashes: string[]) => {
    if (!store || hashes.length === 0) return;
    try {
      for (const [hash, vector] of await store.get(model, hashes)) keep(hash, vector);
    } catch (error) {
      events.emit("semantic-store-failed", { model, op: "read", error });
    }
  };

  const run = async (docs: readonly SemanticDocument[]) => {
    const texts = new Map<string, string>();
    documents = new Map();
    for (const doc of docs) {
      documents.set(doc.id, doc.hash);
      if (!vectors.has(doc.hash)) texts.set(doc.hash, doc.text.trim() === "" ? doc.id : doc.text);
    }
    await fromStore([...texts.keys()]);
    const missing = [...texts].filter(([hash]) => !vectors.has(hash));
    for (let start = 0; start < missing.length && !stopping.signal.aborted; start += chunkSize) {
      const chunk = missing.slice(start, start + chunkSize);
      let embedded: Float32Array[];
      try {
        embedded = await embed(
          chunk.map(([, text]) => text),
          stopping.signal,
        );
      } catch (error) {
        if (!stopping.signal.aborted) failed(error, `embedding ${missing.length - start} tool descriptions`);
        break;
      }
      succeeded();
      const entries = chunk.map(([hash], i) => ({ hash, vector: embedded[i] as Float32Array }));
      for (const { hash, vector } of entries) keep(hash, vector);
      await store?.put(model, entries).catch((error: unknown) => {
        events.emit("semantic-store-failed", { model, op: "write", error });
      });
    }
    const referenced = new Set(documents.values());
    for (const hash of vectors.keys()) if (!referenced.has(hash)) vectors.delete(hash);
    synced = true;
  };

  /** A sync never rejects (it is fired and forgotten): what `run` did not expect is announced as a failure. */
  const guarded = (docs: readonly SemanticDocument[]) =>
    run(docs).catch((error: unknown) => failed(error, "syncing the semantic index"));

  const next = (): void => {
    running = undefined;
    if (!queued) return;
    const { docs, resolve } = queued;
    queued = undefined;
    if (stopping.signal.aborted) {
      resolve();
      return;
    }
    running = guarded(docs).finally(next);
    void running.then(resolve);
  };

  /** Identical queries in flight share one lookup, so it runs to its end whoever stops waiting for it. */
  const queryVector = (query: string): Promise<Float32Array | undefined> => {
    const key = `embedding:${model}:${canonicalHash(query)}`;
    let pending = queries.get(key);
    if (!pending) {
      pending = lookUpQuery(key, query).finally(() => queries.delete(key));
      queries.set(key, pending);
    }
    return pending;
  };

  const lookUpQuery = async (key: string, query: string) => {
    const cached = await cache?.get(key).catch(() => undefined);
    const decoded = cached === undefined ? undefined : fromBase64(cached);
    if (decoded) return decoded;
    try {
      const [vector] = await embed([query], stopping.signal);
      succeeded();
      cache?.set(key, toBase64(vector as Float32Array), queryTtlMs).catch(() => {});
      return vector;
    } catch (error) {
      if (!stopping.signal.aborted) failed(error, "embedding a search query");
      return undefined;
    }
  };

  return {
    sync(docs) {
      if (stopping.signal.aborted) return Promise.resolve();
      if (!running) {
        running = guarded(docs).finally(next);
        return running;
      }
      if (queued) {
        queued.docs = docs;
        return queued.done;
      }
      let resolve = () => {};
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      queued = { docs, done, resolve };
      return done;
    },
    async rank(query, limit, filter, signal) {
      if (query.trim() === "" || limit < 1 || vectors.size === 0 || signal?.aborted) return [];
      const target = await unlessAborted(queryVector(query), signal);
      if (!target || signal?.aborted) return [];
      const targetNorm = norm(target);
      const hits: SemanticHit[] = [];
      for (const [id, hash] of documents) {
        const indexed = vectors.get(hash);
        if (!indexed || indexed.vector.length !== target.length || (filter && !filter(id))) continue;
        const denominator = indexed.norm * targetNorm;
        hits.push({ id, score: denominator === 0 ? 0 : dot(indexed.vector, target) / denominator });
      }
      hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return hits.slice(0, limit);
    },
    status() {
      let embedded = 0;
      for (const hash of documents.values()) if (vectors.has(hash)) embedded++;
      const complete = embedded === documents.size && lastError === undefined;
      return {
        state: !synced ? "empty" : complete ? "ready" : "degraded",
        model,
        documents: documents.size,
        embedded,
        syncing: running !== undefined,
        lastError,
      };
    },
    async close() {
      stopping.abort();
      await running;
    },
  };
}

/** The promise's value, or undefined as soon as the signal aborts. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then(resolve, () => resolve(undefined)).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(dot(vector, vector));
}

function toBase64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64");
}

function fromBase64(text: string): Float32Array | undefined {
  const bytes = Buffer.from(text, "base64");
  if (bytes.byteLength === 0 || bytes.byteLength % 4 !== 0) return undefined;
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

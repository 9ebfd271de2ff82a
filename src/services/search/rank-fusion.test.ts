// Reciprocal rank fusion: scores, weights, duplicates and the deterministic order of ties.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rrf, rrfScores } from "./rank-fusion.ts";

test("an id high in both rankings beats one that tops only one", () => {
  assert.deepEqual(
    rrf([
      ["a", "b", "c"],
      ["b", "d", "a"],
    ]),
    ["b", "a", "d", "c"],
  );
});

test("scores are Σ weight / (k + rank)", () => {
  const hits = rrfScores(
    [
      ["a", "b"],
      ["b", "a"],
    ],
    10,
    [2, 1],
  );
  assert.deepEqual(
    hits.map((hit) => hit.id),
    ["a", "b"],
  );
  assert.equal(hits[0]?.score, 2 / 11 + 1 / 12);
  assert.equal(hits[1]?.score, 2 / 12 + 1 / 11);
});

test("one ranking comes back unchanged; none gives nothing", () => {
  assert.deepEqual(rrf([["z", "y", "x"]]), ["z", "y", "x"]);
  assert.deepEqual(rrf([]), []);
  assert.deepEqual(rrf([[], []]), []);
});

test("ties go to the better best rank, then to the ranking that gives it, then to the smaller id", () => {
  // x and y: ranks 1 and 3 against 2 and 2 — 1/61 + 1/63 ≠ 2/62, so no tie; p and q tie exactly.
  assert.deepEqual(
    rrf([
      ["p", "x"],
      ["q", "y"],
    ]),
    ["p", "q", "x", "y"],
  );
  assert.deepEqual(
    rrf([
      ["q", "y"],
      ["p", "x"],
    ]),
    ["q", "p", "y", "x"],
  );
  assert.deepEqual(rrf([["m"], ["n"], ["b"], ["a"]], 60, [1, 1, 1, 1]), ["m", "n", "b", "a"]);
  assert.deepEqual(
    rrf([
      ["b", "a"],
      ["a", "b"],
    ]),
    ["b", "a"],
  );
});

test("only the first position of a repeated id counts", () => {
  assert.deepEqual(rrfScores([["a", "a", "b"]]), [
    { id: "a", score: 1 / 61 },
    { id: "b", score: 1 / 63 },
  ]);
});

test("a weight of zero keeps a ranking's ids but lets it decide nothing", () => {
  assert.deepEqual(
    rrf(
      [
        ["a", "b"],
        ["c", "b", "a"],
      ],
      60,
      [1, 0],
    ),
    ["a", "b", "c"],
  );
});

test("k must be a number of at least 0", () => {
  assert.throws(() => rrf([["a"]], -1), RangeError);
  assert.throws(() => rrf([["a"]], Number.NaN), RangeError);
});

// Screening against the labelled corpus (test/corpus/integrity/): every hostile class is caught (recall ≥ 0.95,
// every expected rule firing) and at most 1 % of the 527 + 199 real tool definitions would be quarantined by the
// default policy. Accuracy only: the time per definition is measured by `npm run bench:screening`.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CLASS_RULES, type CorpusScore, loadCorpus, scoreCorpus, screenCorpus } from "./helpers/integrity-corpus.ts";

describe("screening corpus", () => {
  let score: CorpusScore;
  before(() => {
    const { benign, hostile } = loadCorpus();
    score = scoreCorpus(screenCorpus(benign, benign), screenCorpus(benign, hostile));
  });

  it("holds the 527 LiveMCPBench and 199 MetaTool definitions and at least 20 variants per hostile class", () => {
    assert.equal(score.benign.items, 527 + 199);
    assert.deepEqual(score.classes.map((c) => c.class).sort(), Object.keys(CLASS_RULES).sort());
    for (const c of score.classes) assert.ok(c.items >= 20, `${c.class}: ${c.items}`);
  });

  for (const cls of Object.keys(CLASS_RULES)) {
    it(`catches the ${cls} variants (recall ≥ 0.95)`, () => {
      const c = score.classes.find((s) => s.class === cls);
      assert.ok(c, cls);
      assert.ok(c.recall >= 0.95, `${cls}: recall ${c.recall}, missed ${c.missed.join(", ")}`);
    });
  }

  it("would quarantine at most 1 % of the real definitions under the default policy", () => {
    const { quarantined, items } = score.benign;
    assert.ok(quarantined.length / items <= 0.01, `${quarantined.length}/${items}: ${quarantined.join(", ")}`);
  });
});

// Screening benchmark (`npm run bench:screening`): screens the labelled corpus of test/corpus/integrity/ and prints
// per hostile class the recall (every expected rule fired), the share the default policy quarantines and the
// precision of the class's rules over the whole corpus; for the benign definitions the false positives (any
// quarantine-level finding under DEFAULT_SCREENING) and the flag-only findings; the share of the held-out instruction
// wordings (heldout-instruction.jsonl, never used to change the rules) quarantined; the screening time per definition.
//
//   npm run bench:screening              table
//   npm run bench:screening -- --json    the same, as JSON
//   npm run bench:screening -- --verbose also the findings on benign definitions and the missed hostile items
import { parseArgs } from "node:util";
import { loadCorpus, type Screened, scoreCorpus, screenCorpus } from "../test/helpers/integrity-corpus.ts";

const { values: args } = parseArgs({
  options: { json: { type: "boolean", default: false }, verbose: { type: "boolean", default: false } },
});

const { benign, hostile, heldout } = loadCorpus();
const ROUNDS = 5;
let screenedBenign: Screened[] = [];
let screenedHostile: Screened[] = [];
const timesMs: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const start = process.hrtime.bigint();
  screenedBenign = screenCorpus(benign, benign);
  screenedHostile = screenCorpus(benign, hostile);
  timesMs.push(Number(process.hrtime.bigint() - start) / 1e6);
}
const definitions = benign.length + hostile.length;
const medianMs = [...timesMs].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] as number;
const score = scoreCorpus(screenedBenign, screenedHostile);
const perDefinitionUs = (medianMs * 1000) / definitions;
const screenedHeldout = screenCorpus(benign, heldout);
const heldoutScore = {
  items: heldout.length,
  quarantined: screenedHeldout.filter((s) => s.quarantined).length,
  missed: screenedHeldout.filter((s) => !s.quarantined).map((s) => s.item.id),
};

if (args.json) {
  console.log(JSON.stringify({ ...score, heldout: heldoutScore, definitions, perDefinitionUs }, null, 2));
} else {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log("class           items  recall   quarantined  precision");
  for (const c of score.classes) {
    console.log(
      `${c.class.padEnd(15)} ${String(c.items).padStart(5)}  ${pct(c.recall).padStart(6)}   ${pct(c.quarantined / c.items).padStart(10)}  ${pct(c.precision).padStart(9)}`,
    );
  }
  const hostileQuarantined = screenedHostile.filter((s) => s.quarantined).length;
  console.log(`\nhostile quarantined by the default policy: ${hostileQuarantined}/${hostile.length}`);
  const b = score.benign;
  console.log(
    `benign false positives (quarantine-level): ${b.quarantined.length}/${b.items} = ${pct(b.quarantined.length / b.items)}`,
  );
  console.log(`benign flag-only: ${b.flagged.length}/${b.items} = ${pct(b.flagged.length / b.items)}`, b.flaggedRules);
  console.log(
    `held-out instruction wordings (never tuned for) quarantined: ${heldoutScore.quarantined}/${heldoutScore.items}`,
  );
  console.log(
    `screening time: ${perDefinitionUs.toFixed(1)} µs per definition (median of ${ROUNDS} rounds over ${definitions} definitions, context of ${new Set(benign.map((i) => i.server)).size} servers)`,
  );
  if (args.verbose) {
    for (const s of [...screenedBenign, ...screenedHostile]) {
      const missed = score.classes.some((c) => c.missed.includes(s.item.id));
      if ((s.item.class === undefined && s.findings.length > 0) || missed) {
        console.log(`\n${s.item.id}${missed ? ` MISSED (expected ${s.item.expect?.join(", ")})` : ""}`);
        for (const f of s.findings) console.log(`  ${f.rule} ${f.severity} ${f.field}: ${f.message}`);
      }
    }
  }
}

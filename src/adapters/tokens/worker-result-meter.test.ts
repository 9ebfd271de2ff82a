// The worker result meter plans cuts and pages exactly as the in-process meter does, concurrently too, and its
// worker can be closed and started again.
import assert from "node:assert/strict";
import { it } from "node:test";
import { localResultMeter } from "../../services/results/result-meter.ts";
import { loadTokenCounter } from "./tiktoken-counter.ts";
import { createWorkerResultMeter } from "./worker-result-meter.ts";

const METER_ENTRY = new URL("../../app/meter-worker.ts", import.meta.url);

const units = [
  { type: "text", text: "The quick brown fox jumps over the lazy dog. ".repeat(200) },
  { type: "image", data: "aGVsbG8=".repeat(50), mimeType: "image/png" },
  { type: "text", text: "日本語のテキストです。".repeat(300), annotations: { audience: ["user"] } },
];

it("plans in a worker thread what the in-process meter plans", async () => {
  const worker = createWorkerResultMeter({ entry: METER_ENTRY, idleMs: 50 });
  const local = localResultMeter(loadTokenCounter);
  try {
    const [cut, small, page] = await Promise.all([
      worker.planCut(units, 500, "[cut marker]"),
      worker.planCut(units.slice(1, 2), 10_000, "[cut marker]"),
      worker.planPage(units, 0, 1_000, 400, "[page marker]"),
    ]);
    assert.deepEqual(cut, await local.planCut(units, 500, "[cut marker]"));
    assert.equal(cut.fits, false);
    assert.deepEqual(small, { fits: true });
    assert.deepEqual(page, await local.planPage(units, 0, 1_000, 400, "[page marker]"));
    await worker.close();
    // A request after close starts a new worker.
    assert.deepEqual(await worker.planPage(units, 2, 0, 300, "m"), await local.planPage(units, 2, 0, 300, "m"));
  } finally {
    await worker.close();
  }
});

it("the in-process meter tries a failed counter load again instead of failing every later measurement", async () => {
  let loads = 0;
  const local = localResultMeter(() => {
    loads++;
    return loads === 1 ? Promise.reject(new Error("encoding unavailable")) : loadTokenCounter();
  });
  await assert.rejects(local.planCut(units, 500, "[cut marker]"), /encoding unavailable/);
  const plan = await local.planCut(units, 500, "[cut marker]");
  assert.equal(plan.fits, false);
  assert.equal(loads, 2);
});

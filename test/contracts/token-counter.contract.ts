// The TokenBatchCounter contract: every adapter registers these tests through a factory of fresh counters. The
// counts are o200k_base's, so every adapter must count exactly as the encoding does, whatever thread it uses.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TokenBatchCounter } from "../../src/ports/token-counter.ts";
import { waitUntil } from "../helpers/gateway.ts";

export type TokenCounterFactory = () => TokenBatchCounter;

/** Texts and their o200k_base token counts. */
const KNOWN: [string, number][] = [
  ["hello world", 2],
  ["", 0],
  ["搜索关键词", 2],
  ["naïve café 🚀👩‍👩‍👧", 14],
  // Special-token text in tool output is counted as ordinary text, never rejected.
  ["<|endoftext|> is plain text", 10],
  ['{"name":"echo","description":"Echo the message"}', 11],
];

/** Resources that keep a process alive: a counter must not leave any of these behind after counting. */
const holders = () => process.getActiveResourcesInfo().filter((kind) => kind === "MessagePort" || kind === "Worker");

export function tokenCounterContract(name: string, factory: TokenCounterFactory): void {
  describe(`TokenBatchCounter contract: ${name}`, () => {
    test("counts as o200k_base does, the empty string, special-token text and unicode included", async () => {
      const { encoding, counts } = await factory().countAll(KNOWN.map(([text]) => text));
      assert.equal(encoding, "o200k_base");
      assert.deepEqual(
        counts,
        KNOWN.map(([, count]) => count),
      );
    });

    test("keeps the order of the batch: each count is the one its text gets alone", async () => {
      const counter = factory();
      const texts = KNOWN.map(([text]) => text).reverse();
      const batch = await counter.countAll(texts);
      const alone = await Promise.all(texts.map(async (text) => (await counter.countAll([text])).counts[0]));
      assert.deepEqual(batch.counts, alone);
    });

    test("concurrent batches each get their own counts", async () => {
      const counter = factory();
      const batches = [["hello world"], ["搜索关键词", "hello world"], KNOWN.map(([text]) => text)];
      const results = await Promise.all(batches.map((batch) => counter.countAll(batch)));
      assert.deepEqual(
        results.map((result) => result.counts),
        [[2], [2, 2], KNOWN.map(([, count]) => count)],
      );
    });

    test("an empty batch has no counts", async () => {
      assert.deepEqual((await factory().countAll([])).counts, []);
    });

    test("large texts are counted, a long unbroken run in bounded time", async () => {
      const { counts } = await factory().countAll(["word ".repeat(50_000), "a".repeat(100_000)]);
      assert.deepEqual(counts, [50_001, 12_500]);
    });

    test("nothing is left holding the process once the batches are counted", async () => {
      const before = holders().length;
      const counter = factory();
      await Promise.all([counter.countAll(["hello world"]), counter.countAll(["搜索关键词"])]);
      await waitUntil(() => holders().length <= before, 5_000);
    });
  });
}

// The worker token counter counts exactly as the in-process o200k counter, for concurrent batches too.
import assert from "node:assert/strict";
import { it } from "node:test";
import { loadTokenCounter } from "./tiktoken-counter.ts";
import { createWorkerTokenCounter } from "./worker-token-counter.ts";

it("counts in a worker thread what the in-process counter counts", async () => {
  const texts = ['{"name":"echo","description":"Echo the message"}', "搜索关键词", "<|endoftext|> is plain text", ""];
  const worker = createWorkerTokenCounter();
  const [first, second] = await Promise.all([worker.countAll(texts), worker.countAll(texts.slice(0, 2))]);
  const local = await loadTokenCounter();
  assert.deepEqual(first, { encoding: "o200k_base", counts: texts.map((text) => local.count(text)) });
  assert.deepEqual(second.counts, first.counts.slice(0, 2));
  // The worker ended after its batches; a later batch starts a new one.
  assert.deepEqual((await worker.countAll(["hello world"])).counts, [local.count("hello world")]);
  assert.deepEqual(await worker.countAll([]), { encoding: "", counts: [] });
});

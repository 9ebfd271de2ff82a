// Token accounting at unit level, with a counter that counts characters and remembers what it was asked:
// sums, pinned tools, the reduction, budgets, and that counts are cached until the tools change.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventBus } from "../../core/events.ts";
import type { TokenCounter } from "../../ports/token-counter.ts";
import type { AggregateList } from "../catalog/catalog.ts";
import {
  createTokenAccounting,
  inProcessBatchCounter,
  MAX_COUNTED_CHARS_PER_REPORT,
  MAX_COUNTED_CHARS_PER_TEXT,
} from "./token-accounting.ts";

function list(tools: { server: string; name: string; description: string }[]): AggregateList {
  const items = tools.map((t) => ({ name: `${t.server}__${t.name}`, description: t.description }));
  return {
    items,
    routes: new Map(tools.map((t) => [`${t.server}__${t.name}`, { server: t.server, name: t.name }])),
    json: JSON.stringify({ tools: items }),
  };
}

function countingCounter() {
  const asked: string[] = [];
  const counter: TokenCounter = {
    encoding: "chars",
    count(text) {
      asked.push(text);
      return text.length;
    },
    prefixLength: (text) => text.length,
  };
  return { counter, asked };
}

const meta = [{ name: "search_tools", description: "Find tools" }];
const len = (item: unknown) => JSON.stringify(item).length;

describe("token accounting", () => {
  it("sums per server, counts pinned tools once and reports the reduction", async () => {
    const tools = list([
      { server: "a", name: "one", description: "first tool" },
      { server: "a", name: "two", description: "second tool" },
      { server: "b", name: "three", description: "a tool of b with a longer description" },
    ]);
    const { counter } = countingCounter();
    const accounting = createTokenAccounting({
      tools: () => tools,
      counter: inProcessBatchCounter(async () => counter),
      metaTools: meta,
      pinned: ["b__three", "b__three", "missing__tool"],
    });
    const report = await accounting.report();
    const [one, two, three] = tools.items.map(len) as [number, number, number];
    assert.deepEqual(report.full, { total: one + two + three, tools: 3, servers: { a: one + two, b: three } });
    assert.deepEqual(report.progressive, { total: len(meta[0]) + three, metaTools: len(meta[0]), pinned: three });
    const expected = Math.round((1 - (len(meta[0]) + three) / (one + two + three)) * 10_000) / 100;
    assert.equal(report.reductionPercent, expected);
    assert.equal(report.estimate, true);
    assert.equal(report.encoding, "chars");
    assert.equal(report.budgets, null);
  });

  it("counts once per catalog state and recounts only tools that changed", async () => {
    let tools = list([
      { server: "a", name: "one", description: "first" },
      { server: "a", name: "two", description: "second" },
    ]);
    const { counter, asked } = countingCounter();
    const accounting = createTokenAccounting({
      tools: () => tools,
      counter: inProcessBatchCounter(async () => counter),
      metaTools: meta,
      pinned: [],
    });
    const [first, concurrent] = await Promise.all([accounting.report(), accounting.report()]);
    assert.deepEqual(first, concurrent);
    assert.equal(asked.length, 3); // two tools and the meta-tool, counted once for both reports
    await accounting.report();
    tools = list([
      { server: "a", name: "one", description: "first" },
      { server: "a", name: "two", description: "second" },
    ]);
    await accounting.report(); // a rebuilt list with the same tools
    assert.equal(asked.length, 3);
    tools = list([
      { server: "a", name: "one", description: "first" },
      { server: "a", name: "two", description: "changed" },
    ]);
    const changed = await accounting.report();
    assert.equal(asked.length, 4);
    assert.equal(asked.at(-1), JSON.stringify(tools.items[1]));
    assert.equal(changed.full.total, len(tools.items[0]) + len(tools.items[1]));
  });

  it("counts the results cut since it started, until closed; reports no reduction without tools", async () => {
    const events = new EventBus();
    const cut = (totalTokens: number, shownTokens: number) =>
      events.emit("result-cut", { server: "s", tool: "t", totalTokens, shownTokens });
    cut(5_000, 100);
    const accounting = createTokenAccounting({
      tools: () => list([]),
      counter: inProcessBatchCounter(async () => countingCounter().counter),
      metaTools: meta,
      pinned: [],
      events,
    });
    assert.deepEqual((await accounting.report()).budgets, { cutResults: 0, tokensSaved: 0 });
    cut(1_000, 100);
    assert.deepEqual((await accounting.report()).budgets, { cutResults: 1, tokensSaved: 900 });
    cut(700, 100);
    const report = await accounting.report();
    assert.deepEqual(report.budgets, { cutResults: 2, tokensSaved: 1_500 });
    accounting.close();
    cut(700, 100);
    assert.deepEqual((await accounting.report()).budgets, { cutResults: 2, tokensSaved: 1_500 });
    assert.equal(report.reductionPercent, 0);
    assert.deepEqual(report.full, { total: 0, tools: 0, servers: {} });
  });

  it("stops waiting when the signal aborts", async () => {
    const accounting = createTokenAccounting({
      tools: () => list([{ server: "a", name: "one", description: "first" }]),
      counter: inProcessBatchCounter(() => new Promise<TokenCounter>(() => {})),
      metaTools: meta,
      pinned: [],
    });
    const controller = new AbortController();
    const pending = accounting.report(controller.signal);
    controller.abort(new Error("gone"));
    await assert.rejects(pending, /gone/);
  });

  it("counts at most a bounded prefix of each text and of the whole report, and scales the rest", async () => {
    const huge = "x".repeat(MAX_COUNTED_CHARS_PER_TEXT * 4);
    const tools = list(
      Array.from({ length: 40 }, (_, i) => ({ server: i < 20 ? "a" : "b", name: `t${i}`, description: huge })),
    );
    const { counter, asked } = countingCounter();
    const accounting = createTokenAccounting({
      tools: () => tools,
      counter: inProcessBatchCounter(async () => counter),
      metaTools: meta,
      pinned: [],
    });
    const report = await accounting.report();
    assert.ok(asked.every((text) => text.length <= MAX_COUNTED_CHARS_PER_TEXT));
    assert.ok(asked.reduce((n, text) => n + text.length, 0) <= MAX_COUNTED_CHARS_PER_REPORT);
    // A character counter scales back to the whole length, estimated or not.
    const whole = tools.items.map(len).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(report.full.total - whole) <= tools.items.length, `${report.full.total} vs ${whole}`);
    assert.ok((report.full.servers.b ?? 0) > 0);
  });
});

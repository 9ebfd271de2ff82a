// Output budgets on the memory ResultStore with the real o200k tokenizer: the fast path, cutting at clean
// boundaries, exact recovery by paging (CJK, emoji, space-free lines, several items, structuredContent),
// budget resolution, projection, read errors and the cuts announced.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMemoryResultStore } from "../../adapters/storage/memory-result-store.ts";
import { loadTokenCounter } from "../../adapters/tokens/tiktoken-counter.ts";
import { EventBus, type ResultCut } from "../../core/events.ts";
import type { BudgetSettings } from "../../core/gateway-config.ts";
import type { ResultStore } from "../../ports/result-store.ts";
import type { BudgetSpec } from "./budget-resolution.ts";
import { TRUNCATED_META_KEY, type TruncatedMeta } from "./markers.ts";
import type { ContentItem } from "./remainder.ts";
import { ResultBudgets } from "./result-budgets.ts";
import { localResultMeter } from "./result-meter.ts";

type Result = Record<string, unknown>;

function budgets(
  settings: Partial<BudgetSettings> = {},
  specs: Record<string, BudgetSpec> = {},
  store: ResultStore = createMemoryResultStore(),
) {
  const loads = { count: 0 };
  const events = new EventBus();
  const cuts: ResultCut[] = [];
  events.on("result-cut", (cut) => cuts.push(cut));
  const instance = new ResultBudgets({
    store,
    meter: localResultMeter(() => {
      loads.count++;
      return loadTokenCounter();
    }),
    settings: { maxResultTokens: 300, pageTokens: 0, resultTtlMs: 60_000, ...settings },
    specs: (server) => specs[server],
    events,
  });
  return { budgets: instance, loads, cuts };
}

const text = (t: string): ContentItem => ({ type: "text", text: t });
const metaOf = (result: Result) => (result._meta as Record<string, TruncatedMeta> | undefined)?.[TRUNCATED_META_KEY];
const contentOf = (result: Result) => result.content as ContentItem[];

/** The shown items and every page after them (markers left out), and the pages' results. */
async function readAll(instance: ResultBudgets, reply: Result) {
  const items = contentOf(reply).slice(0, -1);
  const pages: Result[] = [];
  let meta = metaOf(reply);
  while (meta?.handle !== undefined && meta.offset !== undefined) {
    const page = await instance.read(meta.handle, meta.offset);
    assert.notEqual(page.isError, true, JSON.stringify(page));
    pages.push(page);
    meta = metaOf(page);
    items.push(...(meta ? contentOf(page).slice(0, -1) : contentOf(page)));
    assert.ok(pages.length < 1_000, "paging ends");
  }
  return { items, pages };
}

/** Adjacent text items joined, other items as they are: what a reader reassembles. */
function joined(items: readonly ContentItem[]): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    const last = out.at(-1);
    if (item.type === "text" && typeof last === "string") out[out.length - 1] = last + String(item.text);
    else out.push(item.type === "text" ? String(item.text) : item);
  }
  return out;
}

/** Deterministic prose: sentences, lines and paragraphs, with Japanese, emoji and accents. */
function prose(paragraphs: number): string {
  const parts: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    const lines: string[] = [];
    for (let l = 0; l < 4; l++) {
      lines.push(
        `Paragraph ${p}, line ${l}: the gateway cuts résumé text 😀👍🏽 at clean boundaries. 日本語の文も含まれています。これは${p}番目です。`,
      );
    }
    parts.push(lines.join("\n"));
  }
  return parts.join("\n\n");
}

describe("result budgets", () => {
  it("returns a small result as the same object without loading the tokenizer", async () => {
    const { budgets: b, loads } = budgets({ maxResultTokens: 25_000 });
    const result = { content: [text("hello")] };
    assert.equal(await b.apply("any", "tool", result), result);
    const noBudget = budgets({ maxResultTokens: 0 });
    const big = { content: [text("x".repeat(1_000_000))] };
    assert.equal(await noBudget.budgets.apply("any", "tool", big), big);
    assert.equal(loads.count + noBudget.loads.count, 0);
  });

  it("judges from a serialization alone whether a result passes unchanged", () => {
    const specs: Record<string, BudgetSpec> = { s: { maxResultTokens: undefined, tools: { p: { fields: ["a"] } } } };
    const { budgets: b, loads } = budgets({ maxResultTokens: 3_000 }, specs);
    assert.equal(b.passesUnchanged("s", "t", JSON.stringify({ content: [text("x".repeat(900))] })), true);
    assert.equal(b.passesUnchanged("s", "t", JSON.stringify({ content: [text("x".repeat(3_000))] })), false);
    assert.equal(b.passesUnchanged("s", "t", "{}", ["a"]), false, "the caller's projection");
    assert.equal(b.passesUnchanged("s", "p", "{}"), false, "the tool's projection");
    const open = budgets({ maxResultTokens: 0 });
    assert.equal(open.budgets.passesUnchanged("s", "t", "x".repeat(100_000)), true);
    assert.equal(loads.count, 0);
  });

  it("counts a result over the byte bound but under the budget, and returns it unchanged", async () => {
    const { budgets: b, loads, cuts } = budgets({ maxResultTokens: 2_000 });
    const result = { content: [text("word ".repeat(800))], structuredContent: { ok: true } };
    assert.equal(await b.apply("any", "tool", result), result);
    assert.equal(loads.count, 1);
    assert.deepEqual(cuts, []);
  });

  it("reads the byte bound from a serialization it is given instead of serializing the result again", async () => {
    const { budgets: b } = budgets({ maxResultTokens: 2_000 });
    let serializations = 0;
    const result = { content: [text("word ".repeat(800))] };
    Object.defineProperty(result, "toJSON", {
      value: () => {
        serializations++;
        return { content: result.content };
      },
    });
    const response = JSON.stringify({ jsonrpc: "2.0", id: 1, result });
    assert.equal(serializations, 1);
    assert.equal(await b.apply("any", "tool", result, { serialized: response }), result);
    assert.equal(serializations, 1, "not serialized again");
    assert.equal(await b.apply("any", "tool", result), result);
    assert.equal(serializations, 2, "serialized when no serialization is given");
  });

  it("cuts prose at a clean boundary and pages it back exactly (CJK, emoji)", async () => {
    const { budgets: b, cuts } = budgets({ maxResultTokens: 300 });
    const original = prose(20);
    const reply = await b.apply("docs", "read", { content: [text(original)] });
    const shown = contentOf(reply);
    assert.equal(shown.length, 2, "the shown text and a separate marker");
    const head = String(shown[0]?.text);
    assert.ok(original.startsWith(head) && head.length < original.length);
    assert.ok(
      head.endsWith("\n\n") || head.endsWith("\n"),
      `cut at a paragraph or line: ${JSON.stringify(head.slice(-20))}`,
    );
    const meta = metaOf(reply) as TruncatedMeta;
    assert.match(meta.handle ?? "", /^[A-Za-z0-9_-]{22}$/);
    assert.equal(meta.offset, 0);
    assert.ok(meta.shownTokens <= 300 && meta.totalTokens > 300);
    assert.match(String(shown[1]?.text), /^\[Result cut to fit the output budget: about \d+ of \d+ tokens shown/);
    assert.ok(String(shown[1]?.text).includes(`read_result {"handle":"${meta.handle}","offset":0}`));
    const { items, pages } = await readAll(b, reply);
    assert.deepEqual(joined(items), [original]);
    assert.ok(pages.length >= 3);
    const counter = await loadTokenCounter();
    for (const page of pages) {
      const pageMeta = metaOf(page);
      if (pageMeta) assert.ok(pageMeta.shownTokens <= 300);
      assert.ok(
        counter.count(
          contentOf(page)
            .map((item) => String(item.text))
            .join(""),
        ) <=
          300 + 10,
      );
    }
    assert.deepEqual(cuts, [
      { server: "docs", tool: "read", totalTokens: meta.totalTokens, shownTokens: meta.shownTokens },
    ]);
  });

  it("hard-cuts lines without spaces (emoji included) and still recovers them exactly", async () => {
    const { budgets: b } = budgets({ maxResultTokens: 200, pageTokens: 150 });
    const blob = `${"x".repeat(20_000)}${"🙂".repeat(500)}${"ab3=".repeat(2_000)}`;
    const reply = await b.apply("s", "t", { content: [text(blob)] });
    const { items, pages } = await readAll(b, reply);
    assert.deepEqual(joined(items), [blob]);
    for (const item of items) {
      const value = String(item.text);
      assert.ok(!/^[\uDC00-\uDFFF]/.test(value) && !/[\uD800-\uDBFF]$/.test(value), "no split surrogate pair");
    }
    assert.ok(pages.length > 10);
  });

  it("keeps several items in order: the image after the cut goes to the rest, whole", async () => {
    const { budgets: b } = budgets({ maxResultTokens: 250 });
    const image = { type: "image", data: Buffer.from("a small picture").toString("base64"), mimeType: "image/png" };
    const first = text("Short intro.");
    const second = { type: "text", text: prose(6), annotations: { priority: 1 } };
    const third = text("The end.");
    const reply = await b.apply("s", "t", { content: [first, second, image, third] });
    const shown = contentOf(reply);
    assert.deepEqual(shown[0], first, "an item that fits is kept as is");
    assert.deepEqual((shown[1] as ContentItem).annotations, { priority: 1 }, "a cut item keeps its fields");
    const { items } = await readAll(b, reply);
    assert.deepEqual(joined(items), [`Short intro.${prose(6)}`, image, "The end."]);
  });

  it("drops structuredContent from a cut reply and pages its JSON once when a text item is that JSON", async () => {
    const { budgets: b } = budgets({ maxResultTokens: 200 });
    const rows = Array.from({ length: 60 }, (_, i) => ({ id: i, title: `row ${i} — 行${i}` }));
    // Formatted differently from the structured value's own JSON: still the same value.
    const result = { content: [text(JSON.stringify({ rows }, null, 2))], structuredContent: { rows }, isError: false };
    const reply = await b.apply("s", "t", result);
    assert.equal(reply.structuredContent, undefined);
    assert.equal(reply.isError, false);
    const { items } = await readAll(b, reply);
    assert.deepEqual(joined(items), [JSON.stringify({ rows }, null, 2)]);
  });

  it("pages a file's text once when structuredContent repeats it ({content: text}, as server-filesystem does)", async () => {
    const { budgets: b } = budgets({ maxResultTokens: 2_000 });
    const file = prose(400);
    const result = { content: [text(file)], structuredContent: { content: file } };
    const reply = await b.apply("files", "read_text_file", result);
    const total = metaOf(reply)?.totalTokens ?? 0;
    const { items, pages } = await readAll(b, reply);
    assert.deepEqual(joined(items), [file], "every character once");
    // Pages hold up to 2,000 tokens less the marker, cut back at most half a page: far fewer than twice the file.
    assert.ok(pages.length + 1 <= Math.ceil(total / 1_000), `${pages.length} pages for ${total} tokens`);
    assert.ok(total < new TextEncoder().encode(file).length / 2, `the file counted once: ${total} tokens`);
  });

  it("pages structuredContent's JSON after the content when the content does not hold it", async () => {
    const { budgets: b } = budgets({ maxResultTokens: 200 });
    const rows = Array.from({ length: 60 }, (_, i) => ({ id: i, title: `row ${i} — 行${i}` }));
    const summary = `Found ${rows.length} rows. ${"The rows follow in structured form. ".repeat(30)}`;
    const reply = await b.apply("s", "t", { content: [text(summary)], structuredContent: { rows } });
    assert.equal(reply.structuredContent, undefined);
    const { items } = await readAll(b, reply);
    assert.deepEqual(joined(items), [summary + JSON.stringify({ rows })]);
  });

  it("passes a result whole when its content fits and structuredContent only repeats it", async () => {
    const { budgets: b, cuts } = budgets({ maxResultTokens: 2_000 });
    const body = "word ".repeat(1_200); // about 1,200 tokens; 2,400 if the repeat were counted
    const result = { content: [text(body)], structuredContent: { content: body } };
    assert.equal(await b.apply("files", "read_text_file", result), result);
    assert.deepEqual(cuts, []);
  });

  it("a page is never empty, even when one item is larger than a page", async () => {
    const { budgets: b } = budgets({ maxResultTokens: 60, pageTokens: 1 });
    const image = { type: "image", data: "A".repeat(4_000), mimeType: "image/png" };
    const reply = await b.apply("s", "t", {
      content: [text("one two three four five six seven eight nine ten."), image, text("後")],
    });
    const { items } = await readAll(b, reply);
    assert.deepEqual(joined(items), ["one two three four five six seven eight nine ten.", image, "後"]);
  });

  it("resolves budgets: tool over server over gateway; 0 disables", async () => {
    const specs: Record<string, BudgetSpec> = {
      tight: { maxResultTokens: 50, tools: { roomy: { maxResultTokens: 5_000 }, free: { maxResultTokens: 0 } } },
    };
    const { budgets: b } = budgets({ maxResultTokens: 2_000 }, specs);
    const result = { content: [text(prose(3))] };
    assert.ok(metaOf(await b.apply("tight", "other", result)), "the server's 50 cuts");
    assert.equal(await b.apply("tight", "roomy", result), result, "the tool's 5000 does not");
    assert.equal(await b.apply("tight", "free", { content: [text(prose(400))] }).then((r) => metaOf(r)), undefined);
    assert.equal(await b.apply("elsewhere", "any", result), result, "the gateway's 2000 does not");
  });

  it("projects with the tool's fields, or the caller's instead, before the budget", async () => {
    const specs: Record<string, BudgetSpec> = {
      gh: { maxResultTokens: undefined, tools: { list: { fields: ["items.id"] } } },
    };
    const { budgets: b, loads } = budgets({ maxResultTokens: 25_000 }, specs);
    const data = { items: [{ id: 1, name: "a", body: "long" }], next: "cursor" };
    const result = { content: [text(JSON.stringify(data))], structuredContent: data };
    const configured = await b.apply("gh", "list", result);
    assert.deepEqual(configured.structuredContent, { items: [{ id: 1 }] });
    assert.equal(contentOf(configured)[0]?.text, '{"items":[{"id":1}]}');
    const asked = await b.apply("gh", "list", result, { fields: ["next", "items.name"] });
    assert.deepEqual(asked.structuredContent, { next: "cursor", items: [{ name: "a" }] });
    const other = await b.apply("gh", "search", result, { fields: ["missing"] });
    assert.deepEqual(other.structuredContent, {});
    assert.equal(loads.count, 0, "small projected results skip counting too");
  });

  it("answers bad reads with a tool error, never a throw", async () => {
    const { budgets: b } = budgets({ maxResultTokens: 100 });
    const reply = await b.apply("s", "t", { content: [text(prose(4))] });
    const handle = metaOf(reply)?.handle as string;
    const cases: [unknown, unknown, RegExp][] = [
      [undefined, 0, /needs `handle`/],
      [
        "no-such-handle",
        0,
        /No result is kept under handle "no-such-handle": it expired \(cut results are kept 1 min\)/,
      ],
      [handle, -1, /whole number/],
      [handle, 1.5, /whole number/],
      [handle, "3", /whole number/],
      [handle, 10_000_000, /past the end of this result/],
    ];
    for (const [h, offset, message] of cases) {
      const result = await b.read(h, offset);
      assert.equal(result.isError, true);
      assert.match(String(contentOf(result)[0]?.text), message);
    }
    assert.equal((await b.read(handle)).isError, undefined, "offset defaults to 0");
    const elsewhere = await b.read(handle, 0, { server: "other" });
    assert.match(String(contentOf(elsewhere)[0]?.text), /No result is kept/, "another server's endpoint");
  });

  it("still cuts when the rest cannot be stored, and says so", async () => {
    const failing: ResultStore = {
      ...createMemoryResultStore(),
      put: () => Promise.reject(new Error("store down")),
    };
    const { budgets: b } = budgets({ maxResultTokens: 100 }, {}, failing);
    const reply = await b.apply("s", "t", { content: [text(prose(4))] });
    assert.match(String(contentOf(reply).at(-1)?.text), /could not be kept for reading/);
    assert.equal(metaOf(reply)?.handle, undefined);
  });

  it("pages the rest only for the principal whose call was cut; others get the unknown-handle answer", async () => {
    const { budgets: b } = budgets();
    const reply = await b.apply("s", "t", { content: [text(prose(4))] }, { owner: "alice" });
    const handle = metaOf(reply)?.handle as string;
    assert.ok(handle, "cut");
    assert.notEqual((await b.read(handle, 0, { owner: "alice" })).isError, true);
    const stolen = await b.read(handle, 0, { owner: "bob" });
    const unknown = await b.read("no-such-handle", 0, { owner: "bob" });
    assert.equal(stolen.isError, true);
    assert.equal(
      String(contentOf(stolen)[0]?.text).replace(handle, "<h>"),
      String(contentOf(unknown)[0]?.text).replace("no-such-handle", "<h>"),
    );
  });
});

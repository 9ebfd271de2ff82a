// The o200k counter counts ordinary text exactly and unbroken runs (a crafted description of one letter repeated,
// a long unpunctuated CJK line) in bounded pieces: such a run is counted in pieces, not stuck on.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tiktoken } from "js-tiktoken/lite";
import o200k from "js-tiktoken/ranks/o200k_base";
import { loadTokenCounter } from "./tiktoken-counter.ts";

describe("tiktoken counter", () => {
  it("counts ordinary text exactly", async () => {
    const counter = await loadTokenCounter();
    assert.equal(counter.count(""), 0);
    assert.equal(counter.count("hello world"), 2);
    const encoder = new Tiktoken(o200k);
    const json = JSON.stringify({ name: "search", description: "Search the web for a query. 検索します。".repeat(50) });
    assert.equal(counter.count(json), encoder.encode(json, [], []).length);
  });

  it("counts a 65,536-character run of one letter, one symbol and one CJK character", async () => {
    const counter = await loadTokenCounter();
    for (const unit of ["a", "!", "日", " "]) {
      const text = `start ${unit.repeat(1 << 16)} end`;
      const tokens = counter.count(text);
      assert.ok(tokens > 0 && tokens <= text.length, `${JSON.stringify(unit)}: ${tokens} tokens`);
    }
  });

  it("finds a prefix within a token bound inside a long run", async () => {
    const counter = await loadTokenCounter();
    const text = `intro ${"x".repeat(200_000)} and ${"語".repeat(100_000)}`;
    for (const max of [1, 50, 5_000, 40_000]) {
      const length = counter.prefixLength(text, max);
      assert.ok(length > 0 && length < text.length);
      assert.ok(counter.count(text.slice(0, length)) <= max, `bound ${max}`);
    }
    assert.equal(counter.prefixLength("short text", 100), "short text".length);
  });
});

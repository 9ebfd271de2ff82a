// The text meter against the real o200k tokenizer: counts close to counting whole, fits that hold their budget,
// and long single-class runs measured in small pieces.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadTokenCounter } from "../../adapters/tokens/tiktoken-counter.ts";
import { TextMeter } from "./text-meter.ts";

const sample =
  'The quick brown fox — naïve café 😀👍🏽 — jumps.\n日本語のテキストです。{"id": 12345, "ok": true}\n'.repeat(50);

describe("text meter", () => {
  it("counts within a few percent of the whole-text count", async () => {
    const counter = await loadTokenCounter();
    const meter = new TextMeter(counter);
    const whole = counter.count(sample);
    const pieced = meter.count(sample);
    assert.ok(Math.abs(pieced - whole) <= whole * 0.03, `${pieced} vs ${whole}`);
    assert.equal(meter.estimate(sample), pieced, "short texts are counted, not sampled");
  });

  it("fits a prefix within the allowance and reports its cost at any earlier position", async () => {
    const counter = await loadTokenCounter();
    const meter = new TextMeter(counter);
    const fit = meter.fit(sample, 10, sample.length, 100);
    assert.ok(fit.end > 10 && fit.end < sample.length);
    assert.ok(fit.tokens <= 100);
    assert.equal(fit.tokensTo(fit.end), fit.tokens);
    assert.equal(fit.tokensTo(10), 0);
    const middle = Math.floor((10 + fit.end) / 2);
    assert.equal(fit.tokensTo(middle), meter.count(sample, 10, middle));
    assert.equal(meter.fit(sample, 0, 40, 10_000).end, 40, "everything fits");
  });

  it("measures a long run of one character in pieces, never splitting a surrogate pair", async () => {
    const meter = new TextMeter(await loadTokenCounter());
    const run = "x".repeat(200_000);
    assert.ok(meter.count(run) > 0);
    const emoji = "😀".repeat(10_000);
    const fit = meter.fit(emoji, 0, emoji.length, 333);
    assert.equal(fit.end % 2, 0);
    const estimate = meter.estimate(emoji);
    assert.ok(estimate > 0 && estimate <= Buffer.byteLength(emoji));
  });
});

// Control characters never reach a terminal; ordinary text, tabs and non-ASCII letters pass unchanged.
import assert from "node:assert/strict";
import { it } from "node:test";
import { printable } from "./printable.ts";

it("replaces control characters and keeps the rest", () => {
  assert.equal(printable("plain\ttext, 日本語 ✓"), "plain\ttext, 日本語 ✓");
  assert.equal(printable("\u001b[2J\u001b]0;owned\u0007x"), "\uFFFD[2J\uFFFD]0;owned\uFFFDx");
  assert.equal(printable("a\rb\nc\u009bd\u007f"), "a\uFFFDb\uFFFDc\uFFFDd\uFFFD");
});

// Control characters never reach a terminal; ordinary text, tabs and non-ASCII letters pass unchanged.
import assert from "node:assert/strict";
import { it } from "node:test";
import { printable, terminalSafe } from "./printable.ts";

it("replaces control characters and keeps the rest", () => {
  assert.equal(printable("plain\ttext, 日本語 ✓"), "plain\ttext, 日本語 ✓");
  assert.equal(printable("\u001b[2J\u001b]0;owned\u0007x"), "\uFFFD[2J\uFFFD]0;owned\uFFFDx");
  assert.equal(printable("a\rb\nc\u009bd\u007f"), "a\uFFFDb\uFFFDc\uFFFDd\uFFFD");
});

it("terminalSafe removes escape sequences whole and keeps lines, tabs and JSON meaning", () => {
  assert.equal(terminalSafe("a\u001b[31;1mred\u001b[0m\tb\nc"), "ared\tb\nc");
  assert.equal(terminalSafe("\u001b]0;owned\u0007t\u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\"), "tlink");
  assert.equal(terminalSafe("\u001bPq#0\u001b\\x\u001bcy\u001b7z"), "xyz");
  assert.equal(terminalSafe("a\rb\u0008c"), "a\uFFFDb\uFFFDc");
  assert.equal(terminalSafe("x\u009b31my\u007f"), "x\\u009b31my\\u007f");
  const value = { name: "e\u001b[2Jvil\u009b2J\u007f\r" };
  const safe = terminalSafe(JSON.stringify(value));
  assert.deepEqual(JSON.parse(safe), value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point of the check.
  assert.doesNotMatch(safe, /[\u0000-\u001f\u007f-\u009f]/);
});

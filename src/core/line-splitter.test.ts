// The line splitter: lines across chunks, CRLF, and a runaway line that is reported once and skipped to its
// newline without being held in memory.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLineSplitter, type OverlongLine } from "./line-splitter.ts";

function splitter(maxLineBytes: number) {
  const lines: string[] = [];
  const overlong: OverlongLine[] = [];
  const push = createLineSplitter(
    (line) => lines.push(line),
    maxLineBytes,
    (line) => overlong.push(line),
  );
  return { lines, overlong, push: (text: string) => push(Buffer.from(text)) };
}

describe("line splitter", () => {
  test("joins lines split across chunks and drops CR and empty lines", () => {
    const s = splitter(1024);
    s.push('{"a":');
    s.push('1}\r\n\n{"b"');
    s.push(":2}\n");
    assert.deepEqual(s.lines, ['{"a":1}', '{"b":2}']);
  });

  test("a line over the bound is reported once with its head, and its tail never surfaces as a line", () => {
    const s = splitter(100);
    s.push(`{"id":1,"result":"${"z".repeat(80)}`);
    s.push("z".repeat(500));
    s.push("z".repeat(500));
    assert.equal(s.overlong.length, 1);
    assert.ok(s.overlong[0]?.head.startsWith('{"id":1'));
    assert.ok((s.overlong[0]?.bytes ?? 0) > 100);
    s.push('zzz"}\n{"next":true}\n');
    assert.deepEqual(s.lines, ['{"next":true}']);
    assert.equal(s.overlong.length, 1);
  });

  test("a line over the bound inside one chunk is dropped as well", () => {
    const s = splitter(100);
    s.push(`short\n${"x".repeat(300)}\nafter\n`);
    assert.deepEqual(s.lines, ["short", "after"]);
    assert.equal(s.overlong.length, 1);
    assert.equal(s.overlong[0]?.bytes, 300);
  });
});

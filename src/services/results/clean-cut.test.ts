// Clean cut boundaries: paragraph, line, sentence, whitespace, else the hard limit; never past the limit.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cleanCut } from "./clean-cut.ts";

describe("clean cut", () => {
  const limitOf = (text: string, marker: string) => text.lastIndexOf(marker);

  it("prefers a paragraph break, then a line break, then a sentence end, then a space", () => {
    // Padding without boundaries keeps every candidate inside the search window.
    const pad = "p".repeat(60);
    const paragraphs = `${pad}. Some words\n\nNext part. More\nwords`;
    assert.equal(cleanCut(paragraphs, 0, limitOf(paragraphs, "words")), paragraphs.indexOf("Next"));
    const lines = `${pad} A sentence. A line\nsecond line goes on here`;
    assert.equal(cleanCut(lines, 0, limitOf(lines, "here")), lines.indexOf("second"));
    const sentences = `${pad} A sentence ends here. Another one starts and runs`;
    assert.equal(cleanCut(sentences, 0, limitOf(sentences, "runs")), sentences.indexOf("Another"));
    const words = `${pad} words without any stop at all in this text`;
    assert.equal(cleanCut(words, 0, limitOf(words, "text")), words.indexOf("text"));
  });

  it("cuts after a full-width stop and hard at the limit when there is no boundary", () => {
    const japanese = "日本語の文です。次の文が続きます";
    assert.equal(cleanCut(japanese, 0, japanese.length - 2), japanese.indexOf("次"));
    const blob = "x".repeat(500);
    assert.equal(cleanCut(blob, 0, 300), 300);
  });

  it("searches back at most half of what fits, and only after `from`", () => {
    const text = `${"a ".repeat(10)}${"b".repeat(100)}`;
    assert.equal(cleanCut(text, 0, 110), 110, "the only space is more than half back");
    assert.equal(cleanCut("ab cd ef", 3, 7), 6);
    assert.equal(cleanCut("ab cd", 4, 5), 5, "nothing after from: the limit");
  });

  it("returns the limit when the rest fits", () => {
    assert.equal(cleanCut("short", 0, 5), 5);
  });
});

// When a result's content already holds its structuredContent (so a cut result pages it once), and when not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ContentItem } from "./remainder.ts";
import { carriesStructured } from "./structured.ts";

const text = (t: string): ContentItem => ({ type: "text", text: t });

describe("carriesStructured", () => {
  it("a text item holding the value's JSON, in any formatting", () => {
    const value = { rows: [{ id: 1, name: "a" }], next: null };
    assert.equal(carriesStructured([text(JSON.stringify(value, null, 2))], value), true);
    assert.equal(carriesStructured([text("intro"), text(JSON.stringify(value))], value), true);
    const other = { rows: [{ id: 1, name: "another name" }], next: null };
    assert.equal(carriesStructured([text(JSON.stringify(value))], other), false, "a value not in the text");
    assert.equal(carriesStructured([text(JSON.stringify([1, 2]))], [1, 2]), true, "any JSON value (2026-07-28)");
  });

  it("text items that contain every value it holds (server-filesystem's {content: <the text>})", () => {
    const file = "line one\nline two\n";
    assert.equal(carriesStructured([text(file)], { content: file }), true);
    assert.equal(carriesStructured([text(`size 42: ${file}`)], { content: file, size: 42 }), true);
    assert.equal(carriesStructured([text(file)], file), true, "a string value");
  });

  it("not when a value is missing from the text, or there is no text, or too many values to compare", () => {
    const rows = Array.from({ length: 3 }, (_, id) => ({ id, title: `row ${id}` }));
    assert.equal(carriesStructured([text("Found 3 rows.")], { rows }), false);
    assert.equal(carriesStructured([text("the text")], { content: "the text", truncated: false }), false);
    assert.equal(carriesStructured([{ type: "image", data: "aGk=", mimeType: "image/png" }], { content: "" }), false);
    const many = Array.from({ length: 500 }, (_, i) => i);
    assert.equal(carriesStructured([text(many.join(" "))], { many }), false, "compared as JSON only");
    assert.equal(carriesStructured([text(JSON.stringify({ many }))], { many }), true);
  });
});

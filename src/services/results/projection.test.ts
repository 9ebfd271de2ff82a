// Projection of JSON results: dotted paths, arrays traversed, unknown paths dropped, JSON text re-serialized.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldTree, project, projectResult } from "./projection.ts";

const issues = {
  total: 2,
  items: [
    { id: 1, name: "first", owner: { login: "ada", id: 7 }, labels: [{ name: "bug", color: "red" }] },
    { id: 2, name: "second", owner: { login: "bob", id: 8 }, labels: [] },
  ],
};

describe("projection", () => {
  it("keeps dotted paths and traverses arrays", () => {
    const kept = project(issues, fieldTree(["total", "items.name", "items.owner.login", "items.labels.name"]));
    assert.deepEqual(kept, {
      total: 2,
      items: [
        { name: "first", owner: { login: "ada" }, labels: [{ name: "bug" }] },
        { name: "second", owner: { login: "bob" }, labels: [] },
      ],
    });
  });

  it("drops unknown paths and paths through plain values", () => {
    assert.deepEqual(project(issues, fieldTree(["missing", "total.value", "items.nope"])), { items: [{}, {}] });
    assert.deepEqual(project([1, "two", { a: 1 }], fieldTree(["a"])), [{ a: 1 }]);
  });

  it("a shorter path keeps the whole value whichever order the paths come in", () => {
    const whole = { items: issues.items };
    assert.deepEqual(project(issues, fieldTree(["items.name", "items"])), whole);
    assert.deepEqual(project(issues, fieldTree(["items", "items.name"])), whole);
  });

  it("projects structuredContent and JSON text items, leaves other text alone", () => {
    const result = {
      content: [
        { type: "text", text: JSON.stringify(issues, null, 2), annotations: { audience: ["user"] } },
        { type: "text", text: "plain words, not JSON" },
        { type: "text", text: "[{not json" },
        { type: "image", data: "aGk=", mimeType: "image/png" },
      ],
      structuredContent: issues,
      isError: false,
    };
    const projected = projectResult(result, fieldTree(["items.id"]));
    assert.deepEqual(projected.structuredContent, { items: [{ id: 1 }, { id: 2 }] });
    assert.deepEqual(projected.content, [
      { type: "text", text: '{"items":[{"id":1},{"id":2}]}', annotations: { audience: ["user"] } },
      result.content[1],
      result.content[2],
      result.content[3],
    ]);
    assert.equal(projected.isError, false);
    assert.equal(result.structuredContent, issues, "the input is not changed");
  });
});

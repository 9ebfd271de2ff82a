// Unit tests for the iterative nesting-depth check that guards requests before any work.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nestsDeeperThan } from "./json-depth.ts";

function nested(depth: number, kind: "array" | "object"): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = kind === "array" ? [value] : { k: value, n: i };
  return value;
}

describe("nestsDeeperThan", () => {
  it("counts each object or array as one level; primitives add none", () => {
    assert.equal(nestsDeeperThan("text", 0), false);
    assert.equal(nestsDeeperThan(null, 0), false);
    assert.equal(nestsDeeperThan({}, 1), false);
    assert.equal(nestsDeeperThan({}, 0), true);
    assert.equal(nestsDeeperThan({ a: [1, { b: "x" }] }, 3), false);
    assert.equal(nestsDeeperThan({ a: [1, { b: "x" }] }, 2), true);
  });

  it("is exact at the limit, for arrays and objects, and finds a deep branch among shallow ones", () => {
    for (const kind of ["array", "object"] as const) {
      assert.equal(nestsDeeperThan(nested(64, kind), 64), false);
      assert.equal(nestsDeeperThan(nested(65, kind), 64), true);
    }
    const wide = { many: Array.from({ length: 1000 }, (_, i) => ({ i })), deep: [nested(70, "object")] };
    assert.equal(nestsDeeperThan(wide, 64), true);
    assert.equal(nestsDeeperThan({ many: wide.many }, 64), false);
  });

  it("measures values nested 1,000,000 levels deep without overflowing the stack", () => {
    assert.equal(nestsDeeperThan(nested(1_000_000, "array"), 64), true);
    const parsed = JSON.parse(`${"[".repeat(200_000)}${"]".repeat(200_000)}`);
    assert.equal(nestsDeeperThan(parsed, 200_000), false);
    assert.equal(nestsDeeperThan(parsed, 199_999), true);
  });
});

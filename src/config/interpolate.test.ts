import assert from "node:assert/strict";
import { it } from "node:test";
import { interpolate } from "./interpolate.ts";

it("resolves references, defaults and escapes, and lists missing variables", () => {
  const vars = { TOKEN: "s3cret", EMPTY: "" };
  assert.deepEqual(interpolate("Bearer ${TOKEN}", vars), { value: "Bearer s3cret", missing: [] });
  assert.deepEqual(interpolate("${EMPTY:-x}/${NOPE:-y}", vars), { value: "x/y", missing: [] });
  assert.deepEqual(interpolate("cost $$5", vars), { value: "cost $5", missing: [] });
  assert.deepEqual(interpolate("${A}${B}", vars), { value: "", missing: ["A", "B"] });
});

// Whether a budget can cut some result of a server: the tool's own budget, else the server's, else the gateway
// default decides, for the tools configured and for every other tool of the server.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type BudgetSpec, budgetCanCut } from "./budget-resolution.ts";

const spec = (maxResultTokens: number | undefined, tools: Record<string, number | undefined> = {}): BudgetSpec => ({
  maxResultTokens,
  tools: Object.fromEntries(Object.entries(tools).map(([name, budget]) => [name, { maxResultTokens: budget }])),
});

test("the gateway default applies to a server without a budget of its own", () => {
  assert.equal(budgetCanCut(spec(undefined), 500), true);
  assert.equal(budgetCanCut(spec(undefined), 0), false);
});

test("the server's budget replaces the default, 0 turning it off", () => {
  assert.equal(budgetCanCut(spec(800), 0), true);
  assert.equal(budgetCanCut(spec(0), 500), false);
});

test("one tool's own budget is enough, and a tool turning its budget off leaves the server's for the others", () => {
  assert.equal(budgetCanCut(spec(0, { big: 300 }), 0), true);
  assert.equal(budgetCanCut(spec(0, { big: undefined }), 500), false);
  assert.equal(budgetCanCut(spec(400, { small: 0 }), 0), true);
  assert.equal(budgetCanCut(spec(undefined, { small: 0 }), 0), false);
});

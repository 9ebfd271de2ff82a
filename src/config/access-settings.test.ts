import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalizeConfig } from "./load.ts";

const load = (access: unknown) => normalizeConfig({ gateway: { access } }, undefined);
const problemsOf = (access: unknown): { path: string; message: string }[] => {
  try {
    load(access);
    return [];
  } catch (error) {
    return (error as { data: { problems: { path: string; message: string }[] } }).data.problems;
  }
};

describe("gateway.access", () => {
  it("defaults to allow with no rules", () => {
    assert.deepEqual(normalizeConfig({}, undefined).gateway.access, { default: "allow", rules: [] });
  });

  it("accepts a string or a list for every name list; hide defaults to true", () => {
    const { rules } = load({
      default: "deny",
      rules: [{ effect: "allow", groups: "readers", tools: ["a__*", "b__*"], annotations: { readOnlyHint: true } }],
    }).gateway.access;
    assert.deepEqual(rules[0], {
      effect: "allow",
      principals: [],
      groups: ["readers"],
      servers: [],
      tools: ["a__*", "b__*"],
      prompts: undefined,
      resources: undefined,
      annotations: { readOnlyHint: true },
      hide: true,
    });
  });

  it("reports annotations with prompts or resources, empty globs and unknown keys, with their paths", () => {
    const problems = problemsOf({
      rules: [
        { effect: "deny", tools: "x__*" },
        { effect: "deny", servers: ["ok", ""] },
        { effect: "allow", prompts: "*", annotations: { readOnlyHint: true } },
      ],
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      ["gateway.access.rules[1].servers", "gateway.access.rules[2].annotations"],
    );
    const unknown = problemsOf({ rules: [{ effect: "allow", tool: "x" }] });
    assert.deepEqual(
      unknown.map((p) => p.path),
      ["gateway.access.rules[0].tool"],
    );
  });
});

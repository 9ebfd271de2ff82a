import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assignNames, MAX_NAME_LENGTH, namespacedName, separatorProblem } from "./naming.ts";

describe("namespacedName", () => {
  it("joins server and name with the separator", () => {
    assert.equal(namespacedName("memory", "read_graph", "__"), "memory__read_graph");
  });

  it("keeps long names within 128 characters, stable and distinct", () => {
    const a = namespacedName("server", "x".repeat(200), "__");
    const b = namespacedName("server", `${"x".repeat(199)}y`, "__");
    assert.equal(a.length, MAX_NAME_LENGTH);
    assert.equal(a, namespacedName("server", "x".repeat(200), "__"));
    assert.notEqual(a, b);
  });
});

describe("assignNames", () => {
  it("reports and renames collisions instead of merging them", () => {
    const { assignments, problems } = assignNames(
      [
        { server: "a__b", name: "c" },
        { server: "a", name: "b__c" },
      ],
      "__",
    );
    assert.equal(assignments[0]?.exposed, "a__b__c");
    assert.notEqual(assignments[1]?.exposed, "a__b__c");
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.kind, "collision");
    assert.equal(problems[0]?.server, "a");
  });

  it("reports invalid and over-long names", () => {
    const { problems } = assignNames(
      [
        { server: "s", name: "has space" },
        { server: "s", name: "y".repeat(130) },
      ],
      "__",
    );
    assert.deepEqual(
      problems.map((p) => p.kind),
      ["invalid-name", "too-long"],
    );
  });
});

describe("separatorProblem", () => {
  it("accepts names that join unambiguously and names the reason for the others", () => {
    for (const name of ["memory", "a_b", "_a", "a.b-c"]) assert.equal(separatorProblem(name, "__"), undefined);
    assert.match(separatorProblem("a__b", "__") ?? "", /cannot contain/);
    assert.match(separatorProblem("a_", "__") ?? "", /cannot end with "_"/);
    assert.match(separatorProblem("a.b", ".") ?? "", /cannot contain/);
    assert.equal(separatorProblem("a-b", "."), undefined);
    // With a separator that overlaps itself differently: "a-" + "-x-" holds "-x-" only where joined.
    assert.equal(separatorProblem("a", "-x-"), undefined);
    assert.match(separatorProblem("a-x", "-x-") ?? "", /cannot end with "-x"/);
  });
});

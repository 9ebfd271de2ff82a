// Unit tests for the manifest diff both registry adapters share; the store behaviour is in the contract suite.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServerManifest } from "../../ports/manifest-store.ts";
import { assembleManifest, headerOf, planManifest } from "./manifest-items.ts";

const NOW = "2026-03-01T10:00:00.000Z";

function manifest(items: Partial<ServerManifest>): ServerManifest {
  return {
    server: "s",
    specHash: "h",
    fetchedAt: NOW,
    protocolVersion: "2025-11-25",
    serverInfo: {},
    capabilities: {},
    instructions: undefined,
    tools: [],
    prompts: [],
    resources: [],
    resourceTemplates: [],
    ...items,
  };
}

describe("planManifest", () => {
  it("numbers positions across kinds in manifest order", () => {
    const plan = planManifest(
      manifest({ tools: [{ name: "b" }, { name: "a" }], resourceTemplates: [{ uriTemplate: "x://{y}" }] }),
      [],
      NOW,
    );
    assert.deepEqual(
      plan.rows.map((row) => [row.kind, row.key, row.position]),
      [
        ["tool", "b", 0],
        ["tool", "a", 1],
        ["resourceTemplate", "x://{y}", 2],
      ],
    );
  });

  it("leaves out items without a string key and repeats of a key (the first one wins)", () => {
    const plan = planManifest(
      manifest({ tools: [{ name: "a", n: 1 }, { description: "no name" }, { name: "a", n: 2 }, { name: 7 }] }),
      [],
      NOW,
    );
    assert.deepEqual(
      plan.rows.map((row) => row.definition),
      [{ name: "a", n: 1 }],
    );
  });

  it("the same key under two kinds is two items", () => {
    const plan = planManifest(manifest({ tools: [{ name: "x" }], prompts: [{ name: "x" }] }), [], NOW);
    assert.equal(plan.change.added.length, 2);
  });
});

describe("assembleManifest", () => {
  it("puts header and items back together", () => {
    const original = manifest({ tools: [{ name: "t" }], resources: [{ uri: "u" }] });
    const rows = planManifest(original, [], NOW).rows;
    assert.deepStrictEqual(assembleManifest(headerOf(original), rows), original);
  });
});

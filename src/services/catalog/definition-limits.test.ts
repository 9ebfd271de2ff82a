// The definition limits at unit level: cut descriptions keep the bound and say so, limits are idempotent (stored
// manifests go through them again), and the limiter announces each item once and replaces reports per list.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServerManifest } from "../../ports/manifest-store.ts";
import { cutDescription, DefinitionLimiter, descriptionMarker, limitManifest } from "./definition-limits.ts";

const limits = { maxDescriptionChars: 100, maxDefinitionBytes: 2048, maxItems: 3, maxManifestBytes: 65_536 };

function manifest(tools: Record<string, unknown>[], prompts: Record<string, unknown>[] = []): ServerManifest {
  return {
    server: "s",
    specHash: "h",
    fetchedAt: "",
    protocolVersion: "",
    serverInfo: {},
    capabilities: {},
    instructions: undefined,
    tools,
    prompts,
    resources: [],
    resourceTemplates: [],
  };
}

describe("definition limits", () => {
  it("cuts long descriptions to the bound, marker included, without splitting a surrogate pair", () => {
    const cut = cutDescription("😀".repeat(200), 100);
    assert.equal(cut.length <= 100, true);
    assert.ok(cut.endsWith(descriptionMarker(400)));
    assert.ok(!/[\uD800-\uDBFF]$/.test(cut.slice(0, -descriptionMarker(400).length)), "no lone high surrogate");
  });

  it("cuts, refuses over-size definitions and items past maxItems, and is idempotent", () => {
    const tools = [
      { name: "long", description: "d".repeat(5000) },
      { name: "big", description: "ok", inputSchema: { enum: ["x".repeat(4000)] } },
      { name: "fine", description: "ok" },
      { name: "late", description: "ok" },
    ];
    const first = limitManifest(manifest(tools), limits);
    assert.deepEqual(
      first.manifest.tools.map((t) => t.name),
      ["long", "fine"],
    );
    assert.equal(String(first.manifest.tools[0]?.description).length, 100);
    assert.deepEqual(
      first.limited.map((e) => `${e.name}:${e.action}`),
      ["long:cut", "big:refused", "(past the first 3):refused"],
    );
    const again = limitManifest(first.manifest, limits);
    assert.deepEqual(again.manifest, first.manifest);
    assert.deepEqual(again.limited, []);
  });

  it("announces each item once and replaces the reports of lists read afresh", () => {
    const events: string[] = [];
    const limiter = new DefinitionLimiter(limits, (e) => events.push(`${e.server}/${e.list}/${e.name}/${e.action}`));
    const long = { name: "long", description: "d".repeat(500) };
    limiter.bound(manifest([long], [long]));
    limiter.bound(manifest([long], [long]));
    assert.deepEqual(events, ["s/tools/long/cut", "s/prompts/long/cut"]);
    // The server fixed its tool; only tools were read again: the prompt's report stays.
    limiter.bound(manifest([{ name: "long", description: "short" }], [long]), ["tools"]);
    assert.deepEqual(
      limiter.limited("s").map((e) => e.list),
      ["prompts"],
    );
  });

  it("bounds the server's own fields: instructions cut, a huge serverInfo reduced to name and version", () => {
    const huge = {
      ...manifest([]),
      instructions: "i".repeat(5000),
      serverInfo: { name: "n", version: "1", x: "y".repeat(5000) },
    };
    const { manifest: bounded, limited } = limitManifest(huge, limits);
    assert.equal(bounded.instructions?.length, limits.maxDefinitionBytes);
    assert.deepEqual(bounded.serverInfo, { name: "n", version: "1" });
    assert.deepEqual(
      limited.map((e) => `${e.list}/${e.name}`),
      ["server/instructions", "server/serverInfo"],
    );
    // Read again with a partial refresh of tools only, they are still reported: they come with every refresh.
    assert.equal(limitManifest(huge, limits, ["tools"]).limited.length, 2);
    assert.deepEqual(limitManifest(bounded, limits).limited, []);
  });
});

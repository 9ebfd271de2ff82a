// Listed tool definitions: outputSchema left out where results may be cut or projected, kept elsewhere.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { listedTools } from "./tool-listing.ts";

const schema = { type: "object", properties: { content: { type: "string" } }, required: ["content"] };

describe("listedTools", () => {
  it("leaves outputSchema out of tools whose results may change, and keeps everything else", () => {
    const tools = [
      { name: "cut", description: "d", inputSchema: { type: "object" }, outputSchema: schema },
      { name: "whole", inputSchema: { type: "object" }, outputSchema: schema },
      { name: "plain", inputSchema: { type: "object" } },
    ];
    const listed = listedTools(tools, (tool) => tool.name !== "whole");
    assert.deepEqual(listed, [{ name: "cut", description: "d", inputSchema: { type: "object" } }, tools[1], tools[2]]);
    assert.ok(tools[0] && "outputSchema" in tools[0], "the catalog's definitions are not changed");
  });

  it("returns the same array when nothing changes", () => {
    const tools = [{ name: "plain", inputSchema: { type: "object" } }];
    assert.equal(
      listedTools(tools, () => true),
      tools,
    );
    const kept = [{ name: "whole", outputSchema: schema }];
    assert.equal(
      listedTools(kept, () => false),
      kept,
    );
  });
});

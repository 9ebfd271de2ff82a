import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reducedRecord } from "./audit-record.ts";

const NOW = Date.parse("2026-03-01T10:00:00.000Z");

describe("reducedRecord", () => {
  it("keeps a review decision a decision, with its detail in printable ASCII", () => {
    const reduced = reducedRecord(
      { time: NOW, principal: "alice", server: "fs", tool: "read_file", action: "reject", detail: "hidden\u202etext" },
      NOW,
    );
    assert.equal(reduced.action, "reject");
    assert.equal(reduced.detail, "hidden?text");
  });

  it("leaves a call in the record's old shape, and drops an action that is not one", () => {
    for (const action of [undefined, "call", "delete"]) {
      const reduced = reducedRecord({ time: NOW, server: "fs", tool: "t", action, detail: "x" }, NOW);
      assert.equal("action" in reduced, false, String(action));
      assert.equal("detail" in reduced, false, String(action));
    }
  });
});

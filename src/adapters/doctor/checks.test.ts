// The node row: the version floor, and how AsyncLocalStorage is implemented (hooks cost CPU on every call).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkNode } from "./checks.ts";

describe("doctor: node", () => {
  it("fails below the floor", () => {
    assert.equal(checkNode("20.19.0", []).status, "fail");
    assert.equal(checkNode("22.17.1", []).status, "fail");
  });

  it("warns on Node 22 without async context frames, from the command line or NODE_OPTIONS", () => {
    const hooks = checkNode("22.23.3", []);
    assert.equal(hooks.status, "warn");
    assert.equal(hooks.data?.asyncContext, "hooks");
    assert.match(hooks.detail, /--experimental-async-context-frame/);
    assert.equal(checkNode("22.23.3", ["--experimental-async-context-frame"]).status, "ok");
    assert.equal(checkNode("22.23.3", ["", "--experimental-async-context-frame"]).data?.asyncContext, "frames");
  });

  it("Node 24 uses frames unless they are turned off", () => {
    assert.equal(checkNode("24.11.0", []).data?.asyncContext, "frames");
    assert.equal(checkNode("24.11.0", ["--no-async-context-frame"]).status, "warn");
  });
});

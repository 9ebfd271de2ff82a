// The SANDBOX column of `servers list`: what is in effect, nothing while asleep, and a fallback made loud.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Confinement } from "../../core/sandbox.ts";
import { sandboxCell } from "./commands.ts";

const confinement = (backend: Confinement["backend"], requested: Confinement["requested"]): Confinement => ({
  backend,
  requested,
  network: backend === "none" ? "host" : "none",
  filesystem: backend === "none" ? "host" : "allow-list",
  limits: {},
  user: "nobody",
  warnings: [],
});

describe("servers list: SANDBOX column", () => {
  it("backend/network while running, - while asleep", () => {
    assert.equal(sandboxCell({ confinement: confinement("bubblewrap", "auto") }), "bubblewrap/none");
    assert.equal(sandboxCell({ confinement: null }), "-");
  });

  it("none! when running unconfined although the profile asked for a backend", () => {
    assert.equal(sandboxCell({ confinement: confinement("none", "firejail") }), "none!");
    assert.equal(sandboxCell({ confinement: confinement("none", "none") }), "none/host");
  });
});

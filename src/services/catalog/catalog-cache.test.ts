// Manifests the catalog takes from the store (at load, and when another replica refreshed one): only those
// written for the server's current spec. A manifest stored for another command or URL is never served, however
// new it is; one stored for this spec and newer than the one held is taken.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../config/load.ts";
import { EventBus } from "../../core/events.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { ManifestStore, ServerManifest } from "../../ports/manifest-store.ts";
import { Catalog } from "./catalog.ts";
import { specHash } from "./fetch-manifest.ts";

/** The config of a gateway running `cat` with the catalog of `which`. */
const configOf = (which: string) =>
  parseConfig(
    JSON.stringify({ servers: { cat: { command: "node", args: ["catalog.js", "--server", which] } } }),
    undefined,
  );

function setUp() {
  const config = configOf("two");
  const stored = new Map<string, ServerManifest>();
  const store: ManifestStore = {
    load: async (server) => stored.get(server),
    save: async (manifest) => void stored.set(manifest.server, manifest),
  };
  const catalog = new Catalog({
    specs: config.servers,
    store,
    separator: "__",
    events: new EventBus(),
    limits: config.gateway.definitionLimits,
  });
  /** A manifest with one tool, as if written by a gateway running `hash`'s spec at `fetchedAt`. */
  const write = (tool: string, hash: string, fetchedAt: string) =>
    stored.set("cat", {
      server: "cat",
      specHash: hash,
      fetchedAt,
      protocolVersion: "2025-11-25",
      serverInfo: {},
      capabilities: { tools: {} },
      instructions: undefined,
      tools: [{ name: tool, inputSchema: { type: "object" } }],
      prompts: [],
      resources: [],
      resourceTemplates: [],
    });
  const listed = () => catalog.tools().items.map((item) => item.name);
  const [own, other] = [config, configOf("one")].map((c) => specHash(c.servers[0] as ServerSpec)) as [string, string];
  assert.notEqual(other, own);
  return { catalog, write, listed, own, other };
}

describe("catalog: manifests from the store", () => {
  it("load ignores a manifest stored for another spec", async () => {
    const { catalog, write, listed, other } = setUp();
    write("alpha", other, "2026-01-01T00:00:00.000Z");
    await catalog.load();
    assert.equal(catalog.manifest("cat"), undefined);
    assert.deepEqual(listed(), []);
  });

  it("reload takes a newer manifest of the same spec, never one stored for another spec", async () => {
    const { catalog, write, listed, own, other } = setUp();
    write("beta", own, "2026-01-01T00:00:00.000Z");
    await catalog.load();
    assert.deepEqual(listed(), ["cat__beta"]);
    // Another replica, still running the old spec, stored its (newer) manifest.
    write("alpha", other, "2026-01-02T00:00:00.000Z");
    await catalog.reload("cat");
    assert.deepEqual(listed(), ["cat__beta"], "the other spec's manifest is not taken");
    write("gamma", own, "2026-01-03T00:00:00.000Z");
    await catalog.reload("cat");
    assert.deepEqual(listed(), ["cat__gamma"], "a newer manifest of this spec is");
    write("delta", own, "2026-01-02T12:00:00.000Z");
    await catalog.reload("cat");
    assert.deepEqual(listed(), ["cat__gamma"], "an older one is not");
  });
});

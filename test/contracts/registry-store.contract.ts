// The RegistryStore contract: every adapter registers these tests through a factory of fresh, empty stores.
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { canonicalHash } from "../../src/core/canonical-hash.ts";
import type { ServerManifest } from "../../src/ports/manifest-store.ts";
import type { RegistryStore } from "../../src/ports/registry-store.ts";

export interface RegistryStoreFixture {
  store: RegistryStore;
  cleanup(): Promise<void>;
}

/** A fresh, empty store whose clock is `clock.now` (epoch ms), so the contract can date changes. */
export type RegistryStoreFactory = (clock: { now: () => number }) => Promise<RegistryStoreFixture>;

const T0 = Date.parse("2026-03-01T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

const echo = { name: "echo", description: "Echo", inputSchema: { type: "object", properties: {} } };
const add = { name: "add", inputSchema: { type: "object", properties: { a: { type: "number" } } } };

/** A manifest with items in a deliberately non-alphabetical order, one of each kind at least. */
export function sampleManifest(server: string, overrides: Partial<ServerManifest> = {}): ServerManifest {
  return {
    server,
    specHash: "spec-1",
    fetchedAt: "2026-03-01T09:59:59.123Z",
    protocolVersion: "2025-11-25",
    serverInfo: { name: server, version: "1.0.0" },
    capabilities: { tools: { listChanged: true }, resources: {} },
    instructions: "Use the tools.",
    tools: [echo, add],
    prompts: [{ name: "greet", arguments: [{ name: "who", required: true }] }],
    resources: [
      { uri: "file:///b.txt", name: "b" },
      { uri: "file:///a.txt", name: "a", mimeType: "text/plain" },
    ],
    resourceTemplates: [{ uriTemplate: "file:///{path}", name: "file" }],
    ...overrides,
  };
}

export function registryStoreContract(name: string, factory: RegistryStoreFactory): void {
  const open = async (t: TestContext) => {
    const clock = { ms: T0, now: () => clock.ms };
    const fixture = await factory(clock);
    t.after(() => fixture.cleanup());
    return { store: fixture.store, clock };
  };

  describe(`RegistryStore contract: ${name}`, () => {
    test("putServer and getServer round-trip; a second put replaces the snapshot", async (t) => {
      const { store, clock } = await open(t);
      assert.equal(await store.getServer("fs"), undefined);
      await store.putServer({ server: "fs", configHash: "h1", config: { command: "npx", args: ["-y", "x"] } });
      assert.deepEqual(await store.getServer("fs"), {
        server: "fs",
        configHash: "h1",
        config: { command: "npx", args: ["-y", "x"] },
        updatedAt: iso(T0),
      });
      clock.ms += 1000;
      await store.putServer({ server: "fs", configHash: "h2", config: { url: "http://x" } });
      assert.deepEqual(await store.getServer("fs"), {
        server: "fs",
        configHash: "h2",
        config: { url: "http://x" },
        updatedAt: iso(T0 + 1000),
      });
    });

    test("a first manifest adds every item, hashed canonically and dated now", async (t) => {
      const { store } = await open(t);
      assert.equal(await store.getManifest("fs"), undefined);
      const change = await store.putManifest(sampleManifest("fs"));
      assert.deepEqual(
        change.added.map((item) => [item.kind, item.key]),
        [
          ["tool", "echo"],
          ["tool", "add"],
          ["prompt", "greet"],
          ["resource", "file:///b.txt"],
          ["resource", "file:///a.txt"],
          ["resourceTemplate", "file:///{path}"],
        ],
      );
      assert.deepEqual(change.changed, []);
      assert.deepEqual(change.removed, []);
      const [first] = change.added;
      assert.deepEqual(first, {
        server: "fs",
        kind: "tool",
        key: "echo",
        definitionHash: canonicalHash(echo),
        firstSeenAt: iso(T0),
        changedAt: iso(T0),
        definition: echo,
      });
      assert.deepEqual(await store.items({ server: "fs" }), change.added);
    });

    test("getManifest returns the manifest as stored: server fields, items, order and key order", async (t) => {
      const { store } = await open(t);
      const manifest = sampleManifest("fs");
      await store.putManifest(manifest);
      const stored = await store.getManifest("fs");
      assert.deepStrictEqual(stored, manifest);
      assert.equal(JSON.stringify(stored), JSON.stringify(manifest), "key order inside items survives");
      const bare = sampleManifest("bare", { instructions: undefined, capabilities: {}, tools: [], prompts: [] });
      await store.putManifest(bare);
      assert.deepStrictEqual(await store.getManifest("bare"), bare);
    });

    test("a changed tool gets a new hash and changed-at; unchanged items keep theirs", async (t) => {
      const { store, clock } = await open(t);
      await store.putManifest(sampleManifest("fs"));
      const before = await store.items({ server: "fs", kind: "tool" });
      clock.ms += 60_000;
      const echo2 = { ...echo, description: "Echo, louder" };
      const change = await store.putManifest(sampleManifest("fs", { tools: [echo2, add] }));
      assert.deepEqual(change.added, []);
      assert.deepEqual(change.removed, []);
      assert.deepEqual(change.changed, [
        {
          server: "fs",
          kind: "tool",
          key: "echo",
          definitionHash: canonicalHash(echo2),
          firstSeenAt: iso(T0),
          changedAt: iso(T0 + 60_000),
          definition: echo2,
        },
      ]);
      const after = await store.items({ server: "fs", kind: "tool" });
      assert.notEqual(after[0]?.definitionHash, before[0]?.definitionHash);
      assert.deepEqual(after[1], before[1], "add is untouched: same hash, first-seen and changed-at");
    });

    test("the same definition with keys in another order is not a change", async (t) => {
      const { store, clock } = await open(t);
      await store.putManifest(sampleManifest("fs"));
      clock.ms += 1000;
      const reordered = { inputSchema: { properties: {}, type: "object" }, description: "Echo", name: "echo" };
      const change = await store.putManifest(sampleManifest("fs", { tools: [reordered, add] }));
      assert.deepEqual(change, { added: [], changed: [], removed: [] });
      const [stored] = await store.items({ server: "fs", kind: "tool" });
      assert.equal(stored?.changedAt, iso(T0));
    });

    test("missing items are removed, new ones added, and the new order is kept", async (t) => {
      const { store, clock } = await open(t);
      await store.putManifest(sampleManifest("fs"));
      clock.ms += 5000;
      const sub = { name: "sub", inputSchema: { type: "object" } };
      const change = await store.putManifest(
        sampleManifest("fs", { tools: [sub, add], prompts: [], resources: [{ uri: "file:///a.txt", name: "a2" }] }),
      );
      assert.deepEqual(
        change.added.map((item) => [item.key, item.firstSeenAt]),
        [["sub", iso(T0 + 5000)]],
      );
      assert.deepEqual(
        change.changed.map((item) => [item.kind, item.key]),
        [["resource", "file:///a.txt"]],
        "a resource is keyed by uri: a new name is a change, not a replacement",
      );
      assert.deepEqual(change.removed.map((item) => [item.server, item.kind, item.key]).sort(), [
        ["fs", "prompt", "greet"],
        ["fs", "resource", "file:///b.txt"],
        ["fs", "tool", "echo"],
      ]);
      const stored = await store.getManifest("fs");
      assert.deepEqual(stored?.tools, [sub, add]);
      assert.deepEqual(stored?.prompts, []);
      assert.deepEqual((await store.items({ server: "fs" })).length, 4);
    });

    test("server-level fields are replaced by the next manifest", async (t) => {
      const { store } = await open(t);
      await store.putManifest(sampleManifest("fs"));
      const next = sampleManifest("fs", {
        specHash: "spec-2",
        fetchedAt: "2026-03-02T00:00:00.000Z",
        protocolVersion: "2026-07-28",
        serverInfo: { name: "fs", version: "2.0.0", title: "Files" },
        capabilities: { tools: {} },
        instructions: undefined,
      });
      await store.putManifest(next);
      assert.deepStrictEqual(await store.getManifest("fs"), next);
    });

    test("servers are kept apart; items filters by server and kind", async (t) => {
      const { store } = await open(t);
      await store.putManifest(sampleManifest("a"));
      await store.putManifest(sampleManifest("b", { tools: [add] }));
      await store.putManifest(sampleManifest("a", { tools: [], prompts: [], resources: [], resourceTemplates: [] }));
      assert.deepEqual(await store.items({ server: "a" }), []);
      assert.equal((await store.items({ server: "b" })).length, 5);
      assert.deepEqual(
        (await store.items({ kind: "tool" })).map((item) => [item.server, item.key]),
        [["b", "add"]],
      );
      assert.deepEqual(
        (await store.items({ server: "b", kind: "resourceTemplate" })).map((item) => item.key),
        ["file:///{path}"],
      );
      assert.equal((await store.items()).length, 5);
    });

    test("concurrent manifests for one server leave one consistent state", async (t) => {
      const { store } = await open(t);
      await Promise.all([
        store.putManifest(sampleManifest("fs")),
        store.putManifest(sampleManifest("fs", { tools: [add] })),
      ]);
      const stored = await store.getManifest("fs");
      const keys = (await store.items({ server: "fs", kind: "tool" })).map((item) => item.key);
      assert.deepEqual(
        keys,
        stored?.tools.map((tool) => tool.name),
      );
    });

    test("ping resolves while the store is open", async (t) => {
      const { store } = await open(t);
      await store.ping();
    });
  });
}

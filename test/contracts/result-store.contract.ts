// The ResultStore contract: every adapter registers these tests through a factory of fresh, namespaced stores.
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { ResultStore } from "../../src/ports/result-store.ts";

export interface ResultStoreFixture {
  store: ResultStore;
  cleanup(): Promise<void>;
}

/** A fresh store; two namespaces must not see each other's handles (for Redis: two key prefixes). */
export type ResultStoreFactory = (namespace: string) => Promise<ResultStoreFixture>;

const LONG_TTL_MS = 60_000;

export function resultStoreContract(name: string, factory: ResultStoreFactory): void {
  const open = async (t: TestContext, namespace: string) => {
    const fixture = await factory(namespace);
    t.after(() => fixture.cleanup());
    return fixture.store;
  };

  describe(`ResultStore contract: ${name}`, () => {
    test("put, get and delete", async (t) => {
      const results = await open(t, "basic");
      await results.put("h1", '{"content":[]}', LONG_TTL_MS);
      assert.equal(await results.get("h1"), '{"content":[]}');
      await results.delete("h1");
      assert.equal(await results.get("h1"), undefined);
    });

    test("missing handles read as undefined, deleting them is harmless", async (t) => {
      const results = await open(t, "missing");
      assert.equal(await results.get("never-put"), undefined);
      await results.delete("never-put");
    });

    test("a second put replaces the value and the TTL", async (t) => {
      const results = await open(t, "overwrite");
      await results.put("h", "first", 150);
      await results.put("h", "second", LONG_TTL_MS);
      await delay(300);
      assert.equal(await results.get("h"), "second");
    });

    test("results expire after their TTL", async (t) => {
      const results = await open(t, "ttl");
      await results.put("short", "v", 150);
      await results.put("long", "v", LONG_TTL_MS);
      assert.equal(await results.get("short"), "v");
      await expiresWithin(() => results.get("short"), 3_000);
      assert.equal(await results.get("long"), "v");
    });

    test("large results round-trip exactly", async (t) => {
      const results = await open(t, "large");
      const large = JSON.stringify({ content: [{ type: "text", text: "résultat 🚀 ".repeat(300_000) }] });
      await results.put("big", large, LONG_TTL_MS);
      assert.equal(await results.get("big"), large);
    });

    test("two namespaces do not see each other's handles", async (t) => {
      const a = await open(t, "iso-a");
      const b = await open(t, "iso-b");
      await a.put("h", "from a", LONG_TTL_MS);
      assert.equal(await b.get("h"), undefined);
      await b.put("h", "from b", LONG_TTL_MS);
      await b.delete("h");
      assert.equal(await a.get("h"), "from a");
    });
  });
}

/** Polls (bounded) until the result reads as missing. */
async function expiresWithin(read: () => Promise<unknown>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while ((await read()) !== undefined) {
    assert.ok(Date.now() < deadline, `still present ${limitMs} ms after its TTL`);
    await delay(25);
  }
}

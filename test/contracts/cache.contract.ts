// The Cache contract: every adapter registers these tests through a factory of fresh, namespaced stores.
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Cache } from "../../src/ports/cache.ts";

export interface CacheFixture {
  store: Cache;
  cleanup(): Promise<void>;
}

/** A fresh store; two namespaces must not see each other's keys (for Redis: two key prefixes). */
export type CacheFactory = (namespace: string) => Promise<CacheFixture>;

const LONG_TTL_MS = 60_000;

export function cacheContract(name: string, factory: CacheFactory): void {
  const open = async (t: TestContext, namespace: string) => {
    const fixture = await factory(namespace);
    t.after(() => fixture.cleanup());
    return fixture.store;
  };

  describe(`Cache contract: ${name}`, () => {
    test("set, get and delete", async (t) => {
      const cache = await open(t, "basic");
      await cache.set("k", "v", LONG_TTL_MS);
      assert.equal(await cache.get("k"), "v");
      await cache.delete("k");
      assert.equal(await cache.get("k"), undefined);
    });

    test("missing keys read as undefined, deleting them is harmless", async (t) => {
      const cache = await open(t, "missing");
      assert.equal(await cache.get("never-set"), undefined);
      await cache.delete("never-set");
    });

    test("overwrite replaces the value and the TTL", async (t) => {
      const cache = await open(t, "overwrite");
      await cache.set("k", "first", 150);
      await cache.set("k", "second", LONG_TTL_MS);
      await delay(300);
      assert.equal(await cache.get("k"), "second");
    });

    test("entries expire after their TTL", async (t) => {
      const cache = await open(t, "ttl");
      await cache.set("short", "v", 150);
      await cache.set("long", "v", LONG_TTL_MS);
      assert.equal(await cache.get("short"), "v");
      await expiresWithin(() => cache.get("short"), 3_000);
      assert.equal(await cache.get("long"), "v");
    });

    test("large values and awkward keys round-trip exactly", async (t) => {
      const cache = await open(t, "large");
      const large = largeValue(200_000);
      await cache.set("big", large, LONG_TTL_MS);
      assert.equal(await cache.get("big"), large);
      const awkward = "a:b*c?[d] é 🚀 \n";
      await cache.set(awkward, "ünïcødé ✓", LONG_TTL_MS);
      assert.equal(await cache.get(awkward), "ünïcødé ✓");
    });

    test("stats count hits and misses", async (t) => {
      const cache = await open(t, "stats");
      assert.deepEqual(cache.stats(), { hits: 0, misses: 0 });
      await cache.set("k", "v", LONG_TTL_MS);
      await cache.get("k");
      await cache.get("k");
      await cache.get("absent");
      await cache.set("gone", "v", LONG_TTL_MS);
      await cache.delete("gone");
      await cache.get("gone");
      assert.deepEqual(cache.stats(), { hits: 2, misses: 2 });
    });

    test("two namespaces do not see each other's keys", async (t) => {
      const a = await open(t, "iso-a");
      const b = await open(t, "iso-b");
      await a.set("k", "from a", LONG_TTL_MS);
      assert.equal(await b.get("k"), undefined);
      await b.set("k", "from b", LONG_TTL_MS);
      await b.delete("k");
      assert.equal(await a.get("k"), "from a");
    });
  });
}

/** Polls (bounded) until the entry reads as missing. */
async function expiresWithin(read: () => Promise<unknown>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while ((await read()) !== undefined) {
    assert.ok(Date.now() < deadline, `still present ${limitMs} ms after its TTL`);
    await delay(25);
  }
}

/** About 2 MB of mixed one- to four-byte UTF-8 characters, so a byte/char mix-up anywhere would show. */
function largeValue(repeats: number): string {
  return "aé€🚀".repeat(repeats);
}

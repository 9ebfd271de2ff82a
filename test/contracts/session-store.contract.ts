// The SessionStore contract: every adapter registers these tests through a factory of fresh, namespaced stores.
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { SessionRecord, SessionStore } from "../../src/ports/session-store.ts";

export interface SessionStoreFixture {
  store: SessionStore;
  cleanup(): Promise<void>;
}

/** A fresh store; two namespaces must not see each other's sessions (for Redis: two key prefixes). */
export type SessionStoreFactory = (namespace: string) => Promise<SessionStoreFixture>;

const LONG_TTL_MS = 60_000;

function record(id: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    endpoint: "aggregate",
    protocolVersion: "2025-11-25",
    clientInfo: { name: "test-client", version: "1.0.0" },
    clientCapabilities: { sampling: {}, elicitation: { form: {}, url: {} } },
    logLevel: "info",
    createdAt: "2026-01-02T03:04:05.678Z",
    ...overrides,
  };
}

export function sessionStoreContract(name: string, factory: SessionStoreFactory): void {
  const open = async (t: TestContext, namespace: string) => {
    const fixture = await factory(namespace);
    t.after(() => fixture.cleanup());
    return fixture.store;
  };

  describe(`SessionStore contract: ${name}`, () => {
    test("put, get and delete", async (t) => {
      const sessions = await open(t, "basic");
      const session = record("s1");
      await sessions.put(session, LONG_TTL_MS);
      assert.deepEqual(await sessions.get("s1"), session);
      await sessions.delete("s1");
      assert.equal(await sessions.get("s1"), undefined);
    });

    test("undefined fields come back as undefined fields", async (t) => {
      const sessions = await open(t, "sparse");
      const sparse = record("s2", {
        endpoint: "everything",
        protocolVersion: undefined,
        clientInfo: undefined,
        clientCapabilities: undefined,
        logLevel: undefined,
      });
      await sessions.put(sparse, LONG_TTL_MS);
      assert.deepEqual(await sessions.get("s2"), sparse);
    });

    test("records are values: changing one read or put does not change the store", async (t) => {
      const sessions = await open(t, "copies");
      const session = record("s3");
      await sessions.put(session, LONG_TTL_MS);
      session.logLevel = "debug";
      const read = await sessions.get("s3");
      assert.equal(read?.logLevel, "info");
      read!.endpoint = "changed";
      assert.equal((await sessions.get("s3"))?.endpoint, "aggregate");
    });

    test("missing sessions read as undefined, deleting them is harmless", async (t) => {
      const sessions = await open(t, "missing");
      assert.equal(await sessions.get("never-put"), undefined);
      await sessions.delete("never-put");
    });

    test("a second put replaces the record and refreshes the TTL", async (t) => {
      const sessions = await open(t, "overwrite");
      await sessions.put(record("s4"), 150);
      await sessions.put(record("s4", { logLevel: "debug" }), LONG_TTL_MS);
      await delay(300);
      assert.equal((await sessions.get("s4"))?.logLevel, "debug");
    });

    test("sessions expire after their TTL", async (t) => {
      const sessions = await open(t, "ttl");
      await sessions.put(record("short"), 150);
      await sessions.put(record("long"), LONG_TTL_MS);
      assert.ok(await sessions.get("short"));
      await expiresWithin(() => sessions.get("short"), 3_000);
      assert.ok(await sessions.get("long"));
    });

    test("large records round-trip exactly", async (t) => {
      const sessions = await open(t, "large");
      const tools = Array.from({ length: 5_000 }, (_, i) => ({ name: `tool-${i}`, note: "ünïcødé 🚀".repeat(10) }));
      const large = record("big", { clientCapabilities: { experimental: { tools } } });
      await sessions.put(large, LONG_TTL_MS);
      assert.deepEqual(await sessions.get("big"), large);
    });

    test("two namespaces do not see each other's sessions", async (t) => {
      const a = await open(t, "iso-a");
      const b = await open(t, "iso-b");
      await a.put(record("s", { endpoint: "from-a" }), LONG_TTL_MS);
      assert.equal(await b.get("s"), undefined);
      await b.put(record("s", { endpoint: "from-b" }), LONG_TTL_MS);
      await b.delete("s");
      assert.equal((await a.get("s"))?.endpoint, "from-a");
    });
  });
}

/** Polls (bounded) until the session reads as missing. */
async function expiresWithin(read: () => Promise<unknown>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while ((await read()) !== undefined) {
    assert.ok(Date.now() < deadline, `still present ${limitMs} ms after its TTL`);
    await delay(25);
  }
}

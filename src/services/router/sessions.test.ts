// Shared sessions at unit level, on the real in-memory SessionStore: adoption by another registry (replica),
// revalidation (an ended session ends here too, unless the store is only a stand-in), end versus drop.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import { createMemorySessionStore } from "../../adapters/storage/memory-session-store.ts";
import { EventBus } from "../../core/events.ts";
import type { Clock } from "../../ports/clock.ts";
import { SessionRegistry } from "./sessions.ts";

const TTL_MS = 40_000; // revalidation every 10 s

function replicas() {
  const clock = { ms: 1_000_000, now: () => clock.ms, setTimeout: () => ({ cancel() {} }) } as Clock & { ms: number };
  const store = createMemorySessionStore({ maxSessions: 10_000, clock });
  const state = { authoritative: true };
  const sharing = { store, ttlMs: TTL_MS, events: new EventBus(), authoritative: () => state.authoritative };
  return { clock, store, state, a: new SessionRegistry(clock, sharing), b: new SessionRegistry(clock, sharing) };
}

/** A shared session on replica a, initialized and recorded. */
async function opened(a: SessionRegistry) {
  const session = a.create({ kind: "server", server: "fs" });
  session.shared = true;
  session.protocolVersion = "2025-11-25";
  session.logLevel = "error";
  a.persist(session);
  await tick();
  return session;
}

describe("SessionRegistry with a SessionStore", () => {
  it("another replica adopts a recorded session with its endpoint, version and level", async () => {
    const { a, b } = replicas();
    const session = await opened(a);
    const adopted = await b.resolve(session.id);
    assert.deepEqual(adopted?.endpoint, { kind: "server", server: "fs" });
    assert.equal(adopted?.protocolVersion, "2025-11-25");
    assert.equal(adopted?.logLevel, "error");
    assert.equal(await b.resolve("unknown"), undefined);
  });

  it("unshared sessions (stdio, stateless) are never recorded", async () => {
    const { a, b } = replicas();
    const session = a.create({ kind: "aggregate" });
    a.persist(session);
    await tick();
    assert.equal(await b.resolve(session.id), undefined);
  });

  it("end removes the record everywhere; drop (idle here, shutdown) leaves it for the others", async () => {
    const { a, b, store } = replicas();
    const kept = await opened(a);
    a.drop(kept.id);
    assert.ok(await store.get(kept.id), "dropped here, still shared");
    assert.ok(await b.resolve(kept.id));
    const ended = await opened(a);
    a.end(ended.id);
    await tick();
    assert.equal(await store.get(ended.id), undefined);
  });

  it("a session ended elsewhere ends here at the next revalidation, and is not revived by a refresh", async () => {
    const { a, b, clock, store } = replicas();
    const session = await opened(a);
    await b.resolve(session.id);
    a.end(session.id); // DELETE on replica a
    await tick();
    clock.ms += TTL_MS / 4 + 1;
    assert.ok(b.get(session.id), "still held until the store has answered");
    await tick();
    assert.equal(b.get(session.id), undefined);
    assert.equal(await store.get(session.id), undefined);
  });

  it("while the store is a stand-in (Redis down), a miss does not end the session", async () => {
    const { a, clock, store, state } = replicas();
    const session = await opened(a);
    await store.delete(session.id); // as if the record lived in the unreachable Redis
    state.authoritative = false;
    clock.ms += TTL_MS / 4 + 1;
    a.get(session.id);
    await tick();
    assert.ok(a.get(session.id), "kept");
  });

  it("a session in use has its record refreshed before it expires", async () => {
    const { a, clock, store } = replicas();
    const session = await opened(a);
    for (let i = 0; i < 8; i++) {
      clock.ms += TTL_MS / 4 + 1;
      a.get(session.id);
      await tick();
      await tick();
    }
    assert.ok(await store.get(session.id), "alive after twice its TTL of use");
  });
});

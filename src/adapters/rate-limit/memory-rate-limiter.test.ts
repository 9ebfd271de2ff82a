// The memory limiter with a fake clock: per-client buckets, the global bucket, all-or-nothing takes, the
// retry-after it reports, and its bound on remembered clients.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RateDecision } from "../../ports/rate-limiter.ts";
import { createMemoryRateLimiter } from "./memory-rate-limiter.ts";

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const take = (limiter: { take(key: string): unknown }, key: string) => limiter.take(key) as RateDecision;
const allowed = (decision: RateDecision) => decision.allowed;

test("a client gets its burst, then is refused with the time until its next token", () => {
  const clock = fakeClock();
  const limiter = createMemoryRateLimiter({
    limits: { client: { perMinute: 60, capacity: 3 }, global: undefined },
    clock,
    maxClients: 100_000,
  });
  assert.deepEqual(
    [1, 2, 3].map(() => allowed(take(limiter, "a"))),
    [true, true, true],
  );
  assert.deepEqual(take(limiter, "a"), { allowed: false, scope: "client", retryAfterMs: 1_000 });
  clock.advance(400);
  assert.deepEqual(take(limiter, "a"), { allowed: false, scope: "client", retryAfterMs: 600 });
  clock.advance(600);
  assert.ok(allowed(take(limiter, "a")), "a token after the retry-after");
  assert.equal(allowed(take(limiter, "a")), false, "and only one");
});

test("clients have their own buckets", () => {
  const clock = fakeClock();
  const limiter = createMemoryRateLimiter({
    limits: { client: { perMinute: 60, capacity: 1 }, global: undefined },
    clock,
    maxClients: 100_000,
  });
  assert.ok(allowed(take(limiter, "a")));
  assert.equal(allowed(take(limiter, "a")), false);
  assert.ok(allowed(take(limiter, "b")));
});

test("the global bucket caps every client together; a refusal takes no token from the client", () => {
  const clock = fakeClock();
  const limiter = createMemoryRateLimiter({
    // Clients refill too slowly to matter here; the global bucket gets a token every 2 s.
    limits: { client: { perMinute: 1, capacity: 2 }, global: { perMinute: 30, capacity: 3 } },
    clock,
    maxClients: 100_000,
  });
  assert.ok(allowed(take(limiter, "a")));
  assert.ok(allowed(take(limiter, "b")));
  assert.ok(allowed(take(limiter, "c")));
  assert.deepEqual(take(limiter, "d"), { allowed: false, scope: "global", retryAfterMs: 2_000 });
  assert.equal(take(limiter, "a").allowed, false, "a still has a token of its own, but the gateway has none");
  clock.advance(2_000);
  assert.ok(allowed(take(limiter, "a")), "the refused attempt took nothing from a's bucket");
  clock.advance(2_000);
  const refused = take(limiter, "a");
  assert.equal(refused.allowed, false);
  assert.equal(!refused.allowed && refused.scope, "client");
});

test("with both buckets empty the scope is the client's and the wait is the longer one", () => {
  const clock = fakeClock();
  const limiter = createMemoryRateLimiter({
    limits: { client: { perMinute: 60, capacity: 1 }, global: { perMinute: 6, capacity: 1 } },
    clock,
    maxClients: 100_000,
  });
  assert.ok(allowed(take(limiter, "a")));
  assert.deepEqual(take(limiter, "a"), { allowed: false, scope: "client", retryAfterMs: 10_000 });
});

test("a global limit alone keys nothing per client", () => {
  const clock = fakeClock();
  const limiter = createMemoryRateLimiter({
    limits: { client: undefined, global: { perMinute: 60, capacity: 2 } },
    clock,
    maxClients: 100_000,
  });
  assert.ok(allowed(take(limiter, "a")));
  assert.ok(allowed(take(limiter, "b")));
  assert.equal(take(limiter, "c").allowed, false);
  assert.equal(limiter.size(), 0);
});

test("remembers at most maxClients buckets, forgetting the least recently used", () => {
  const clock = fakeClock();
  const limiter = createMemoryRateLimiter({
    limits: { client: { perMinute: 1, capacity: 1 }, global: undefined },
    clock,
    maxClients: 2,
  });
  assert.ok(allowed(take(limiter, "a")));
  assert.ok(allowed(take(limiter, "b")));
  assert.equal(allowed(take(limiter, "a")), false, "a refused: its bucket is not touched (no refresh)");
  assert.ok(allowed(take(limiter, "c")), "c evicts a, the least recently admitted");
  assert.equal(limiter.size(), 2);
  assert.equal(allowed(take(limiter, "b")), false, "b is still remembered");
  assert.ok(allowed(take(limiter, "a")), "a was forgotten and starts full");
});

test("fractional rates refill slowly but exactly", () => {
  const clock = fakeClock();
  const limiter = createMemoryRateLimiter({
    limits: { client: { perMinute: 0.5, capacity: 1 }, global: undefined },
    clock,
    maxClients: 100_000,
  });
  assert.ok(allowed(take(limiter, "a")));
  assert.deepEqual(take(limiter, "a"), { allowed: false, scope: "client", retryAfterMs: 120_000 });
  clock.advance(119_999);
  assert.equal(allowed(take(limiter, "a")), false);
  clock.advance(1);
  assert.ok(allowed(take(limiter, "a")));
});

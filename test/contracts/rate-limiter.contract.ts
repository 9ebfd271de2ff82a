// The RateLimiter contract: every adapter registers these tests through a factory of fresh, namespaced
// limiters. Real time, so rates are high and bounds generous.
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { RateDecision, RateLimiter, RateLimits } from "../../src/ports/rate-limiter.ts";

export interface RateLimiterFixture {
  limiter: RateLimiter;
  cleanup(): Promise<void>;
}

/** A fresh limiter with these limits; two namespaces must not share buckets (for Redis: two key prefixes). */
export type RateLimiterFactory = (limits: RateLimits, namespace: string) => Promise<RateLimiterFixture>;

/** Slow enough that nothing refills during a test. */
const NO_REFILL = 1;

export function rateLimiterContract(name: string, factory: RateLimiterFactory): void {
  const open = async (t: TestContext, limits: RateLimits, namespace: string) => {
    const fixture = await factory(limits, namespace);
    t.after(() => fixture.cleanup());
    return fixture.limiter;
  };
  const takeN = async (limiter: RateLimiter, key: string, n: number) => {
    const decisions: RateDecision[] = [];
    for (let i = 0; i < n; i++) decisions.push(await limiter.take(key));
    return decisions;
  };

  describe(`RateLimiter contract: ${name}`, () => {
    test("a client gets its burst, then a refusal with a retry-after; a token is back after it", async (t) => {
      // 600 per minute: one token per 100 ms.
      const limiter = await open(t, { client: { perMinute: 600, capacity: 3 }, global: undefined }, "refill");
      const burst = await takeN(limiter, "a", 3);
      assert.ok(burst.every((d) => d.allowed));
      const refused = await limiter.take("a");
      assert.equal(refused.allowed, false);
      if (refused.allowed) return;
      assert.equal(refused.scope, "client");
      assert.ok(refused.retryAfterMs >= 1 && refused.retryAfterMs <= 100, `retryAfterMs ${refused.retryAfterMs}`);
      await delay(refused.retryAfterMs + 30);
      assert.ok((await limiter.take("a")).allowed, "a token after the retry-after");
    });

    test("clients have their own buckets", async (t) => {
      const limiter = await open(t, { client: { perMinute: NO_REFILL, capacity: 2 }, global: undefined }, "clients");
      assert.ok((await takeN(limiter, "a", 2)).every((d) => d.allowed));
      assert.equal((await limiter.take("a")).allowed, false);
      assert.ok((await takeN(limiter, "b", 2)).every((d) => d.allowed));
    });

    test("the global bucket caps all clients; a refusal takes nothing from the client's bucket", async (t) => {
      const limits = { client: { perMinute: NO_REFILL, capacity: 2 }, global: { perMinute: NO_REFILL, capacity: 3 } };
      const limiter = await open(t, limits, "global");
      assert.ok((await limiter.take("a")).allowed);
      assert.ok((await limiter.take("b")).allowed);
      assert.ok((await limiter.take("c")).allowed);
      const refused = await limiter.take("a");
      assert.equal(refused.allowed, false);
      assert.equal(!refused.allowed && refused.scope, "global");
      assert.ok(!refused.allowed && refused.retryAfterMs > 1_000, "the wait of the slow global bucket");
    });

    test("a refusal by the global bucket leaves the client's token in place", async (t) => {
      // Global refills every 100 ms; clients practically never.
      const limits = { client: { perMinute: NO_REFILL, capacity: 1 }, global: { perMinute: 600, capacity: 1 } };
      const limiter = await open(t, limits, "all-or-nothing");
      assert.ok((await limiter.take("b")).allowed);
      const refused = await limiter.take("a");
      assert.equal(!refused.allowed && refused.scope, "global");
      await delay(150);
      assert.ok((await limiter.take("a")).allowed, "a's only token was not spent by the refusal");
    });

    test("concurrent takes never admit more than the bucket holds", async (t) => {
      const limiter = await open(t, { client: { perMinute: NO_REFILL, capacity: 5 }, global: undefined }, "race");
      const decisions = await Promise.all(Array.from({ length: 20 }, () => limiter.take("a")));
      assert.equal(decisions.filter((d) => d.allowed).length, 5);
    });

    test("namespaces do not share buckets", async (t) => {
      const limits = { client: undefined, global: { perMinute: NO_REFILL, capacity: 1 } };
      const one = await open(t, limits, "ns-one");
      const two = await open(t, limits, "ns-two");
      assert.ok((await one.take("a")).allowed);
      assert.equal((await one.take("a")).allowed, false);
      assert.ok((await two.take("a")).allowed);
    });
  });
}

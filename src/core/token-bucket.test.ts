// Bucket arithmetic: refill by elapsed time up to the capacity, the wait for one token, defaults of burst.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bucketLimit, levelAt, msToFull, msUntilToken, refillPerMs } from "./token-bucket.ts";

const limit = { perMinute: 60, capacity: 5 }; // one token per second

test("a bucket never seen is full", () => {
  assert.equal(levelAt(undefined, limit, 1_000), 5);
});

test("refills by the elapsed time, never past the capacity", () => {
  const state = { tokens: 0, updatedAt: 10_000 };
  assert.equal(levelAt(state, limit, 10_000), 0);
  assert.equal(levelAt(state, limit, 10_500), 0.5);
  assert.equal(levelAt(state, limit, 13_000), 3);
  assert.equal(levelAt(state, limit, 60_000), 5);
});

test("a clock that went back refills nothing and takes nothing", () => {
  assert.equal(levelAt({ tokens: 2, updatedAt: 10_000 }, limit, 9_000), 2);
});

test("the wait for a token is rounded up to whole milliseconds, and zero with a token at hand", () => {
  assert.equal(msUntilToken(1, limit), 0);
  assert.equal(msUntilToken(3.2, limit), 0);
  assert.equal(msUntilToken(0, limit), 1_000);
  assert.equal(msUntilToken(0.25, limit), 750);
  const slow = { perMinute: 7, capacity: 1 };
  assert.equal(msUntilToken(0, slow), Math.ceil(60_000 / 7));
  // After waiting exactly that long, the bucket holds a whole token.
  assert.ok(levelAt({ tokens: 0, updatedAt: 0 }, slow, msUntilToken(0, slow)) >= 1);
});

test("time to refill from empty, and the rate per millisecond", () => {
  assert.equal(refillPerMs({ perMinute: 600, capacity: 1 }), 0.01);
  assert.equal(msToFull(limit), 5_000);
});

test("burst defaults to the per-minute rate rounded up, at least one token", () => {
  assert.deepEqual(bucketLimit(100, 20), { perMinute: 100, capacity: 20 });
  assert.deepEqual(bucketLimit(100, undefined), { perMinute: 100, capacity: 100 });
  assert.deepEqual(bucketLimit(0.5, undefined), { perMinute: 0.5, capacity: 1 });
  assert.deepEqual(bucketLimit(2.5, undefined), { perMinute: 2.5, capacity: 3 });
});

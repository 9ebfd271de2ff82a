// The fallback limiter with stand-ins: memory while the connection is not ready or a command fails, Redis again
// once it answers, and each switch logged once however many calls go through.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRecordingLogger } from "../../../test/helpers/recording-logger.ts";
import type { RateDecision, RateLimiter } from "../../ports/rate-limiter.ts";
import { rateLimiterWithFallback } from "./fallback-rate-limiter.ts";

const REFUSED: RateDecision = { allowed: false, scope: "client", retryAfterMs: 5 };

function standIns() {
  const state = { status: "ready", failing: false, primaryCalls: 0, memoryCalls: 0 };
  const primary: RateLimiter = {
    take: async () => {
      state.primaryCalls++;
      if (state.failing) throw new Error("LOADING Redis is loading the dataset in memory");
      return { allowed: true };
    },
    close: async () => {},
  };
  const memory: RateLimiter = {
    take: () => {
      state.memoryCalls++;
      return REFUSED;
    },
    close: async () => {},
  };
  return { state, primary, memory };
}

test("uses Redis while ready, memory while not; each switch is logged once", async () => {
  const { state, primary, memory } = standIns();
  const logger = createRecordingLogger();
  const { lines } = logger;
  const limiter = rateLimiterWithFallback({ primary, memory, connection: state as { status: "ready" }, logger });
  assert.deepEqual(await limiter.take("a"), { allowed: true });
  assert.equal(limiter.status(), "shared");
  state.status = "reconnecting";
  for (let i = 0; i < 5; i++) assert.deepEqual(await limiter.take("a"), REFUSED);
  assert.equal(limiter.status(), "local");
  assert.equal(state.primaryCalls, 1, "no Redis call while the connection is down");
  state.status = "ready";
  for (let i = 0; i < 5; i++) assert.deepEqual(await limiter.take("a"), { allowed: true });
  assert.deepEqual(
    lines.map((l) => l.level),
    ["warn", "info"],
  );
});

test("a command failing on a live connection is answered from memory, logged once until Redis answers again", async () => {
  const { state, primary, memory } = standIns();
  const logger = createRecordingLogger();
  const { lines } = logger;
  const limiter = rateLimiterWithFallback({ primary, memory, connection: state as { status: "ready" }, logger });
  state.failing = true;
  for (let i = 0; i < 5; i++) assert.deepEqual(await limiter.take("a"), REFUSED);
  assert.equal(state.primaryCalls, 5, "Redis is still asked: it may answer the next one");
  assert.equal(state.memoryCalls, 5);
  state.failing = false;
  assert.deepEqual(await limiter.take("a"), { allowed: true });
  assert.deepEqual(
    lines.map((l) => l.level),
    ["warn", "info"],
  );
});

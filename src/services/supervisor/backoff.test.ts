import assert from "node:assert/strict";
import { it } from "node:test";
import { restartDelayMs } from "./backoff.ts";

const policy = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, maxRestarts: 5, resetAfterMs: 60_000 };

it("grows exponentially, stays within [base/2, base] and caps at maxDelayMs", () => {
  assert.equal(
    restartDelayMs(policy, 1, () => 1),
    100,
  );
  assert.equal(
    restartDelayMs(policy, 1, () => 0),
    50,
  );
  assert.equal(
    restartDelayMs(policy, 3, () => 1),
    400,
  );
  assert.equal(
    restartDelayMs(policy, 10, () => 1),
    1000,
  );
  assert.equal(
    restartDelayMs(policy, 10, () => 0),
    500,
  );
});

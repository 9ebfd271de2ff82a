// A call's deadline on a fake clock: what is left of it, its signal aborting at the hard maximum or at the
// client's cancellation (telling which), and its end letting go of the timer and of the client's signal.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../test/helpers/fake-clock.ts";
import { callDeadline } from "./deadline.ts";

describe("call deadline", () => {
  it("counts down from maxCallMs and aborts its signal when it runs out", async () => {
    const clock = new FakeClock();
    const deadline = callDeadline(clock, 1_000, new AbortController().signal);
    await clock.advance(400);
    assert.equal(deadline.remainingMs(), 600);
    assert.equal(deadline.expired(), false);
    assert.equal(deadline.signal.aborted, false);
    await clock.advance(600);
    assert.equal(deadline.signal.aborted, true);
    assert.deepEqual([deadline.remainingMs(), deadline.expired(), deadline.cancelled()], [0, true, false]);
  });

  it("aborts its signal at once when the client cancels, and says so", () => {
    const clock = new FakeClock();
    const client = new AbortController();
    const deadline = callDeadline(clock, 1_000, client.signal);
    client.abort();
    assert.equal(deadline.signal.aborted, true);
    assert.deepEqual([deadline.cancelled(), deadline.expired()], [true, false]);
    const late = callDeadline(clock, 1_000, client.signal);
    assert.equal(late.signal.aborted, true, "a call already cancelled starts aborted");
  });

  it("once ended, holds no timer and no longer follows the client's signal", () => {
    const clock = new FakeClock();
    const client = new AbortController();
    const deadline = callDeadline(clock, 1_000, client.signal);
    assert.equal(clock.pending, 1);
    deadline.end();
    assert.equal(clock.pending, 0);
    client.abort();
    assert.equal(deadline.signal.aborted, false);
  });
});

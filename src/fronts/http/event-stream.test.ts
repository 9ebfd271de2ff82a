// A stream's recorded events and the replica-wide replay budget: a released stream (its session ended) records
// nothing more, so a call that finishes after its session closed cannot charge the budget for good.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReplayBudget } from "../../services/router/replay-budget.ts";
import { EventStream, SessionStreams } from "./event-stream.ts";

describe("EventStream and the replay budget", () => {
  it("charges recorded events and frees them on release", () => {
    const budget = new ReplayBudget(1024 * 1024);
    const stream = new EventStream(budget);
    stream.write('{"jsonrpc":"2.0","method":"notifications/progress"}');
    assert.ok(budget.bytes > 0);
    stream.release();
    assert.equal(budget.bytes, 0);
  });

  it("a stream finishing after its session's streams were closed charges nothing", () => {
    const budget = new ReplayBudget(1024 * 1024);
    const streams = new SessionStreams(budget);
    const stream = streams.create();
    stream.write('{"jsonrpc":"2.0","method":"notifications/progress"}');
    streams.closeAll(); // the session ended while its call was still running
    stream.finish('{"jsonrpc":"2.0","id":1,"result":{}}');
    assert.equal(budget.bytes, 0, "the final response is not recorded for a stream no one can resume");
  });
});

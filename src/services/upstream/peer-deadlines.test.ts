// A call's two clocks in the peer, on a fake clock and a linked in-memory connection: the call timeout starts
// over with each progress notification, the hard maximum of the call's deadline ends it whatever progress comes,
// and a call given up (timeout or the client's cancellation) is cancelled upstream with notifications/cancelled.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../../test/helpers/fake-clock.ts";
import { linkedConnection } from "../../../test/helpers/fake-clock-connection.ts";
import { type CallDeadline, callDeadline } from "../../core/deadline.ts";
import type { SwitchboardError } from "../../core/errors.ts";
import type { JsonRpcNotification, JsonRpcRequest } from "../../core/jsonrpc.ts";
import { UpstreamPeer } from "./upstream-peer.ts";

const call: JsonRpcRequest = {
  jsonrpc: "2.0",
  id: "caller-7",
  method: "tools/call",
  params: { name: "slow", arguments: {}, _meta: { progressToken: "mine" } },
};

function setUp() {
  const clock = new FakeClock();
  const { connection, server } = linkedConnection();
  const peer = new UpstreamPeer("fake", connection, { onNotification() {}, onRequest: async () => ({}) }, clock);
  const progress: JsonRpcNotification[] = [];
  const send = (options: { timeoutMs: number; deadline?: CallDeadline }) => {
    const outcome = peer
      .request(call, { ...options, onNotification: (n) => progress.push(n) })
      .then((response) => ({ response }))
      .catch((error: SwitchboardError) => ({ error }));
    const sent = server.requests("tools/call").at(-1) as JsonRpcRequest;
    const tick = (n: number) =>
      server.send({
        jsonrpc: "2.0",
        method: "notifications/progress",
        params: { progressToken: sent.id, progress: n },
      });
    return { outcome, sent, tick };
  };
  const cancelled = () =>
    server.received.flatMap((m) => ("method" in m && m.method === "notifications/cancelled" ? [m.params] : []));
  return { clock, server, send, progress, cancelled };
}

describe("peer deadlines on a fake clock", () => {
  it("progress restarts the call timeout; silence for timeoutMs after the last progress ends the call", async () => {
    const { clock, send, progress, cancelled } = setUp();
    const { outcome, sent, tick } = send({ timeoutMs: 1_000 });
    let settled = false;
    void outcome.then(() => (settled = true));
    for (let n = 1; n <= 5; n++) {
      await clock.advance(900);
      tick(n);
    }
    await clock.advance(999);
    assert.equal(settled, false, "4.5 s into a 1 s timeout, still running: progress kept it alive");
    assert.deepEqual(
      progress.map((p) => p.params?.progressToken),
      ["mine", "mine", "mine", "mine", "mine"],
      "progress reaches the caller under its own token",
    );
    await clock.advance(1);
    const { error } = (await outcome) as { error: SwitchboardError };
    assert.equal(error.code, "timeout");
    assert.equal(error.data?.hard, false);
    assert.equal(error.data?.mayHaveRun, true);
    assert.deepEqual(cancelled(), [{ requestId: sent.id, reason: "timeout" }]);
  });

  it("the hard maximum of the call's deadline ends it even while progress keeps coming", async () => {
    const { clock, send, cancelled } = setUp();
    const deadline = callDeadline(clock, 2_500, new AbortController().signal);
    const { outcome, sent, tick } = send({ timeoutMs: 1_000, deadline });
    let settled = false;
    void outcome.then(() => (settled = true));
    for (let n = 1; n <= 4; n++) {
      await clock.advance(600);
      tick(n);
    }
    assert.equal(settled, false, "2.4 s in: within the hard maximum");
    await clock.advance(100);
    const { error } = (await outcome) as { error: SwitchboardError };
    assert.equal(error.code, "timeout");
    assert.deepEqual(error.data, { server: "fake", timeoutMs: 2_500, hard: true, mayHaveRun: true });
    assert.deepEqual(cancelled(), [{ requestId: sent.id, reason: "timeout" }]);
    assert.equal(deadline.remainingMs(), 0);
  });

  it("a request whose deadline has run out is not sent", async () => {
    const { clock, server, send } = setUp();
    const deadline = callDeadline(clock, 1_000, new AbortController().signal);
    await clock.advance(1_000);
    const { error } = (await send({ timeoutMs: 1_000, deadline }).outcome) as { error: SwitchboardError };
    assert.equal(error.code, "timeout");
    assert.deepEqual(error.data, { server: "fake", timeoutMs: 1_000, hard: true });
    assert.equal(server.requests("tools/call").length, 0);
  });

  it("the client's cancellation ends the call at once and is sent upstream", async () => {
    const { clock, send, cancelled } = setUp();
    const client = new AbortController();
    const deadline = callDeadline(clock, 60_000, client.signal);
    const { outcome, sent } = send({ timeoutMs: 30_000, deadline });
    await clock.advance(5_000);
    client.abort();
    const { error } = (await outcome) as { error: SwitchboardError };
    assert.equal(error.code, "cancelled");
    assert.deepEqual(cancelled(), [{ requestId: sent.id, reason: "cancelled by the client" }]);
    assert.equal(deadline.cancelled(), true);
    deadline.end();
    assert.equal(clock.pending, 0, "no timer left behind");
  });
});

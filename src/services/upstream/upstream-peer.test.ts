// The peer's side of server-initiated requests when the server goes away, over a fake connection that throws
// from send() once closed (as a stdio connection does): the pending request is withdrawn with the reason, a
// late answer or a late failure is dropped without a throw or an unhandled rejection, and a message whose
// handling throws is reported instead of escaping into the connection's stream handler.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { JsonRpcMessage } from "../../core/jsonrpc.ts";
import { systemClock } from "../../ports/clock.ts";
import type { ConnectionClosed, UpstreamConnection } from "../../ports/connector.ts";
import type { PeerHooks, ServerRequestAnswer } from "./peer-types.ts";
import { UpstreamPeer } from "./upstream-peer.ts";

class FakeConnection implements UpstreamConnection {
  readonly pid = undefined;
  onMessage: (message: JsonRpcMessage) => void = () => {};
  onClose: (closed: ConnectionClosed) => void = () => {};
  readonly sent: JsonRpcMessage[] = [];
  closed = false;
  send(message: JsonRpcMessage): void {
    if (this.closed) throw new Error("server fake is not running");
    this.sent.push(message);
  }
  async close(): Promise<void> {}
  stderrTail(): readonly string[] {
    return [];
  }
}

const EXITED: ConnectionClosed = { reason: "exited with code 3", requested: false, stderrTail: [] };
const ask = (id: string): JsonRpcMessage => ({ jsonrpc: "2.0", id, method: "elicitation/create", params: {} });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("UpstreamPeer, server requests outliving the server", () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(() => process.on("unhandledRejection", onUnhandled));
  after(() => process.off("unhandledRejection", onUnhandled));

  function setUp(answer: (signal: AbortSignal) => Promise<ServerRequestAnswer>) {
    const connection = new FakeConnection();
    const signals: AbortSignal[] = [];
    const errors: string[] = [];
    const hooks: PeerHooks = {
      onNotification: () => {
        throw new Error("notification handler failed");
      },
      onRequest: (_request, _calls, signal) => {
        signals.push(signal);
        return answer(signal);
      },
      onError: (error, what) => errors.push(`${what}: ${(error as Error).message}`),
    };
    const peer = new UpstreamPeer("fake", connection, hooks, systemClock);
    return { connection, peer, signals, errors };
  }

  it("withdraws the request when the connection ends, and drops the late answer", async () => {
    let answerLate: (answer: ServerRequestAnswer) => void = () => {};
    const { connection, peer, signals } = setUp(() => new Promise((resolve) => (answerLate = resolve)));
    connection.onMessage(ask("srv-1"));
    connection.closed = true;
    peer.connectionClosed(EXITED);
    assert.equal(signals[0]?.aborted, true);
    assert.equal(signals[0]?.reason, "server fake exited with code 3");
    answerLate({ result: { action: "accept" } });
    await tick();
    assert.deepEqual(connection.sent, [], "nothing could be sent to the gone server");
    assert.deepEqual(unhandled, []);
  });

  it("drops a failure (the answer timeout) that comes after the connection ended", async () => {
    let failLate: (error: Error) => void = () => {};
    const { connection, peer } = setUp(() => new Promise((_resolve, reject) => (failLate = reject)));
    connection.onMessage(ask("srv-2"));
    connection.closed = true;
    peer.connectionClosed(EXITED);
    failLate(new Error("the client did not answer in time"));
    await tick();
    assert.deepEqual(unhandled, []);
  });

  it("ignores a request read after the connection ended", async () => {
    const { connection, peer, signals } = setUp(() => Promise.resolve({ result: {} }));
    connection.closed = true;
    peer.connectionClosed(EXITED);
    connection.onMessage(ask("srv-3"));
    connection.onMessage({ jsonrpc: "2.0", id: "srv-4", method: "ping" });
    await tick();
    assert.equal(signals.length, 0, "nobody is asked on behalf of a gone server");
    assert.deepEqual(unhandled, []);
  });

  it("reports a message whose handling throws instead of throwing into the connection", () => {
    const { connection, errors } = setUp(() => Promise.resolve({ result: {} }));
    assert.doesNotThrow(() => connection.onMessage({ jsonrpc: "2.0", method: "notifications/tools/list_changed" }));
    assert.deepEqual(errors, [
      "handling notifications/tools/list_changed from server fake: notification handler failed",
    ]);
  });
});

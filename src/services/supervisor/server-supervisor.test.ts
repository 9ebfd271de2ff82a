// The supervisor's timing logic on a fake clock and a fake connector: idle stop after an explicit start, and
// spawn failures that are the gateway's own (out of file descriptors) not counted against the server.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { spawnFailure } from "../../adapters/upstream/spawn-failure.ts";
import { parseConfig } from "../../config/load.ts";
import type { SwitchboardError } from "../../core/errors.ts";
import { EventBus } from "../../core/events.ts";
import type { JsonRpcMessage } from "../../core/jsonrpc.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { Clock, TimerHandle } from "../../ports/clock.ts";
import type { ConnectionClosed, Connector, UpstreamConnection } from "../../ports/connector.ts";
import type { Logger } from "../../ports/logger.ts";
import { ServerSupervisor } from "./server-supervisor.ts";

/** A clock that moves only when told to; due timers fire in order. */
function fakeClock() {
  let now = 1_000_000;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 0;
  const clock: Clock & { advance(ms: number): void } = {
    now: () => now,
    setTimeout(fn, ms): TimerHandle {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return { cancel: () => (timers = timers.filter((t) => t.id !== id)) };
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = until;
    },
  };
  return clock;
}

/** A connection that answers initialize at once and closes when asked. */
function fakeConnection(): UpstreamConnection {
  const connection: UpstreamConnection = {
    pid: 4242,
    onMessage: () => {},
    onClose: () => {},
    send(message: JsonRpcMessage) {
      if (!("id" in message) || !("method" in message) || message.method !== "initialize") return;
      const result = { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "fake", version: "1" } };
      queueMicrotask(() => connection.onMessage({ jsonrpc: "2.0", id: message.id, result }));
    },
    async close() {
      const closed: ConnectionClosed = { reason: "closed", requested: true, stderrTail: [] };
      connection.onClose(closed);
    },
    stderrTail: () => [],
  };
  return connection;
}

const silent: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child: () => silent,
  isLevelEnabled: () => false,
};

function specOf(entry: Record<string, unknown>): ServerSpec {
  const config = parseConfig(JSON.stringify({ servers: { x: { command: "fake", ...entry } } }), undefined);
  return config.servers[0] as ServerSpec;
}

function supervise(spec: ServerSpec, connector: Connector, clock = fakeClock(), logger = silent) {
  const events = new EventBus();
  const states: string[] = [];
  events.on("server-state", ({ to }) => states.push(to));
  const supervisor = new ServerSupervisor(spec, {
    connector,
    clock,
    events,
    logger,
    hooks: { onNotification() {}, onRequest: async () => ({}) },
    scope: { detached: (fn) => fn() },
    onReady() {},
  });
  return { supervisor, clock, states, events };
}

const fakeConnector = (): Connector => ({ open: async () => fakeConnection() });

describe("server supervisor: idle clock", () => {
  it("an explicit start after a long idle keeps the server up for idleTimeoutMs from the start", async () => {
    const { supervisor, clock } = supervise(
      specOf({ idleTimeoutMs: 5_000, healthCheckIntervalMs: 0 }),
      fakeConnector(),
    );
    await supervisor.start();
    (await supervisor.acquire()).release(); // a call: the last client activity of this run
    clock.advance(6_000);
    await supervisor.stop("requested"); // already asleep for idleness or not: asleep now either way
    assert.equal(supervisor.currentState, "asleep");
    clock.advance(60_000);
    await supervisor.start();
    assert.equal(supervisor.currentState, "ready");
    await new Promise((r) => setImmediate(r));
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    assert.equal(supervisor.currentState, "ready", "not stopped for idleness right after the explicit start");
    clock.advance(4_998);
    assert.equal(supervisor.currentState, "ready", "still within idleTimeoutMs of the start");
    clock.advance(2);
    await new Promise((r) => setImmediate(r));
    assert.equal(supervisor.currentState, "asleep", "stopped idleTimeoutMs after the start");
  });

  it("a call after a long idle restarts the server, and the idle clock counts from its end", async () => {
    const { supervisor, clock } = supervise(
      specOf({ idleTimeoutMs: 5_000, healthCheckIntervalMs: 0 }),
      fakeConnector(),
    );
    (await supervisor.acquire()).release();
    clock.advance(5_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(supervisor.currentState, "asleep");
    clock.advance(60_000);
    const lease = await supervisor.acquire();
    clock.advance(10_000); // a long call: never stopped while in flight
    lease.release();
    clock.advance(4_999);
    assert.equal(supervisor.currentState, "ready");
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    assert.equal(supervisor.currentState, "asleep");
  });
});

describe("server supervisor: the gateway out of file descriptors", () => {
  it("an EMFILE spawn failure counts nothing against the server: asleep, no backoff, the next start runs", async () => {
    let exhausted = true;
    const emfile = Object.assign(new Error("spawn node EMFILE"), { code: "EMFILE" });
    const connector: Connector = {
      open: async () => {
        if (exhausted) throw spawnFailure(emfile, "x", { command: "node", cwd: "/" }, "/usr/bin");
        return fakeConnection();
      },
    };
    const { supervisor, states } = supervise(
      specOf({ healthCheckIntervalMs: 0, restart: { maxRestarts: 1 } }),
      connector,
    );
    for (let i = 0; i < 3; i++) {
      await assert.rejects(supervisor.acquire(), (error: SwitchboardError) => error.code === "resources_exhausted");
      assert.equal(supervisor.currentState, "asleep");
    }
    assert.equal(supervisor.status().consecutiveFailures, 0);
    assert.ok(!states.includes("backoff") && !states.includes("failed"), states.join(" "));
    exhausted = false;
    (await supervisor.acquire()).release();
    assert.equal(supervisor.currentState, "ready");
  });
});

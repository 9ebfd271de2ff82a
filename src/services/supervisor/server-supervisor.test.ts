// The supervisor's timing logic on a fake clock and linked in-memory connections: idle stop (never with a call
// in flight, never postponed nor caused by health pings), restart backoff and the restart limit, and spawn
// failures that are the gateway's own (out of file descriptors) not counted against the server.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../../test/helpers/fake-clock.ts";
import { linkedConnector } from "../../../test/helpers/fake-clock-connection.ts";
import { spawnFailure } from "../../adapters/upstream/spawn-failure.ts";
import { parseConfig } from "../../config/load.ts";
import type { SwitchboardError } from "../../core/errors.ts";
import { EventBus } from "../../core/events.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { Connector } from "../../ports/connector.ts";
import { ServerSupervisor } from "./server-supervisor.ts";

function specOf(entry: Record<string, unknown>): ServerSpec {
  const config = parseConfig(JSON.stringify({ servers: { x: { command: "fake", ...entry } } }), undefined);
  return config.servers[0] as ServerSpec;
}

function supervise(spec: ServerSpec, connector: Connector = linkedConnector()) {
  const clock = new FakeClock();
  const events = new EventBus();
  const states: string[] = [];
  events.on("server-state", ({ to }) => states.push(to));
  const supervisor = new ServerSupervisor(spec, {
    connector,
    clock,
    events,
    hooks: { onNotification() {}, onRequest: async () => ({}) },
    scope: { detached: (fn) => fn() },
    onReady() {},
  });
  return { supervisor, clock, states, events };
}

describe("server supervisor: idle clock", () => {
  it("an explicit start after a long idle keeps the server up for idleTimeoutMs from the start", async () => {
    const { supervisor, clock } = supervise(specOf({ idleTimeoutMs: 5_000, healthCheckIntervalMs: 0 }));
    await supervisor.start();
    (await supervisor.acquire()).release(); // a call: the last client activity of this run
    await clock.advance(6_000);
    await supervisor.stop("requested"); // already asleep for idleness or not: asleep now either way
    assert.equal(supervisor.currentState, "asleep");
    await clock.advance(60_000);
    await supervisor.start();
    assert.equal(supervisor.currentState, "ready");
    await clock.advance(1);
    assert.equal(supervisor.currentState, "ready", "not stopped for idleness right after the explicit start");
    await clock.advance(4_998);
    assert.equal(supervisor.currentState, "ready", "still within idleTimeoutMs of the start");
    await clock.advance(2);
    assert.equal(supervisor.currentState, "asleep", "stopped idleTimeoutMs after the start");
  });

  it("a call after a long idle restarts the server, and the idle clock counts from its end", async () => {
    const { supervisor, clock } = supervise(specOf({ idleTimeoutMs: 5_000, healthCheckIntervalMs: 0 }));
    (await supervisor.acquire()).release();
    await clock.advance(5_000);
    assert.equal(supervisor.currentState, "asleep");
    await clock.advance(60_000);
    const lease = await supervisor.acquire();
    await clock.advance(10_000); // a long call: never stopped while in flight
    assert.equal(supervisor.currentState, "ready", "not stopped with a call in flight");
    lease.release();
    await clock.advance(4_999);
    assert.equal(supervisor.currentState, "ready");
    await clock.advance(1);
    assert.equal(supervisor.currentState, "asleep");
  });

  it("a call in flight holds the server up however long it runs, and its end restarts the idle clock", async () => {
    const { supervisor, clock, states } = supervise(specOf({ idleTimeoutMs: 1_000, healthCheckIntervalMs: 0 }));
    const lease = await supervisor.acquire();
    for (let i = 0; i < 10; i++) await clock.advance(1_000);
    assert.equal(supervisor.currentState, "ready", states.join(" "));
    assert.equal(supervisor.callsInFlight, 1);
    await clock.advance(500);
    lease.release();
    await clock.advance(999);
    assert.equal(supervisor.currentState, "ready", "idle for less than idleTimeoutMs since the call ended");
    await clock.advance(1);
    assert.equal(supervisor.currentState, "asleep");
  });
});

describe("server supervisor: health checks", () => {
  it("pings never postpone the idle stop, and never wake an asleep server", async () => {
    const connector = linkedConnector();
    const { supervisor, clock } = supervise(specOf({ idleTimeoutMs: 3_000, healthCheckIntervalMs: 500 }), connector);
    (await supervisor.acquire()).release();
    await clock.advance(2_999);
    assert.ok(connector.last().requests("ping").length >= 5, "pings went out while idle");
    assert.equal(supervisor.currentState, "ready");
    await clock.advance(1);
    assert.equal(supervisor.currentState, "asleep", "stopped idleTimeoutMs after the call, pings or not");
    const pings = connector.last().requests("ping").length;
    await clock.advance(60_000);
    assert.equal(supervisor.currentState, "asleep", "no ping woke it");
    assert.equal(connector.opened.length, 1, "no second connection");
    assert.equal(connector.last().requests("ping").length, pings, "no ping after the stop");
  });

  it("two failed pings in a row restart the server after a backoff", async () => {
    const connector = linkedConnector();
    const spec = specOf({
      lifecycle: "always",
      healthCheckIntervalMs: 1_000,
      restart: { initialDelayMs: 100, maxDelayMs: 100, maxRestarts: 3 },
    });
    const { supervisor, clock, states } = supervise(spec, connector);
    await supervisor.start();
    connector.last().answerPings = false;
    // Pings go out every 1 s and time out after 1 s: the first fails at 2 s, the second at 4 s.
    await clock.advance(3_999);
    assert.equal(supervisor.currentState, "ready", "one failed ping is not enough");
    await clock.advance(1);
    assert.equal(supervisor.currentState, "backoff", states.join(" "));
    await clock.advance(100);
    assert.equal(supervisor.currentState, "ready", "an `always` server starts again after the backoff");
    assert.equal(connector.opened.length, 2);
    assert.equal(supervisor.status().restarts, 1);
  });
});

describe("server supervisor: restart backoff and limit", () => {
  const restart = { initialDelayMs: 1_000, maxDelayMs: 60_000, multiplier: 2, maxRestarts: 2, resetAfterMs: 30_000 };

  it("a crash waits out a jittered, growing backoff before the next start; past maxRestarts it is failed", async () => {
    const connector = linkedConnector();
    const { supervisor, clock, states } = supervise(specOf({ healthCheckIntervalMs: 0, restart }), connector);
    (await supervisor.acquire()).release();
    connector.last().end();
    await clock.advance(0);
    assert.equal(supervisor.currentState, "backoff");
    const first = clock.nextIn() as number;
    assert.ok(first >= 500 && first <= 1_000, `first delay ${first} within [initial/2, initial]`);
    // A call waits for the end of the backoff, then starts the server.
    let started = false;
    const waiting = supervisor.acquire().then((lease) => {
      started = true;
      lease.release();
    });
    await clock.advance(first - 1);
    assert.equal(started, false, "nothing starts during the backoff");
    await clock.advance(1);
    await waiting;
    assert.equal(supervisor.currentState, "ready");
    assert.equal(connector.opened.length, 2);
    connector.last().end();
    await clock.advance(0);
    const second = clock.nextIn() as number;
    assert.ok(second >= 1_000 && second <= 2_000, `second delay ${second} within [2×initial/2, 2×initial]`);
    await clock.advance(second);
    (await supervisor.acquire()).release();
    connector.last().end();
    await clock.advance(0);
    assert.equal(supervisor.currentState, "failed", states.join(" "));
    await assert.rejects(supervisor.acquire(), (error: SwitchboardError) => error.code === "server_failed");
    assert.equal(connector.opened.length, 3, "a failed server is not started by calls");
    await supervisor.start(); // an explicit start revives it
    assert.equal(supervisor.currentState, "ready");
    assert.equal(supervisor.status().consecutiveFailures, 0);
  });

  it("a run that lasted resetAfterMs starts the failure count over", async () => {
    const connector = linkedConnector();
    const { supervisor, clock } = supervise(specOf({ healthCheckIntervalMs: 0, idleTimeoutMs: 0, restart }), connector);
    for (let crash = 1; crash <= 4; crash++) {
      (await supervisor.acquire()).release();
      await clock.advance(30_000);
      connector.last().end();
      await clock.advance(0);
      assert.equal(supervisor.currentState, "backoff", `crash ${crash} after a long run is the first in a row`);
      assert.equal(supervisor.status().consecutiveFailures, 1);
      await clock.advance(clock.nextIn() as number);
    }
  });
});

describe("server supervisor: the gateway out of file descriptors", () => {
  it("an EMFILE spawn failure counts nothing against the server: asleep, no backoff, the next start runs", async () => {
    let exhausted = true;
    const emfile = Object.assign(new Error("spawn node EMFILE"), { code: "EMFILE" });
    const linked = linkedConnector();
    const connector: Connector = {
      open: async (spec, signal) => {
        if (exhausted) throw spawnFailure(emfile, "x", { command: "node", cwd: "/" }, "/usr/bin");
        return linked.open(spec, signal);
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

// The sandbox members of a server's status: the confinement of the running connection (and only while it runs),
// and the configured profile in short, for stdio servers only.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../../test/helpers/fake-clock.ts";
import { linkedConnection } from "../../../test/helpers/fake-clock-connection.ts";
import { parseConfig } from "../../config/load.ts";
import { EventBus } from "../../core/events.ts";
import type { Confinement } from "../../core/sandbox.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { Connector } from "../../ports/connector.ts";
import { serverStatus } from "./server-status.ts";
import { ServerSupervisor } from "./server-supervisor.ts";

const CONFINEMENT: Confinement = {
  backend: "bubblewrap",
  requested: "auto",
  network: "none",
  filesystem: "allow-list",
  limits: { memoryBytes: { value: 67_108_864, by: "cgroup" } },
  user: "nobody",
  warnings: [],
};

function specOf(entry: Record<string, unknown>): ServerSpec {
  const config = parseConfig(JSON.stringify({ servers: { x: entry } }), undefined);
  return config.servers[0] as ServerSpec;
}

/** A connector whose connections report `confinement`, as the stdio connector does for a sandboxed launch. */
function confinedConnector(confinement: Confinement | undefined): Connector {
  return {
    async open() {
      const { connection } = linkedConnection();
      return Object.assign(connection, { confinement });
    },
  };
}

function supervise(spec: ServerSpec, connector: Connector): ServerSupervisor {
  return new ServerSupervisor(spec, {
    connector,
    clock: new FakeClock(),
    events: new EventBus(),
    hooks: { onNotification() {}, onRequest: async () => ({}) },
    scope: { detached: (fn) => fn() },
    onReady() {},
  });
}

describe("server status: sandbox", () => {
  it("reports the running connection's confinement, and null again once stopped", async () => {
    const spec = specOf({ command: "fake", healthCheckIntervalMs: 0, sandbox: { network: "none" } });
    const supervisor = supervise(spec, confinedConnector(CONFINEMENT));
    const asleep = supervisor.status();
    assert.equal(asleep.confinement, null, "a requested profile is not a confinement");
    assert.deepEqual(asleep.sandbox, { backend: "auto", network: "none" });
    await supervisor.start();
    const running = supervisor.status();
    assert.deepEqual(running.confinement, CONFINEMENT);
    assert.deepEqual(running.sandbox, { backend: "auto", network: "none" });
    await supervisor.stop("requested");
    assert.equal(supervisor.status().confinement, null, "the last confinement is not kept after a stop");
  });

  it("a server without a profile reports its unconfined profile; a connection that says nothing: null", async () => {
    const supervisor = supervise(specOf({ command: "fake", healthCheckIntervalMs: 0 }), confinedConnector(undefined));
    await supervisor.start();
    const status = supervisor.status();
    assert.equal(status.confinement, null);
    assert.deepEqual(status.sandbox, { backend: "none", network: "host" });
    await supervisor.close();
  });

  it("a remote server has neither", () => {
    const supervisor = supervise(specOf({ url: "https://example.com/mcp" }), confinedConnector(undefined));
    const status = supervisor.status();
    assert.equal(status.confinement, null);
    assert.equal(status.sandbox, null);
  });
});

describe("server status: process and times", () => {
  const known = {
    connection: { pid: 4242, confinement: undefined },
    inFlight: 1,
    lastClientActivity: Date.parse("2026-11-01T00:00:05Z"),
    startedAt: Date.parse("2026-11-01T00:00:00Z"),
    restarts: 2,
    consecutiveFailures: 1,
    lastError: "server x exited",
  };

  it("reports the process, its start time and the counters of a ready server", () => {
    const status = serverStatus(specOf({ command: "fake" }), { ...known, state: "ready" });
    assert.deepEqual(
      { pid: status.pid, startedAt: status.startedAt, lastActivity: status.lastActivity },
      { pid: 4242, startedAt: "2026-11-01T00:00:00.000Z", lastActivity: "2026-11-01T00:00:05.000Z" },
    );
    assert.deepEqual(
      { restarts: status.restarts, failures: status.consecutiveFailures, inFlight: status.inFlight },
      { restarts: 2, failures: 1, inFlight: 1 },
    );
    assert.equal(status.lastError, "server x exited");
  });

  it("reports no process nor start time once the server is no longer ready, but keeps its last activity", () => {
    const status = serverStatus(specOf({ command: "fake" }), { ...known, state: "backoff", lastError: undefined });
    assert.deepEqual(
      { pid: status.pid, startedAt: status.startedAt, lastError: status.lastError },
      { pid: null, startedAt: null, lastError: null },
    );
    assert.equal(status.lastActivity, "2026-11-01T00:00:05.000Z");
  });
});

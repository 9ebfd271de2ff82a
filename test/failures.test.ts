// Upstream failures against real processes: SIGKILL during a call, crash-looping servers held in `failed`,
// `always` servers restarted, stop escalation to SIGKILL of the whole process group.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  callTool,
  fixtureServer,
  isAlive,
  openSession,
  post,
  request,
  startTestGateway,
  waitUntil,
} from "./helpers/gateway.ts";

const pidOf = async (url: string, server: string) =>
  Number((await callTool(url, `${server}__pid`)).body.result.content[0].text);

describe("upstream failures", () => {
  it("SIGKILL during a call: the caller gets an error at once, others are unaffected, the next call respawns", async () => {
    // fx's call never answers and has no timeout to speak of: only noticing the kill can end it.
    const t = await startTestGateway({ fx: fixtureServer({}, { timeoutMs: 600_000 }), other: fixtureServer() });
    try {
      const otherSession = await openSession(`${t.url}/mcp`);
      const pid = await pidOf(t.url, "fx");
      const pending = callTool(t.url, "fx__hang");
      const otherCalls = Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          callTool(t.url, "other__sleep", { ms: 200 + i * 50 }, { "mcp-session-id": otherSession }),
        ),
      );
      await waitUntil(() => t.gateway.supervisor.get("fx").readyPeer?.inFlight === 1, 5_000, 5);
      process.kill(pid, "SIGKILL");
      const reply = await pending;
      assert.equal(reply.body.error.data.kind, "upstream_closed");
      assert.match(reply.body.error.message, /SIGKILL/);
      for (const other of await otherCalls) assert.ok(other.body.result, `other server failed: ${other.text}`);

      const again = await callTool(t.url, "fx__echo", { message: "back" });
      assert.equal(again.body.result.content[0].text, "back");
      const newPid = await pidOf(t.url, "fx");
      assert.notEqual(newPid, pid);
      assert.equal(t.gateway.supervisor.get("fx").status().restarts, 1);
    } finally {
      await t.close();
    }
  });

  it("a crash-looping server is held in `failed` after the restart limit and fails fast", async () => {
    const t = await startTestGateway({
      bad: fixtureServer(
        { FIXTURE_CRASH_ON_START: "1" },
        { restart: { initialDelayMs: 10, maxDelayMs: 20, maxRestarts: 2 } },
      ),
    });
    try {
      const kinds: string[] = [];
      for (let i = 0; i < 3; i++) kinds.push((await callTool(t.url, "bad__echo")).body.error?.data?.kind);
      assert.equal(t.gateway.supervisor.get("bad").currentState, "failed");
      const attempts: string[] = [];
      t.gateway.events.on("server-state", ({ to }) => attempts.push(to));
      const held = await post(`${t.url}/mcp/bad`, request("tools/call", { name: "echo", arguments: {} }));
      assert.equal(held.body.error.data.kind, "server_failed");
      assert.deepEqual(attempts, [], "failed servers answer without a start attempt");
      assert.match(held.body.error.message, /exited with code 3/);
    } finally {
      await t.close();
    }
  });

  it("an `always` server is restarted after it dies, without a call", async () => {
    const t = await startTestGateway({
      fx: fixtureServer({}, { lifecycle: "always", restart: { initialDelayMs: 20 } }),
    });
    try {
      const first = await pidOf(t.url, "fx");
      process.kill(first, "SIGKILL");
      await waitUntil(() => {
        const s = t.gateway.supervisor.get("fx").status();
        return s.status === "ready" && s.pid !== first;
      }, 5_000);
    } finally {
      await t.close();
    }
  });

  it("stop escalates to SIGKILL and reaches the whole process group", async () => {
    const t = await startTestGateway({
      stubborn: fixtureServer({ FIXTURE_IGNORE_STDIN_CLOSE: "1", FIXTURE_IGNORE_SIGTERM: "1" }, { stopGraceMs: 150 }),
    });
    try {
      const pid = await pidOf(t.url, "stubborn");
      const grandchild = Number((await callTool(t.url, "stubborn__spawn-grandchild")).body.result.content[0].text);
      assert.ok(isAlive(grandchild));
      const stopped = await fetch(`${t.url}/servers/stubborn/stop`, { method: "POST" });
      assert.equal(stopped.status, 200);
      await waitUntil(() => !isAlive(pid) && !isAlive(grandchild), 3_000);
    } finally {
      await t.close();
    }
  });

  it("a server that stops answering pings is restarted by the health check", async () => {
    const t = await startTestGateway({
      deaf: fixtureServer({ FIXTURE_IGNORE_PING: "1" }, { healthCheckIntervalMs: 100 }),
    });
    try {
      const pid = await pidOf(t.url, "deaf");
      await waitUntil(() => !isAlive(pid), 5_000);
      const status = t.gateway.supervisor.get("deaf").status();
      assert.match(status.lastError ?? "", /failed 2 health checks/);
      assert.notEqual(await pidOf(t.url, "deaf"), pid, "the next call starts a fresh process");
    } finally {
      await t.close();
    }
  });

  it("a call that outlives timeoutMs fails with `timeout` and the server keeps serving", async () => {
    const t = await startTestGateway({ fx: fixtureServer({}, { timeoutMs: 300 }) });
    try {
      const reply = await callTool(t.url, "fx__hang");
      assert.equal(reply.body.error.data.kind, "timeout");
      assert.equal(reply.body.error.data.timeoutMs, 300, "the call timeout ended it, not the hard maximum");
      assert.equal(reply.body.error.data.hard, false);
      assert.equal((await callTool(t.url, "fx__echo", { message: "ok" })).body.result.content[0].text, "ok");
    } finally {
      await t.close();
    }
  });
});

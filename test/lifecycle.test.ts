// Server lifecycle against real child processes: single-flight start, idle stop, in-flight protection,
// idle-vs-call races, eager boot bounded by startTimeoutMs. Health pings that never keep a server awake nor wake
// it are checked on a fake clock (src/services/supervisor/server-supervisor.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { callTool, fixtureServer, isAlive, startTestGateway, type TestGateway, waitUntil } from "./helpers/gateway.ts";

function trackStarts(t: TestGateway) {
  const pids: (number | undefined)[] = [];
  t.gateway.events.on("server-started", (e) => pids.push(e.pid));
  return pids;
}

describe("lifecycle", () => {
  it("starts an asleep server once for 20 concurrent first calls", async () => {
    const t = await startTestGateway({ fx: fixtureServer() });
    try {
      const starts = trackStarts(t);
      const replies = await Promise.all(Array.from({ length: 20 }, () => callTool(t.url, "fx__pid")));
      const pids = new Set(replies.map((r) => r.body.result.content[0].text));
      assert.equal(pids.size, 1, "every caller reached the same process");
      assert.equal(starts.length, 1, "exactly one process was spawned");
    } finally {
      await t.close();
    }
  });

  it("stops after idleTimeoutMs without client activity, and the process is gone", async () => {
    const t = await startTestGateway({ fx: fixtureServer({}, { idleTimeoutMs: 300 }) });
    try {
      const pid = Number((await callTool(t.url, "fx__pid")).body.result.content[0].text);
      assert.equal(t.gateway.supervisor.get("fx").currentState, "ready");
      await waitUntil(() => t.gateway.supervisor.get("fx").currentState === "asleep", 5_000);
      await waitUntil(() => !isAlive(pid), 2_000);
    } finally {
      await t.close();
    }
  });

  it("never stops a server for idleness while a call is in flight", async () => {
    const t = await startTestGateway({ fx: fixtureServer({}, { idleTimeoutMs: 100 }) });
    try {
      const stops: string[] = [];
      t.gateway.events.on("server-stopped", (e) => stops.push(e.reason));
      const reply = await callTool(t.url, "fx__sleep", { ms: 700 });
      assert.equal(reply.body.result.content[0].text, "slept 700");
      assert.deepEqual(stops, [], "no stop happened during the call");
    } finally {
      await t.close();
    }
  });

  it("survives 200 randomized idle-vs-call races: no errors, never two processes", async () => {
    const t = await startTestGateway({ fx: fixtureServer({}, { idleTimeoutMs: 15 }) });
    try {
      const live: number[] = [];
      let overlaps = 0;
      t.gateway.events.on("server-started", ({ pid }) => {
        if (live.some(isAlive)) overlaps++;
        live.length = 0;
        live.push(pid as number);
      });
      const errors: string[] = [];
      let random = 42;
      const next = () => {
        random = (random * 1103515245 + 12345) % 2 ** 31;
        return random / 2 ** 31;
      };
      for (let i = 0; i < 200; i++) {
        await new Promise((r) => setTimeout(r, Math.floor(next() * 30)));
        const burst = 1 + Math.floor(next() * 3);
        const replies = await Promise.all(
          Array.from({ length: burst }, () => callTool(t.url, "fx__echo", { message: `m${i}` })),
        );
        for (const reply of replies) {
          if (reply.body.error || reply.body.result.content[0].text !== `m${i}`) errors.push(reply.text);
        }
      }
      assert.deepEqual(errors, []);
      assert.equal(overlaps, 0);
    } finally {
      await t.close();
    }
  });

  it("boots eager servers in parallel, each bounded by its startTimeoutMs", async () => {
    const transitions: string[] = [];
    const startFailures: string[] = [];
    const t = await startTestGateway(
      {
        good: fixtureServer({}, { lifecycle: "eager" }),
        stuck: { command: "sleep", args: ["30"], lifecycle: "eager", startTimeoutMs: 700 },
      },
      {
        beforeStart: (gateway) => {
          gateway.events.on("server-state", (e) => transitions.push(`${e.server}:${e.to}`));
          gateway.events.on("server-start-failed", (e) => startFailures.push(e.server));
        },
      },
    );
    try {
      // In parallel: both were starting before either settled.
      const firstSettled = transitions.findIndex((step) => !step.endsWith(":starting"));
      assert.deepEqual(
        transitions.slice(0, firstSettled).sort(),
        ["good:starting", "stuck:starting"],
        transitions.join(", "),
      );
      // Bounded: the hanging server's one attempt failed at its start timeout, and boot did not wait for more.
      assert.deepEqual(startFailures, ["stuck"]);
      assert.equal(t.gateway.supervisor.get("good").currentState, "ready");
      const stuck = t.gateway.supervisor.get("stuck").status();
      assert.ok(["backoff", "asleep"].includes(stuck.status), stuck.status);
      assert.match(stuck.lastError ?? "", /not ready within 700 ms/);
    } finally {
      await t.close();
    }
  });
});

// Gateway shutdown with a real `switchboard serve` process: SIGTERM drains calls in flight and stops every
// child; after a SIGKILL of the gateway, the next gateway reaps the children (and grandchildren) left behind,
// while a gateway that is still alive on the same state directory keeps its children. The fixtures ignore stdin
// close, as some real servers do, so a child is only gone when the gateway really stopped it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startServe, writeConfig } from "./helpers/cli-process.ts";
import { callTool, fixtureServer, isAlive, resultText, tempDir, waitUntil } from "./helpers/gateway.ts";

describe("gateway shutdown", () => {
  it("SIGTERM with calls in flight: calls finish, the gateway exits 0, no orphan processes", async () => {
    const config = writeConfig(tempDir(), { a: stubbornServer(), b: stubbornServer() });
    const serve = await startServe(config);
    const pids: number[] = [];
    try {
      pids.push(
        Number(resultText(await callTool(serve.url, "a__pid"))),
        Number(resultText(await callTool(serve.url, "b__pid"))),
      );
      const inFlight = [callTool(serve.url, "a__sleep", { ms: 800 }), callTool(serve.url, "b__sleep", { ms: 600 })];
      await new Promise((r) => setTimeout(r, 150));
      serve.child.kill("SIGTERM");
      const replies = await Promise.all(inFlight);
      assert.deepEqual(replies.map(resultText), ["slept 800", "slept 600"]);
      const { code } = await serve.exited;
      assert.equal(code, 0);
      await waitUntil(() => pids.every((pid) => !isAlive(pid)), 3_000);
    } finally {
      if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
      killAll(pids);
    }
  });

  it("after SIGKILL of the gateway, the next gateway reaps the children it left", async () => {
    const dir = tempDir();
    // Children that survive stdin EOF, as some real servers do.
    const config = writeConfig(dir, { a: stubbornServer(), b: stubbornServer() });
    const first = await startServe(config);
    const orphans: number[] = [];
    try {
      orphans.push(
        Number(resultText(await callTool(first.url, "a__pid"))),
        Number(resultText(await callTool(first.url, "b__pid"))),
      );
      orphans.push(Number(resultText(await callTool(first.url, "a__spawn-grandchild"))));
      first.child.kill("SIGKILL");
      await first.exited;
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(orphans.every(isAlive), "children outlived the killed gateway (the case reaping is for)");

      const second = await startServe(config);
      try {
        await waitUntil(() => orphans.every((pid) => !isAlive(pid)), 5_000);
        assert.match(second.stderr(), /reaping a server process left by a previous gateway/);
        assert.equal(resultText(await callTool(second.url, "a__echo", { message: "fresh" })), "fresh");
        orphans.push(Number(resultText(await callTool(second.url, "a__pid"))));
        second.child.kill("SIGTERM");
        assert.equal((await second.exited).code, 0);
        await waitUntil(() => !isAlive(orphans.at(-1) as number), 3_000);
      } finally {
        if (second.child.exitCode === null) second.child.kill("SIGKILL");
      }
    } finally {
      if (first.child.exitCode === null) first.child.kill("SIGKILL");
      killAll(orphans);
    }
  });

  it("a second gateway on the same state directory leaves the children of a live gateway alone", async () => {
    const config = writeConfig(tempDir(), { a: stubbornServer() });
    const first = await startServe(config);
    const pids: number[] = [];
    try {
      pids.push(Number(resultText(await callTool(first.url, "a__pid"))));
      const second = await startServe(config);
      try {
        // The second gateway has reaped what it would reap before it listens.
        assert.ok(isAlive(pids[0] as number), "the live gateway's child was not reaped");
        assert.doesNotMatch(second.stderr(), /reaping a server process/);
        assert.equal(resultText(await callTool(first.url, "a__pid")), String(pids[0]), "and still serves its calls");
        second.child.kill("SIGTERM");
        assert.equal((await second.exited).code, 0);
      } finally {
        if (second.child.exitCode === null) second.child.kill("SIGKILL");
      }
      assert.ok(isAlive(pids[0] as number), "nor stopped by the other gateway's shutdown");
      first.child.kill("SIGTERM");
      assert.equal((await first.exited).code, 0);
      await waitUntil(() => !isAlive(pids[0] as number), 3_000);
    } finally {
      if (first.child.exitCode === null) first.child.kill("SIGKILL");
      killAll(pids);
    }
  });
});

/** A fixture server that does not exit when its stdin closes: only a signal ends it. */
function stubbornServer(): Record<string, unknown> {
  return fixtureServer({ FIXTURE_IGNORE_STDIN_CLOSE: "1" });
}

/** Ends whatever a failed test left running. */
function killAll(pids: readonly number[]): void {
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

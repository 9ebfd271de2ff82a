// Gateway shutdown with a real `switchboard serve` process: SIGTERM drains calls in flight and stops every
// child; after a SIGKILL of the gateway, the next gateway reaps the children (and grandchildren) left behind.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startServe, writeConfig } from "./helpers/cli-process.ts";
import { callTool, fixtureServer, isAlive, resultText, tempDir, waitUntil } from "./helpers/gateway.ts";

describe("gateway shutdown", () => {
  it("SIGTERM with calls in flight: calls finish, the gateway exits 0, no orphan processes", async () => {
    const config = writeConfig(tempDir(), { a: fixtureServer(), b: fixtureServer() });
    const serve = await startServe(config);
    try {
      const pids = [
        Number(resultText(await callTool(serve.url, "a__pid"))),
        Number(resultText(await callTool(serve.url, "b__pid"))),
      ];
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
    }
  });

  it("after SIGKILL of the gateway, the next gateway reaps the children it left", async () => {
    const dir = tempDir();
    // Children that survive stdin EOF, as some real servers do.
    const config = writeConfig(dir, {
      a: fixtureServer({ FIXTURE_IGNORE_STDIN_CLOSE: "1" }),
      b: fixtureServer({ FIXTURE_IGNORE_STDIN_CLOSE: "1" }),
    });
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
        const fresh = Number(resultText(await callTool(second.url, "a__pid")));
        second.child.kill("SIGTERM");
        assert.equal((await second.exited).code, 0);
        await waitUntil(() => !isAlive(fresh), 3_000);
      } finally {
        if (second.child.exitCode === null) second.child.kill("SIGKILL");
      }
    } finally {
      if (first.child.exitCode === null) first.child.kill("SIGKILL");
      for (const pid of orphans) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    }
  });
});

// The child records (state directory) cannot be written or removed — a full disk, a broken state directory:
// a server must still start, be stopped, and its exit still be noticed. Before, a failed write left the
// spawned process running with nobody to stop it, and a failed removal threw from the child's exit handler
// (an uncaught exception) so the crash was never noticed. Real in-process gateway, real fixture processes.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { callTool, fixtureServer, isAlive, resultText, startTestGateway, waitUntil } from "../helpers/gateway.ts";

describe("child records that cannot be written or removed", () => {
  it("a server whose record cannot be written still runs, and is stopped with the gateway", async () => {
    const t = await startTestGateway({ fx: fixtureServer() });
    let pid = 0;
    try {
      const children = join(t.stateDir, "children");
      rmSync(children, { recursive: true, force: true });
      writeFileSync(children, "not a directory"); // every record write now fails with ENOTDIR
      pid = Number(resultText(await callTool(t.url, "fx__pid")));
      assert.ok(pid > 0 && isAlive(pid), "the server runs");
    } finally {
      await t.close();
    }
    assert.ok(!isAlive(pid), "no server process outlives the gateway");
  });

  it("a server whose record cannot be removed still has its crash noticed, and is started again", async () => {
    const t = await startTestGateway({ fx: fixtureServer() });
    try {
      const pid = Number(resultText(await callTool(t.url, "fx__pid")));
      const record = join(t.stateDir, "children", `${pid}.json`);
      rmSync(record);
      mkdirSync(record); // removing the record now fails (a directory where the file was)
      await callTool(t.url, "fx__crash", { code: 3 });
      await waitUntil(() => t.gateway.supervisor.get("fx").currentState !== "ready");
      const again = Number(resultText(await callTool(t.url, "fx__pid")));
      assert.ok(again > 0 && again !== pid, "a new process serves the next call");
    } finally {
      await t.close();
    }
  });
});

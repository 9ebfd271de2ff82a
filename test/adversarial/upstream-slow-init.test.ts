// A server that never finishes initialize must not hold up aggregated listings or unknown-name lookups until its
// start timeout: they answer with what is known while it is still `starting`, and list_changed announces a
// server's tools when it does become ready.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  callTool,
  fixtureServer,
  openSession,
  post,
  request,
  startTestGateway,
  type TestGateway,
  tempDir,
  waitUntil,
} from "../helpers/gateway.ts";
import { openSse, type SseStream } from "../helpers/raw-http.ts";

const SLOW = fileURLToPath(new URL("../fixtures/malicious-slow-init.ts", import.meta.url));
const slowServer = (env: Record<string, string> = {}) => ({
  command: process.execPath,
  args: [SLOW],
  env,
  startTimeoutMs: 60_000,
  stopGraceMs: 200,
});

describe("a server that never finishes initialize", () => {
  let gw: TestGateway;
  let stream: SseStream | undefined;
  const dir = tempDir("switchboard-slow-init-");
  const marker = join(dir, "initialize-now");

  before(async () => {
    gw = await startTestGateway(
      { stuck: slowServer(), late: slowServer({ FIXTURE_INIT_WHEN_FILE: marker }), other: fixtureServer() },
      { gateway: { discovery: { mode: "full", listWaitMs: 300 } } },
    );
    // `other` is known before the listing; the two slow ones are not.
    await gw.gateway.supervisor.get("other").start();
    await gw.gateway.catalog.settled("other");
  });
  after(async () => {
    stream?.close();
    await gw.close();
  });

  test("an aggregated tools/list answers with the other servers' tools while it is still starting", async () => {
    const session = await openSession(`${gw.url}/mcp`);
    stream = await openSse(`${gw.url}/mcp`, { "mcp-session-id": session });
    const list = await post(`${gw.url}/mcp`, request("tools/list"), { "mcp-session-id": session });
    const names = (list.body?.result?.tools ?? []).map((t: { name: string }) => t.name);
    assert.ok(names.includes("other__echo"), list.text.slice(0, 300));
    assert.ok(!names.some((n: string) => n.startsWith("stuck__") || n.startsWith("late__")));
    assert.equal(gw.gateway.supervisor.get("stuck").status().status, "starting");
    assert.equal(gw.gateway.supervisor.get("late").status().status, "starting");

    // An unknown name is refused without waiting for the start timeout, naming who is still being discovered.
    const unknown = await callTool(gw.url, "nobody__nothing");
    assert.equal(unknown.body?.error?.data?.kind, "invalid_params");
    assert.ok(unknown.body.error.data.notYetKnown.includes("stuck"), unknown.text);
    assert.equal(gw.gateway.supervisor.get("stuck").status().status, "starting");

    // A call by a name in the slow server's own namespace waits for that server past listWaitMs (bounded by its
    // start timeout), rather than answering Unknown tool while the server it names is still starting.
    const lateCall = callTool(gw.url, "late__late");
    await new Promise((resolve) => setTimeout(resolve, 900));

    // The one that finishes later is announced with list_changed, then listed.
    writeFileSync(marker, "");
    const called = await lateCall;
    assert.equal(called.body?.error, undefined, called.text);
    const open = stream;
    await waitUntil(() => open.messages.some((m) => m.method === "notifications/tools/list_changed"), 30_000);
    const again = await post(`${gw.url}/mcp`, request("tools/list"), { "mcp-session-id": session });
    assert.ok(again.body.result.tools.some((t: { name: string }) => t.name === "late__late"));
    assert.equal(gw.gateway.supervisor.get("stuck").status().status, "starting");
  });

  test("shutdown abandons the start stuck in initialize instead of waiting out its start timeout", async () => {
    assert.equal(gw.gateway.supervisor.get("stuck").status().status, "starting");
    await gw.close();
    const status = gw.gateway.supervisor.get("stuck").status();
    assert.equal(status.status, "asleep");
    // Not counted as a failed start (which it would be after running into its start timeout).
    assert.equal(status.consecutiveFailures, 0);
    assert.equal(status.lastError, null);
  });
});

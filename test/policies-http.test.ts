// At-most-once and retries against a real remote upstream behind a TCP proxy that drops connections mid-call:
// a side-effecting tool runs exactly once per client call; a read-only tool is retried on a trusted server only.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { GatewayEvents } from "../src/core/events.ts";
import { callTool, resultText, startTestGateway, type TestGateway, tempDir, waitUntil } from "./helpers/gateway.ts";
import { type HttpServerProcess, startHttpServerProcess } from "./helpers/http-server-process.ts";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.ts";

const COUNTING = fileURLToPath(new URL("./fixtures/counting-http-server.ts", import.meta.url));
/** How long each tool call runs on the server: the window in which the connection is cut. */
const CALL_MS = 1_500;

describe("connection resets", () => {
  let dir: string;
  let upstream: HttpServerProcess;
  let proxy: TcpProxy;
  let t: TestGateway;
  const retried: GatewayEvents["call-retried"][] = [];

  const executions = (tool: string) => {
    const file = join(dir, `${tool}.count`);
    return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;
  };
  /** Calls a tool and drops every proxied connection once the server has started running it. */
  const callAndCut = async (name: string, tool: string) => {
    const already = executions(tool);
    const reply = callTool(t.url, name, { delayMs: CALL_MS });
    await waitUntil(() => executions(tool) > already, 10_000, 5);
    proxy.cut();
    const answer = await reply;
    // Long enough for any retry to have reached the server.
    await new Promise((r) => setTimeout(r, CALL_MS + 500));
    return { answer, ran: executions(tool) - already };
  };

  before(async () => {
    dir = tempDir("switchboard-resets-");
    upstream = await startHttpServerProcess(COUNTING, [dir]);
    proxy = await startTcpProxy("127.0.0.1", upstream.port);
    const url = `http://127.0.0.1:${proxy.port}/mcp`;
    const remote = { url, type: "streamable-http", timeoutMs: 10_000, healthCheckIntervalMs: 0 };
    t = await startTestGateway({ plain: remote, trusted: { ...remote, trusted: true } });
    t.gateway.events.on("call-retried", (e) => retried.push(e));
    // Learn both catalogs (annotations included) before cutting anything.
    assert.match(resultText(await callTool(t.url, "plain__read")), /read done/);
    assert.match(resultText(await callTool(t.url, "trusted__read")), /read done/);
  });

  after(async () => {
    await t?.close();
    await proxy?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a side-effecting tool whose connection drops mid-call runs exactly once, on any server", async () => {
    for (const server of ["plain", "trusted"]) {
      const { answer, ran } = await callAndCut(`${server}__write`, "write");
      assert.equal(answer.body.error?.data?.kind, "upstream_closed", answer.text);
      assert.equal(answer.body.error.data.retryable, false);
      assert.match(answer.body.error.message, /may have run/);
      assert.equal(ran, 1, `${server}__write ran ${ran} times for one client call`);
    }
    assert.deepEqual(retried, []);
    // The connection comes back for the next call.
    assert.match(resultText(await callTool(t.url, "plain__write")), /write done/);
  });

  it("a read-only tool is retried after a dropped connection on a trusted server only", async () => {
    const untrusted = await callAndCut("plain__read", "read");
    assert.equal(untrusted.answer.body.error?.data?.kind, "upstream_closed");
    assert.equal(untrusted.ran, 1);
    assert.deepEqual(retried, []);

    const trusted = await callAndCut("trusted__read", "read");
    assert.match(resultText(trusted.answer), /read done/, trusted.answer.text);
    assert.equal(trusted.ran, 2, "run again after the drop");
    assert.deepEqual(retried, [{ server: "trusted", method: "tools/call", attempt: 1, reason: "upstream_closed" }]);
  });
});

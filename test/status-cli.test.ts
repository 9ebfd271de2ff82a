// `switchboard status` as a real child process against a real `serve` process: --once prints the health
// document as JSON (by --url or from the configuration's host and port), the live mode prints frames at a short
// interval and exits cleanly on SIGINT and SIGTERM, and an unreachable gateway or bad options fail clearly.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { describeRun, killSpawned, runCli, startCli, writeConfig as writeCliConfig } from "./helpers/cli.ts";
import { type ServeProcess, startServe, writeConfig } from "./helpers/cli-process.ts";
import { fixtureServer, post, request, tempDir, waitUntil } from "./helpers/gateway.ts";

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const FRAME_HEADER = /^Switchboard \S+ at http:\/\/\S+: (healthy|degraded|unhealthy)/gm;
const frames = (stdout: string) => [...stdout.matchAll(FRAME_HEADER)].length;

describe("switchboard status", () => {
  let dir: string;
  let serve: ServeProcess;
  before(async () => {
    dir = tempDir("switchboard-status-");
    serve = await startServe(writeConfig(dir, { fx: fixtureServer(), fy: fixtureServer() }));
    for (const message of ["one", "two"]) {
      const reply = await post(`${serve.url}/mcp/fx`, request("tools/call", { name: "echo", arguments: { message } }));
      assert.equal(reply.body.result.content[0].text, message);
    }
  });
  after(async () => {
    killSpawned();
    if (serve.child.exitCode === null && serve.child.pid) process.kill(serve.child.pid, "SIGTERM");
    await serve.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("--once prints the health document as JSON, with every server, and exits 0", async () => {
    const result = await runCli(["status", "--url", serve.url, "--once"]);
    assert.equal(result.code, 0, describeRun(result));
    const health = JSON.parse(result.stdout);
    assert.equal(health.status, "healthy");
    assert.equal(health.server_name, "switchboard");
    assert.equal(health.metrics.request_count, 2);
    assert.deepEqual(Object.keys(health.upstreams), ["fx", "fy"]);
    assert.equal(health.upstreams.fx.state, "ready");
    assert.equal(health.upstreams.fx.metrics.request_count, 2);
    assert.equal(health.upstreams.fy.status, "asleep");
  });

  it("--once finds the gateway from the configuration's host and port", async () => {
    const port = Number(new URL(serve.url).port);
    const config = writeCliConfig(dir, { gateway: { host: "127.0.0.1", port }, servers: {} }, "client.json");
    const result = await runCli(["status", "--config", config, "--once"]);
    assert.equal(result.code, 0, describeRun(result));
    assert.deepEqual(Object.keys(JSON.parse(result.stdout).upstreams), ["fx", "fy"]);
  });

  it("live: prints a frame per interval with servers, rates and breakers, and exits 0 on SIGINT", async () => {
    const running = startCli(["status", "--url", serve.url, "--interval", "0.2"]);
    await waitUntil(() => frames(running.stdout()) >= 1, 15_000);
    // A call between frames shows up in a later frame's count.
    await post(`${serve.url}/mcp/fx`, request("tools/call", { name: "echo", arguments: { message: "three" } }));
    await waitUntil(() => frames(running.stdout()) >= 3, 15_000);
    process.kill(running.pid, "SIGINT");
    const exit = await Promise.race([running.exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]);
    assert.notEqual(exit, "timeout", "status did not exit after SIGINT");
    assert.deepEqual(exit, { code: 0, signal: null }, running.stderr());

    const out = running.stdout();
    assert.ok(!out.includes("\u001b["), "no escape sequences when stdout is not a terminal");
    const lastFrame = out.slice(out.lastIndexOf("Switchboard "));
    assert.match(lastFrame, /^SERVER\s+HEALTH\s+STATE\s+REQ\/S\s+REQUESTS\s+ERRORS\s+ERR%\s+MEAN\s+P95\s+BREAKER/m);
    assert.match(lastFrame, /^fx\s+healthy\s+ready\s+[\d.]+\s+3\s+0\s+0\.0%/m);
    assert.match(lastFrame, /^fy\s+asleep\s+asleep\s+/m);
    assert.match(lastFrame, /requests 3 \(/);
    assert.match(lastFrame, /breakers closed/);
  });

  it("live: exits 0 on SIGTERM", async () => {
    const running = startCli(["status", "--url", serve.url, "--interval", "0.2"]);
    await waitUntil(() => frames(running.stdout()) >= 2, 15_000);
    process.kill(running.pid, "SIGTERM");
    const exit = await Promise.race([running.exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]);
    assert.deepEqual(exit, { code: 0, signal: null }, running.stderr());
  });
});

describe("switchboard status without a gateway", () => {
  it("exits 1 with a clear message when the gateway is unreachable (--once and live)", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    for (const extra of [["--once"], ["--interval", "0.2"]]) {
      const result = await runCli(["status", "--url", url, ...extra], { timeoutMs: 15_000 });
      assert.equal(result.code, 1, describeRun(result));
      assert.equal(result.stdout, "");
      assert.match(result.stderr, new RegExp(`cannot reach the gateway at ${url}`));
    }
  });

  it("rejects a bad --interval and a missing target with usage errors (exit 2)", async () => {
    const bad = await runCli(["status", "--url", "http://127.0.0.1:9", "--interval", "soon"]);
    assert.equal(bad.code, 2, describeRun(bad));
    assert.match(bad.stderr, /--interval must be seconds between 0.1 and 3600, got "soon"/);
    const dir = tempDir("switchboard-status-none-");
    try {
      const none = await runCli(["status", "--once"], { cwd: dir });
      assert.equal(none.code, 2, describeRun(none));
      assert.match(none.stderr, /status needs a running gateway: pass --url URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

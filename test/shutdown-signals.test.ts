// Signals reaching a real `switchboard serve`: a terminal's Ctrl-C (SIGINT to the whole process group) through
// the launcher that runs the gateway on node@22 from an older Node, SIGINT sent to the launcher alone, and the
// exit status of a drain whose grace ran out. Calls in flight get their replies; no process is left behind.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { isRunning, waitGone } from "./helpers/cli.ts";
import { startServe, writeConfig } from "./helpers/cli-process.ts";
import { callTool, fixtureServer, REPO_ROOT, resultText, tempDir, waitUntil } from "./helpers/gateway.ts";

const BIN = join(REPO_ROOT, "bin/switchboard.js");
/** The machine's own Node: when older than 22.18, `switchboard` on it runs the gateway through the launcher. */
const SYSTEM_NODE = "/usr/bin/node";

function oldSystemNode(): string | undefined {
  try {
    const version = execFileSync(SYSTEM_NODE, ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
    const [major, minor] = version.split(".").map(Number) as [number, number];
    return major < 22 || (major === 22 && minor < 18) ? version : undefined;
  } catch {
    return undefined;
  }
}
const OLD_NODE = oldSystemNode();

interface Launched {
  launcher: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The gateway process the launcher started. */
  gatewayPid: number;
}

const started: ChildProcess[] = [];
after(() => {
  for (const child of started) {
    if (!child.pid) continue;
    try {
      process.kill(-child.pid, "SIGKILL"); // a launcher runs in its own group, with its gateway and servers
    } catch {
      if (isRunning(child.pid)) process.kill(child.pid, "SIGKILL");
    }
  }
});

/** `switchboard serve` on the old Node, in its own process group (as a terminal's foreground job is). */
async function launch(configPath: string): Promise<Launched> {
  const launcher = spawn(SYSTEM_NODE, [BIN, "serve", "--config", configPath, "--port", "0"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, USE_JSON_LOGS: "true", LOG_LEVEL: "info", NODE_OPTIONS: "" },
    detached: true,
  });
  started.push(launcher);
  let log = "";
  launcher.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    log += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    launcher.once("exit", (code, signal) => resolve({ code, signal })),
  );
  await waitUntil(() => /listening on http/.test(log) || launcher.exitCode !== null, 60_000);
  const url = /listening on (http:\/\/[^\s"]+)/.exec(log)?.[1];
  assert.ok(url, `serve did not start:\n${log}`);
  const children = readFileSync(`/proc/${launcher.pid}/task/${launcher.pid}/children`, "utf8").trim().split(/\s+/);
  assert.equal(children.length, 1, "the launcher runs one gateway process");
  return { launcher, url, stderr: () => log, exited, gatewayPid: Number(children[0]) };
}

/** Starts a slow call and resolves once the gateway counts it in flight (long enough to be seen on a slow machine). */
async function slowCall(url: string, ms: number) {
  const reply = callTool(url, "a__sleep", { ms });
  await waitUntil(async () => {
    const server = (await (await fetch(`${url}/servers/a`)).json()) as { inFlight: number };
    return server.inFlight === 1;
  }, 30_000);
  return reply;
}

const countOf = (text: string, pattern: RegExp) => text.split("\n").filter((line) => pattern.test(line)).length;

describe("signals through the launcher (Node older than 22.18)", {
  skip: !OLD_NODE && `${SYSTEM_NODE} is not older than 22.18`,
}, () => {
  it("Ctrl-C (SIGINT to the process group, so the gateway gets it twice): one drain, the call's reply arrives, exit 0, nothing left", async () => {
    const { launcher, url, stderr, exited, gatewayPid } = await launch(writeConfig(tempDir(), { a: fixtureServer() }));
    const fixturePid = Number(resultText(await callTool(url, "a__pid")));
    const inFlight = await slowCall(url, 4_000);
    process.kill(-(launcher.pid as number), "SIGINT");
    assert.equal(resultText(await inFlight), "slept 4000");
    assert.deepEqual(await exited, { code: 0, signal: null }, stderr());
    assert.equal(countOf(stderr(), /"msg":"shutting down"/), 1, stderr());
    await waitGone([gatewayPid, fixturePid], 5_000);
  });

  it("SIGINT to the launcher alone reaches the gateway: it drains and exits 0", async () => {
    const { launcher, url, stderr, exited, gatewayPid } = await launch(writeConfig(tempDir(), { a: fixtureServer() }));
    const fixturePid = Number(resultText(await callTool(url, "a__pid")));
    const inFlight = await slowCall(url, 4_000);
    launcher.kill("SIGINT");
    assert.equal(resultText(await inFlight), "slept 4000");
    assert.deepEqual(await exited, { code: 0, signal: null }, stderr());
    assert.match(stderr(), /"signal":"SIGINT".*"msg":"shutting down"/);
    await waitGone([gatewayPid, fixturePid], 5_000);
  });
});

describe("the launcher's own exit status", () => {
  it("a child that dies of a forwarded signal: the launcher dies of it too (it used to exit 0)", async () => {
    const script = [
      `import { forwardSignals } from ${JSON.stringify(join(REPO_ROOT, "bin/node22.js"))};`,
      'import { spawn } from "node:child_process";',
      'const child = spawn("sleep", ["30"], { stdio: "ignore" });',
      "forwardSignals(child);",
      'child.once("spawn", () => process.stdout.write(`ready ${child.pid}\\n`));',
    ].join("\n");
    const launcher = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    started.push(launcher);
    let out = "";
    launcher.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    const exited = new Promise((resolve) => launcher.once("exit", (code, signal) => resolve({ code, signal })));
    await waitUntil(() => /ready \d+/.test(out), 30_000);
    const childPid = Number(/ready (\d+)/.exec(out)?.[1]);
    launcher.kill("SIGTERM");
    assert.deepEqual(await exited, { code: null, signal: "SIGTERM" });
    await waitGone([childPid], 5_000);
  });
});

describe("exit status of a drain", () => {
  it("SIGTERM whose grace runs out with a call still in flight: that call fails, exit 143, nothing left", async () => {
    const config = writeConfig(tempDir(), { a: fixtureServer() }, { shutdownGraceMs: 300 });
    const serve = await startServe(config);
    started.push(serve.child);
    const fixturePid = Number(resultText(await callTool(serve.url, "a__pid")));
    const hung = callTool(serve.url, "a__hang");
    await waitUntil(async () => {
      const server = (await (await fetch(`${serve.url}/servers/a`)).json()) as { inFlight: number };
      return server.inFlight === 1;
    }, 30_000);
    serve.child.kill("SIGTERM");
    const reply = await hung;
    assert.ok(reply.body?.error, `the call cut by the shutdown fails: ${reply.text}`);
    assert.equal((await serve.exited).code, 143, serve.stderr());
    assert.match(serve.stderr(), /shutdown grace over/);
    await waitGone([fixturePid], 5_000);
  });
});

// The `switchboard` command as a real child process: check-config, serve (with the remote `servers`/`tools`
// commands against it and a graceful SIGTERM), the in-process `servers`/`tools` commands, and usage errors.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  describeRun,
  isRunning,
  killSpawned,
  type RunningCli,
  reapRecordedChildren,
  recordedChildren,
  runCli,
  startCli,
  waitGone,
  writeConfig,
} from "./helpers/cli.ts";
import { fixtureServer, REPO_ROOT, tempDir } from "./helpers/gateway.ts";

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
const LISTENING = /listening on (http:\/\/[^\s"]+)/;

/** One file with several independent problems; each must be reported with its JSON path. */
const MANY_PROBLEMS = {
  gateway: { port: "eighty" },
  servers: {
    typo: { command: "x", idleTimeout: 1000 },
    wrongType: { command: "x", timeoutMs: "fast" },
    both: { command: "x", url: "http://127.0.0.1:1/mcp" },
    secret: { command: "x", env: { TOKEN: "${SWITCHBOARD_TEST_UNSET_VARIABLE}" } },
    "bad name!": { command: "x" },
  },
};
const MANY_PROBLEM_PATHS = [
  "gateway.port",
  "servers.typo.idleTimeout",
  "servers.wrongType.timeoutMs",
  "servers.both",
  "servers.secret.env.TOKEN",
  "servers.bad name!",
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Asserts that stderr lists `path` on a problem line (`  path: message`) and returns the message. */
function problemLine(stderr: string, path: string): string {
  const match = new RegExp(`^\\s+${escapeRegExp(path)}: (.+)$`, "m").exec(stderr);
  assert.ok(match, `problem at ${path} missing from stderr:\n${stderr}`);
  return match[1] as string;
}

const scratchDirs: string[] = [];
/** A temporary directory removed after the file's tests. */
function scratch(prefix: string): string {
  const dir = tempDir(prefix);
  scratchDirs.push(dir);
  return dir;
}

after(() => {
  killSpawned();
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

describe("check-config", () => {
  const dir = scratch("switchboard-cli-check-");

  it("accepts a valid file: exit 0 and a line saying it is valid", async () => {
    const path = writeConfig(
      dir,
      { servers: { fx: fixtureServer(), off: { ...fixtureServer(), disabled: true } } },
      "valid.json",
    );
    const result = await runCli(["check-config", "--config", path]);
    assert.equal(result.code, 0, describeRun(result));
    assert.match(result.stdout, /valid/);
    assert.ok(result.stdout.includes(path), result.stdout);
    assert.match(result.stdout, /2 servers, 1 enabled/);
    assert.equal(result.stderr, "");
  });

  it("accepts the bundled default configuration", async () => {
    const result = await runCli(["check-config", "--config", join(REPO_ROOT, "examples/default/switchboard.json")]);
    assert.equal(result.code, 0, describeRun(result));
    assert.match(result.stdout, /valid \(4 servers, 4 enabled\)/);
  });

  it("reports a valid file as JSON with --json", async () => {
    const path = writeConfig(dir, { servers: { fx: fixtureServer() } }, "valid-json.json");
    const result = await runCli(["check-config", "--config", path, "--json"]);
    assert.equal(result.code, 0, describeRun(result));
    const body = JSON.parse(result.stdout);
    assert.equal(body.valid, true);
    assert.deepEqual(body.servers, ["fx"]);
  });

  it("lists every problem of a file with several at once, each with its JSON path (exit 2)", async () => {
    const path = writeConfig(dir, MANY_PROBLEMS, "many.json");
    const result = await runCli(["check-config", "--config", path]);
    assert.equal(result.code, 2, describeRun(result));
    assert.equal(result.stdout, "");
    assert.ok(result.stderr.includes(path), result.stderr);
    assert.match(result.stderr, new RegExp(`${MANY_PROBLEM_PATHS.length} problem\\(s\\)`));
    for (const problemPath of MANY_PROBLEM_PATHS) problemLine(result.stderr, problemPath);
    assert.match(
      problemLine(result.stderr, "servers.typo.idleTimeout"),
      /unknown setting "idleTimeout".*did you mean "idleTimeoutMs"/,
    );
    assert.match(problemLine(result.stderr, "servers.wrongType.timeoutMs"), /number/);
    assert.match(problemLine(result.stderr, "servers.both"), /not both/);
    assert.match(problemLine(result.stderr, "servers.secret.env.TOKEN"), /SWITCHBOARD_TEST_UNSET_VARIABLE is not set/);
    assert.match(problemLine(result.stderr, "servers.bad name!"), /server names/);
  });

  it("prints {valid:false, problems:[{path,message}]} on stdout with --json", async () => {
    const path = writeConfig(dir, MANY_PROBLEMS, "many-json.json");
    const result = await runCli(["check-config", "--config", path, "--json"]);
    assert.equal(result.code, 2, describeRun(result));
    const body = JSON.parse(result.stdout);
    assert.equal(body.valid, false);
    assert.ok(Array.isArray(body.problems));
    for (const problem of body.problems) {
      assert.deepEqual(Object.keys(problem).sort(), ["message", "path"]);
      assert.equal(typeof problem.path, "string");
      assert.equal(typeof problem.message, "string");
      assert.ok(problem.message.length > 0);
    }
    assert.deepEqual(body.problems.map((p: { path: string }) => p.path).sort(), [...MANY_PROBLEM_PATHS].sort());
  });

  it("reports invalid JSON (exit 2)", async () => {
    const path = writeConfig(dir, '{ "servers": { "fx": ', "broken.json");
    const result = await runCli(["check-config", "--config", path]);
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /not valid JSON/);
    const json = await runCli(["check-config", "--config", path, "--json"]);
    assert.equal(json.code, 2);
    const body = JSON.parse(json.stdout);
    assert.equal(body.valid, false);
    assert.equal(body.problems.length, 1);
    assert.match(body.problems[0].message, /not valid JSON/);
  });

  it("does not let an unknown top-level key hide the problems inside servers", async () => {
    const path = writeConfig(
      dir,
      { mcpServer: {}, servers: { typo: { command: "x", idleTimeout: 1 } } },
      "toplevel.json",
    );
    const result = await runCli(["check-config", "--config", path, "--json"]);
    assert.equal(result.code, 2, describeRun(result));
    const paths = JSON.parse(result.stdout).problems.map((p: { path: string }) => p.path);
    assert.ok(paths.includes("mcpServer"), paths.join(", "));
    assert.ok(paths.includes("servers.typo.idleTimeout"), paths.join(", "));
  });

  it("reports a missing file clearly (exit 2)", async () => {
    const path = join(dir, "does-not-exist.json");
    const result = await runCli(["check-config", "--config", path]);
    assert.equal(result.code, 2, describeRun(result));
    assert.ok(result.stderr.includes(path), result.stderr);
    assert.match(result.stderr, /cannot read|ENOENT|not found|no such file/i);
  });

  it("without --config or MCP_CONFIG_PATH in an empty directory: exit 2 with the hint", async () => {
    const empty = scratch("switchboard-cli-empty-");
    const result = await runCli(["check-config"], { cwd: empty });
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /no configuration/);
    assert.match(result.stderr, /--config/);
    assert.match(result.stderr, /MCP_CONFIG_PATH/);
    assert.match(result.stderr, /switchboard\.json/);
  });

  it("honours MCP_CONFIG_PATH", async () => {
    const path = writeConfig(dir, { servers: { fromEnv: fixtureServer() } }, "from-env.json");
    const empty = scratch("switchboard-cli-empty-");
    const result = await runCli(["check-config", "--json"], { cwd: empty, env: { MCP_CONFIG_PATH: path } });
    assert.equal(result.code, 0, describeRun(result));
    const body = JSON.parse(result.stdout);
    assert.equal(body.path, path);
    assert.deepEqual(body.servers, ["fromEnv"]);
  });

  it("prefers --config over MCP_CONFIG_PATH, and uses ./switchboard.json when neither is given", async () => {
    const flagged = writeConfig(dir, { servers: { flagged: fixtureServer() } }, "flagged.json");
    const envPath = writeConfig(dir, { servers: { fromEnv: fixtureServer() } }, "env2.json");
    const viaFlag = await runCli(["check-config", "--json", "-c", flagged], { env: { MCP_CONFIG_PATH: envPath } });
    assert.equal(viaFlag.code, 0, describeRun(viaFlag));
    assert.deepEqual(JSON.parse(viaFlag.stdout).servers, ["flagged"]);

    const cwd = scratch("switchboard-cli-cwd-");
    writeConfig(cwd, { servers: { local: fixtureServer() } });
    const local = await runCli(["check-config", "--json"], { cwd });
    assert.equal(local.code, 0, describeRun(local));
    assert.deepEqual(JSON.parse(local.stdout).servers, ["local"]);
  });

  it("lists a bad environment override as a problem", async () => {
    const path = writeConfig(dir, { servers: { fx: fixtureServer() } }, "env-bad.json");
    const result = await runCli(["check-config", "--config", path], { env: { AUTO_SHUTDOWN_TIMEOUT: "abc" } });
    assert.equal(result.code, 2, describeRun(result));
    assert.match(problemLine(result.stderr, "env.AUTO_SHUTDOWN_TIMEOUT"), /not a number/);
  });
});

describe("serve with a bad configuration", () => {
  it("refuses to start: exit 2, every problem listed, nothing bound or spawned", async () => {
    const dir = scratch("switchboard-cli-serve-bad-");
    const stateDir = join(dir, "state");
    const path = writeConfig(dir, MANY_PROBLEMS);
    // No --port: the file's own (invalid) port is what serve would bind, so the problems match check-config's.
    const result = await runCli(["serve", "--config", path, "--state-dir", stateDir], { timeoutMs: 15_000 });
    assert.equal(result.code, 2, describeRun(result));
    assert.equal(result.stdout, "");
    assert.match(result.stderr, new RegExp(`${MANY_PROBLEM_PATHS.length} problem\\(s\\)`));
    for (const problemPath of MANY_PROBLEM_PATHS) problemLine(result.stderr, problemPath);
    assert.doesNotMatch(result.stderr, LISTENING);
    assert.ok(!existsSync(join(stateDir, "children")), "no gateway was created (state directory untouched)");
  });

  it("refuses with --port 0 too, listing the server problems", async () => {
    const dir = scratch("switchboard-cli-serve-bad-");
    const path = writeConfig(dir, { servers: MANY_PROBLEMS.servers });
    const result = await runCli(["serve", "--config", path, "--port", "0", "--state-dir", join(dir, "state")]);
    assert.equal(result.code, 2, describeRun(result));
    for (const problemPath of MANY_PROBLEM_PATHS.filter((p) => p.startsWith("servers.")))
      problemLine(result.stderr, problemPath);
    assert.doesNotMatch(result.stderr, LISTENING);
  });

  it("still reports an invalid gateway.port in the file when --port overrides it", async () => {
    const dir = scratch("switchboard-cli-serve-bad-");
    const path = writeConfig(dir, { gateway: { port: "eighty" }, servers: { fx: fixtureServer() } });
    const result = await runCli(["check-config", "--config", path, "--port", "0"]);
    assert.equal(result.code, 2, describeRun(result));
    problemLine(result.stderr, "gateway.port");
  });

  it("refuses a missing file the same way", async () => {
    const dir = scratch("switchboard-cli-serve-missing-");
    const result = await runCli([
      "serve",
      "--config",
      join(dir, "nope.json"),
      "--port",
      "0",
      "--state-dir",
      join(dir, "state"),
    ]);
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /cannot read|ENOENT/);
    assert.doesNotMatch(result.stderr, LISTENING);
  });
});

/** `switchboard serve --port 0` on a one-server config, in its own state directory; resolves with its URL. */
async function serveFixture(prefix: string): Promise<{ server: RunningCli; url: string; stateDir: string }> {
  const dir = scratch(prefix);
  const stateDir = join(dir, "state");
  const path = writeConfig(dir, { servers: { fx: fixtureServer() } });
  const server = startCli(["serve", "--config", path, "--port", "0", "--state-dir", stateDir]);
  const match = await server.waitForStderr(LISTENING, 20_000);
  return { server, url: match[1] as string, stateDir };
}

// Each test sets up the server state it needs (asleep, or running with a known pid) instead of relying on what
// an earlier test left behind, so any one of them can run alone or in any order.
describe("serve --port 0 and the commands that talk to it with --url", () => {
  let serve: Awaited<ReturnType<typeof serveFixture>> | undefined;
  let url = "";

  before(async () => {
    serve = await serveFixture("switchboard-cli-serve-");
    url = serve.url;
  });
  after(async () => {
    serve?.server.kill();
    if (serve) reapRecordedChildren(serve.stateDir);
  });

  /** Puts fx asleep (a no-op when it is). */
  async function asleep(): Promise<void> {
    const stop = await runCli(["servers", "stop", "fx", "--url", url]);
    assert.equal(stop.code, 0, describeRun(stop));
  }

  /** Starts fx (a no-op when it runs) and returns its pid. */
  async function running(): Promise<number> {
    const start = await runCli(["servers", "start", "fx", "--url", url]);
    assert.equal(start.code, 0, describeRun(start));
    const match = /^fx: ready \(pid (\d+)\)$/m.exec(start.stdout);
    assert.ok(match, start.stdout);
    return Number(match[1]);
  }

  it("prints the bound URL with a real port", () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(url).port, "0");
  });

  it("servers list: a table with the server asleep", async () => {
    await asleep();
    const result = await runCli(["servers", "list", "--url", url]);
    assert.equal(result.code, 0, describeRun(result));
    const lines = result.stdout.trimEnd().split("\n");
    assert.match(lines[0] as string, /^NAME\s+STATUS\s+PID\s+SANDBOX\s+TOOLS\s+RESTARTS/);
    const row = lines.find((line) => line.startsWith("fx "));
    assert.ok(row, result.stdout);
    assert.match(row, /^fx\s+asleep\s+-\s+-\s/, "no pid and no sandbox in effect while asleep");
  });

  it("servers list --json: an array with name, status, pid, restarts, tools", async () => {
    await asleep();
    const result = await runCli(["servers", "list", "--url", url, "--json"]);
    assert.equal(result.code, 0, describeRun(result));
    const rows = JSON.parse(result.stdout);
    assert.ok(Array.isArray(rows));
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.equal(row.name, "fx");
    assert.equal(row.status, "asleep");
    assert.equal(row.pid, null);
    assert.equal(row.restarts, 0);
    assert.ok("tools" in row);
  });

  it("honours SWITCHBOARD_URL instead of --url", async () => {
    const result = await runCli(["servers", "list", "--json"], { env: { SWITCHBOARD_URL: url } });
    assert.equal(result.code, 0, describeRun(result));
    assert.equal(JSON.parse(result.stdout)[0].name, "fx");
  });

  it("tools list: namespaced names", async () => {
    const result = await runCli(["tools", "list", "--url", url]);
    assert.equal(result.code, 0, describeRun(result));
    const names = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => line.split(/\s/)[0]);
    for (const expected of ["fx__echo", "fx__pid", "fx__sleep"]) assert.ok(names.includes(expected), result.stdout);
    assert.match(result.stdout, /^fx__echo\s+Echo the message$/m);
  });

  it("tools list --server: the server's own names", async () => {
    const result = await runCli(["tools", "list", "--url", url, "--server", "fx", "--json"]);
    assert.equal(result.code, 0, describeRun(result));
    const names = JSON.parse(result.stdout).map((tool: { name: string }) => tool.name);
    assert.ok(names.includes("echo"), names.join(", "));
    assert.ok(!names.some((name: string) => name.includes("__")), names.join(", "));
  });

  it("tools call prints the text result and exits 0", async () => {
    const result = await runCli(["tools", "call", "fx__echo", "--args", '{"message":"hi"}', "--url", url]);
    assert.equal(result.code, 0, describeRun(result));
    assert.equal(result.stdout, "hi\n");
  });

  it("tools call of an unknown tool exits 1 with the error on stderr", async () => {
    const result = await runCli(["tools", "call", "fx__no_such_tool", "--url", url]);
    assert.equal(result.code, 1, describeRun(result));
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /Unknown tool: fx__no_such_tool/);
  });

  it("tools call with --args that are not JSON is a usage error (exit 2)", async () => {
    const result = await runCli(["tools", "call", "fx__echo", "--args", "{not json", "--url", url]);
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /--args/);
  });

  it("servers list shows the running server with its pid and the tool count of its manifest", async () => {
    const pid = await running();
    const tools = await runCli(["tools", "list", "--url", url, "--server", "fx", "--json"]);
    // The gateway's read_result is listed too (output budgets can cut results here); it is not the server's.
    const own = JSON.parse(tools.stdout).filter((tool: { name: string }) => tool.name !== "read_result").length;
    assert.ok(own >= 7, tools.stdout);
    const result = await runCli(["servers", "list", "--url", url, "--json"]);
    assert.equal(result.code, 0, describeRun(result));
    const [row] = JSON.parse(result.stdout);
    assert.equal(row.status, "ready");
    assert.equal(row.pid, pid);
    assert.equal(row.tools, own, "the tool count of the discovered manifest");
    assert.ok(isRunning(row.pid));
  });

  it("servers stop, then servers start", async () => {
    const before = await running();
    const stop = await runCli(["servers", "stop", "fx", "--url", url]);
    assert.equal(stop.code, 0, describeRun(stop));
    assert.match(stop.stdout, /^fx: asleep$/m);
    await waitGone([before]);

    const pid = await running();
    assert.notEqual(pid, before);
    assert.ok(isRunning(pid));
    const list = await runCli(["servers", "list", "--url", url, "--json"]);
    const [row] = JSON.parse(list.stdout);
    assert.equal(row.pid, pid);
    assert.equal(row.status, "ready");
  });

  it("servers start of an unknown server exits 1", async () => {
    const result = await runCli(["servers", "start", "nope", "--url", url]);
    assert.equal(result.code, 1, describeRun(result));
    assert.match(result.stderr, /nope/);
  });
});

describe("serve and SIGTERM", () => {
  it("exits 0 within a few seconds, the server child is gone, and the commands can no longer reach it", async () => {
    const { server, url, stateDir } = await serveFixture("switchboard-cli-sigterm-");
    try {
      const start = await runCli(["servers", "start", "fx", "--url", url, "--json"]);
      assert.equal(start.code, 0, describeRun(start));
      const fixturePid = JSON.parse(start.stdout).pid as number;
      assert.ok(fixturePid > 0 && isRunning(fixturePid), "a fixture child is running");
      process.kill(server.pid, "SIGTERM");
      const exit = await Promise.race([
        server.exited,
        new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 8_000).unref()),
      ]);
      assert.notEqual(exit, "timeout", `serve did not exit after SIGTERM\n${server.stderr()}`);
      assert.deepEqual(exit, { code: 0, signal: null }, server.stderr());
      await waitGone([fixturePid], 2_000);
      assert.deepEqual(recordedChildren(stateDir), [], "no child records left behind");

      const result = await runCli(["servers", "list", "--url", url]);
      assert.equal(result.code, 1, describeRun(result));
      assert.match(result.stderr, /cannot reach the gateway/);
    } finally {
      server.kill();
      reapRecordedChildren(stateDir);
    }
  });
});

describe("servers and tools in-process (--config, no --url)", () => {
  const dir = scratch("switchboard-cli-local-");
  const stateDir = join(dir, "state");
  let path = "";
  before(() => {
    path = writeConfig(dir, { servers: { fx: fixtureServer() } });
  });
  after(() => {
    reapRecordedChildren(stateDir);
  });
  const local = (...args: string[]) => ["--config", path, "--state-dir", stateDir, ...args];
  const fixturePidsIn = (stderr: string) =>
    [...stderr.matchAll(/misbehaving fixture (\d+) up/g)].map((m) => Number(m[1]));

  it("servers list shows the server asleep without starting it", async () => {
    const result = await runCli(["servers", "list", ...local("--json")]);
    assert.equal(result.code, 0, describeRun(result));
    const [row] = JSON.parse(result.stdout);
    assert.equal(row.name, "fx");
    assert.equal(row.status, "asleep");
    assert.deepEqual(recordedChildren(stateDir), []);
  });

  it("tools list works and leaves no child process behind", async () => {
    // At info level the fixture's stderr line ("misbehaving fixture <pid> up") is logged: that is its pid.
    const result = await runCli(["tools", "list", ...local("--log-level", "info")]);
    assert.equal(result.code, 0, describeRun(result));
    assert.match(result.stdout, /^fx__echo\b/m);
    const pids = fixturePidsIn(result.stderr);
    assert.equal(pids.length, 1, result.stderr);
    await waitGone(pids, 2_000);
    assert.deepEqual(recordedChildren(stateDir), []);
  });

  it("tools call works and leaves no child process behind", async () => {
    const echo = await runCli(["tools", "call", "fx__echo", "--args", '{"message":"hi"}', ...local()]);
    assert.equal(echo.code, 0, describeRun(echo));
    assert.equal(echo.stdout, "hi\n");

    const pid = await runCli(["tools", "call", "fx__pid", ...local()]);
    assert.equal(pid.code, 0, describeRun(pid));
    const fixturePid = Number(pid.stdout.trim());
    assert.ok(Number.isInteger(fixturePid) && fixturePid > 0, pid.stdout);
    await waitGone([fixturePid], 2_000);
    assert.deepEqual(recordedChildren(stateDir), []);
  });

  it("tools call of an unknown tool exits 1 with the error on stderr", async () => {
    const result = await runCli(["tools", "call", "fx__no_such_tool", ...local()]);
    assert.equal(result.code, 1, describeRun(result));
    assert.match(result.stderr, /Unknown tool: fx__no_such_tool/);
  });

  it("servers start in-process is a check (started and stopped); stop reports the state", async () => {
    const start = await runCli(["servers", "start", "fx", ...local()]);
    assert.equal(start.code, 0, describeRun(start));
    assert.match(start.stdout, /^started and stopped: server fx can start \(ready in \d+ ms, \d+ tools\)/m);
    assert.deepEqual(recordedChildren(stateDir), []);

    const stop = await runCli(["servers", "stop", "fx", ...local()]);
    assert.equal(stop.code, 0, describeRun(stop));
    assert.match(stop.stdout, /^fx: asleep$/m);
  });

  it("a bad configuration is refused with exit 2", async () => {
    const bad = writeConfig(dir, MANY_PROBLEMS, "bad.json");
    const result = await runCli(["tools", "list", "--config", bad, "--state-dir", stateDir]);
    assert.equal(result.code, 2, describeRun(result));
    problemLine(result.stderr, "servers.typo.idleTimeout");
  });
});

describe("usage", () => {
  it("an unknown command exits 2", async () => {
    const result = await runCli(["frobnicate"]);
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /unknown command "frobnicate"/);
    assert.match(result.stderr, /--help/);
  });

  it("--port abc exits 2", async () => {
    const result = await runCli(["serve", "--port", "abc", "--config", "/nonexistent.json"]);
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /--port must be 0\.\.65535, got "abc"/);
    const tooBig = await runCli(["serve", "--port", "70000"]);
    assert.equal(tooBig.code, 2, describeRun(tooBig));
  });

  it("an unknown option exits 2", async () => {
    const result = await runCli(["check-config", "--frobnicate"]);
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /frobnicate/);
  });

  it("servers start without a name exits 2", async () => {
    const result = await runCli(["servers", "start", "--url", "http://127.0.0.1:1"]);
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /needs a server name/);
  });

  it("--help exits 0 and prints the usage", async () => {
    for (const flag of ["--help", "-h"]) {
      const result = await runCli([flag]);
      assert.equal(result.code, 0, describeRun(result));
      assert.match(result.stdout, /^Usage: switchboard <command>/);
      for (const command of ["serve", "stdio", "check-config", "servers list", "tools call"])
        assert.ok(result.stdout.includes(command), command);
    }
    const withCommand = await runCli(["serve", "--help"]);
    assert.equal(withCommand.code, 0, describeRun(withCommand));
    assert.match(withCommand.stdout, /^Usage:/);
  });

  it("no command at all prints the usage and exits 2", async () => {
    const result = await runCli([]);
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stdout + result.stderr, /Usage: switchboard/);
  });

  it("--version prints the version from package.json", async () => {
    for (const flag of ["--version", "-v"]) {
      const result = await runCli([flag]);
      assert.equal(result.code, 0, describeRun(result));
      assert.equal(result.stdout, `${VERSION}\n`);
    }
  });
});

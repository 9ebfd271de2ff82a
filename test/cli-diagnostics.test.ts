// What a new user sees from the `switchboard` command when something is wrong or only half-done: check-config
// warnings, a server whose command cannot be spawned, one line per problem without stack traces, and an
// in-process `servers start` that says it was only a check.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  describeRun,
  killSpawned,
  reapRecordedChildren,
  recordedChildren,
  runCli,
  writeConfig,
} from "./helpers/cli.ts";
import { callTool, fixtureServer, REPO_ROOT, referenceServers, startTestGateway, tempDir } from "./helpers/gateway.ts";

const dirs: string[] = [];
function scratch(): string {
  const dir = tempDir("switchboard-cli-diag-");
  dirs.push(dir);
  return dir;
}
after(() => {
  killSpawned();
  for (const dir of dirs) {
    reapRecordedChildren(join(dir, "state"));
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A stack trace line as V8 prints it. */
const STACK_LINE = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

describe("check-config warnings", () => {
  it("warns (exit 0) about a command that cannot be resolved, with the PATH it searched", async () => {
    const dir = scratch();
    const path = writeConfig(dir, { servers: { x: { command: "no-such-binary-for-switchboard" } } });
    const result = await runCli(["check-config", "--config", path], { env: { PATH: "/usr/bin:/bin" } });
    assert.equal(result.code, 0, describeRun(result));
    assert.match(result.stdout, /valid \(1 servers, 1 enabled\)/);
    assert.match(result.stderr, /^warning: servers\.x\.command: .*no-such-binary-for-switchboard.*not found/m);
    assert.match(result.stderr, /PATH searched: \/usr\/bin:\/bin/);
    const json = await runCli(["check-config", "--config", path, "--json"], { env: { PATH: "/usr/bin:/bin" } });
    assert.equal(json.code, 0, describeRun(json));
    const body = JSON.parse(json.stdout);
    assert.equal(body.valid, true);
    assert.equal(body.warnings[0].path, "servers.x.command");
  });

  it("warns (exit 0) about a configuration with no servers", async () => {
    const path = writeConfig(scratch(), { servers: {} });
    const result = await runCli(["check-config", "--config", path]);
    assert.equal(result.code, 0, describeRun(result));
    assert.match(result.stderr, /^warning: servers: no servers are configured/m);
  });
});

describe("a server whose command cannot be spawned", () => {
  it("a call to its tool says it could not start: ENOENT, the command, the PATH; no stack traces", async () => {
    const dir = scratch();
    const path = writeConfig(dir, {
      gateway: { stateDir: join(dir, "state") },
      servers: { x: { command: "no-such-binary-for-switchboard" } },
    });
    const result = await runCli(["tools", "call", "x__anything", "--config", path], {
      env: { PATH: "/usr/bin:/bin" },
    });
    assert.equal(result.code, 1, describeRun(result));
    const last = result.stderr.trimEnd().split("\n").at(-1) as string;
    assert.match(last, /^error -31000: server x failed to start: /, describeRun(result));
    assert.match(last, /"no-such-binary-for-switchboard" not found \(ENOENT\)/);
    assert.match(last, /PATH=\/usr\/bin:\/bin/);
    assert.doesNotMatch(result.stderr, /Unknown tool/);
    assert.doesNotMatch(result.stderr, STACK_LINE, describeRun(result));
    assert.ok(result.stderr.length < 2_000, `a few lines, not pages:\n${result.stderr}`);
  });
});

describe("the README's examples at the default log level", () => {
  it("tools call everything__echo prints the echo and nothing else (first run: catalog unknown)", async () => {
    const dir = scratch();
    mkdirSync(join(dir, "workspace"));
    const path = writeConfig(dir, {
      gateway: { stateDir: join(dir, "state") },
      servers: referenceServers(join(dir, "workspace")),
    });
    const result = await runCli(["tools", "call", "everything__echo", "--args", '{"message":"hi"}', "--config", path], {
      cwd: REPO_ROOT,
    });
    assert.equal(result.code, 0, describeRun(result));
    assert.equal(result.stdout, "Echo: hi\n");
    assert.equal(result.stderr, "", "no warnings, no stack traces");
    assert.deepEqual(recordedChildren(join(dir, "state")), []);
  });

  it("servers start with --config says the start was a check, and the process is gone", async () => {
    const dir = scratch();
    const path = writeConfig(dir, { gateway: { stateDir: join(dir, "state") }, servers: { fx: fixtureServer() } });
    const result = await runCli(["servers", "start", "fx", "--config", path]);
    assert.equal(result.code, 0, describeRun(result));
    assert.match(
      result.stdout,
      /^started and stopped: server fx can start \(ready in \d+ ms, \d+ tools\); use --url to start it in a running gateway$/m,
    );
    assert.doesNotMatch(result.stdout, /pid/);
    assert.deepEqual(recordedChildren(join(dir, "state")), []);
    const json = await runCli(["servers", "start", "fx", "--config", path, "--json"]);
    const body = JSON.parse(json.stdout);
    assert.equal(body.checkOnly, true);
    assert.equal(body.canStart, true);
    assert.ok(body.tools > 0);
  });
});

describe("a server that cannot be spawned, called again while it waits out its backoff", () => {
  it("still answers why it could not start, not Unknown tool", async () => {
    const gw = await startTestGateway(
      { x: { command: "no-such-binary-for-switchboard", restart: { initialDelayMs: 60_000 } } },
      { gateway: { discovery: { listWaitMs: 300 } } },
    );
    try {
      for (const attempt of [1, 2]) {
        const reply = await callTool(gw.url, "x__anything", {});
        assert.equal(reply.body.error?.code, -31000, `attempt ${attempt}: ${reply.text}`);
        assert.match(reply.body.error.message, /failed to start: .*not found \(ENOENT\)/, `attempt ${attempt}`);
      }
      assert.equal(gw.gateway.supervisor.get("x").status().status, "backoff");
    } finally {
      await gw.close();
    }
  });
});

// What `switchboard serve` tells a new user at startup: the MCP endpoints, the admin and health URLs and the
// state directory, which is the one every other command (doctor, audit --config) reads for the same config;
// an empty configuration is served with a warning.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { describeRun, killSpawned, type RunningCli, runCli, startCli, writeConfig } from "./helpers/cli.ts";
import { REPO_ROOT, tempDir } from "./helpers/gateway.ts";

const dir = tempDir("switchboard-banner-");
const EXAMPLE_STATE = join(REPO_ROOT, "examples/default/.switchboard");
const exampleStateExisted = existsSync(EXAMPLE_STATE);
after(() => {
  killSpawned();
  rmSync(dir, { recursive: true, force: true });
  if (!exampleStateExisted) rmSync(EXAMPLE_STATE, { recursive: true, force: true });
});

interface LogLine {
  msg: string;
  level: number | string;
  [field: string]: unknown;
}

function logLines(stderr: string): LogLine[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}

async function serve(args: string[], cwd?: string): Promise<{ cli: RunningCli; banner: LogLine }> {
  const cli = startCli(["serve", ...args, "--port", "0"], { cwd, env: { USE_JSON_LOGS: "true", LOG_LEVEL: "info" } });
  await cli.waitForStderr(/listening on http/);
  const banner = logLines(cli.stderr()).find((line) => line.msg.includes("listening on")) as LogLine;
  return { cli, banner };
}

async function stop(cli: RunningCli): Promise<void> {
  process.kill(cli.pid, "SIGTERM");
  assert.equal((await cli.exited).code, 0, cli.stderr());
}

describe("startup banner", () => {
  it("names the MCP endpoint, the per-server endpoint, admin, health and the state directory", async () => {
    const stateDir = join(dir, "state");
    const config = writeConfig(dir, { gateway: { port: 0, stateDir }, servers: {} }, "plain.json");
    const { cli, banner } = await serve(["--config", config]);
    const url = banner.url as string;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    for (const text of [`${url}/mcp `, `${url}/mcp/{server}`, `${url}/servers`, `${url}/health`, stateDir])
      assert.ok(banner.msg.includes(text), `banner lacks ${text}: ${banner.msg}`);
    assert.equal(banner.mcp, `${url}/mcp`);
    assert.equal(banner.stateDir, stateDir);
    await stop(cli);
  });

  it("npm start and doctor --config use the same state directory: beside the example config", async () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
    // `exec` lets a signal sent to npm's shell reach the gateway itself.
    const [exec, node, bin, ...startArgs] = pkg.scripts.start.split(" ");
    assert.deepEqual(
      [exec, node, bin, startArgs[0]],
      ["exec", "node", "bin/switchboard.js", "serve"],
      pkg.scripts.start,
    );
    const { cli, banner } = await serve(startArgs.slice(1), REPO_ROOT);
    await stop(cli);
    assert.equal(banner.stateDir, EXAMPLE_STATE);
    const doctor = await runCli(["doctor", "--config", "examples/default/switchboard.json", "--json"], {
      cwd: REPO_ROOT,
    });
    const checks = (JSON.parse(doctor.stdout) as { checks: { name: string; data?: { path?: string } }[] }).checks;
    const stateCheck = checks.find((c) => c.name === "state directory");
    assert.equal(stateCheck?.data?.path, EXAMPLE_STATE, describeRun(doctor));
  });

  it("an empty configuration ({}) is served with a warning that there are no servers", async () => {
    const config = writeConfig(dir, {}, "empty.json");
    const { cli } = await serve(["--config", config, "--state-dir", join(dir, "empty-state")]);
    // The warning is its own line after the banner: wait for it rather than read stderr at the banner.
    await cli.waitForStderr(/has no servers/);
    const warning = logLines(cli.stderr()).find((line) => /has no servers/.test(line.msg));
    assert.ok(warning, cli.stderr());
    assert.ok(warning.msg.includes(config), warning.msg);
    await stop(cli);
  });
});

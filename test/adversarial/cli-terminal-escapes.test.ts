// A malicious server cannot reach the operator's terminal through the CLI: its tool name, description, result
// text and error message carry ANSI/OSC escapes and control characters (test/fixtures/malicious-ansi-server.ts);
// every CLI output — tables, plain lines, --json, errors, in-process and against a running gateway — has none,
// and --json still decodes to the server's exact strings.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type CliResult,
  describeRun,
  killSpawned,
  type RunningCli,
  runCli,
  startCli,
  writeConfig,
} from "../helpers/cli.ts";
import { tempDir } from "../helpers/gateway.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/malicious-ansi-server.ts", import.meta.url));
const TOOL = "evil__evil\u001b[8m_hidden";
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point of the check.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const dir = tempDir("switchboard-ansi-");
const config = writeConfig(dir, {
  gateway: { port: 0, stateDir: join(dir, "state"), audit: { flushIntervalMs: 1 } },
  // Screening would hold this server's escape-laden tool for review (test/integrity-screening.test.ts checks it);
  // here an operator has let it through, and the terminal must still be safe.
  servers: { evil: { command: process.execPath, args: [FIXTURE], screening: { quarantineAt: "never" } } },
});
after(() => {
  killSpawned();
  rmSync(dir, { recursive: true, force: true });
});

function assertClean(result: CliResult): void {
  const found = CONTROL.exec(result.stdout) ?? CONTROL.exec(result.stderr);
  assert.equal(
    found,
    null,
    `control character U+${found?.[0].charCodeAt(0).toString(16)} reached the terminal:\n${describeRun(result)}`,
  );
}

describe("CLI output from a malicious server (in-process gateway)", () => {
  it("tools list: names and descriptions are stripped", async () => {
    const result = await runCli(["tools", "list", "--config", config]);
    assert.equal(result.code, 0, describeRun(result));
    assertClean(result);
    assert.match(result.stdout, /evil__evil_hidden {2}Looks harmless/);
    assert.match(result.stdout, /but is not/);
  });

  it("tools list --json and --server: no raw control characters, yet the exact strings decode", async () => {
    const json = await runCli(["tools", "list", "--config", config, "--json"]);
    assertClean(json);
    const names = (JSON.parse(json.stdout) as { name: string; description: string }[]).map((t) => t.name);
    assert.ok(names.includes(TOOL), names.join(", "));
    const own = await runCli(["tools", "list", "--config", config, "--server", "evil"]);
    assert.equal(own.code, 0, describeRun(own));
    assertClean(own);
  });

  it("tools call: result text and a hostile error message are stripped", async () => {
    const ok = await runCli(["tools", "call", TOOL, "--config", config]);
    assert.equal(ok.code, 0, describeRun(ok));
    assertClean(ok);
    assert.match(ok.stdout, /result RED.*link/);
    assert.match(ok.stdout, /\nsecond line/, "line breaks of a result are kept");
    const failed = await runCli(["tools", "call", "evil__fails", "--config", config]);
    assert.equal(failed.code, 1, describeRun(failed));
    assertClean(failed);
    assert.match(failed.stderr, /boom RED/);
  });
});

describe("CLI output from a malicious server (through a running gateway)", () => {
  let serve: RunningCli;
  let url = "";
  before(async () => {
    serve = startCli(["serve", "--config", config], { env: { USE_JSON_LOGS: "true", LOG_LEVEL: "info" } });
    url = (await serve.waitForStderr(/listening on (http:\/\/[^\s"]+)/))[1] as string;
  });
  after(async () => {
    process.kill(serve.pid, "SIGTERM");
    await serve.exited;
  });

  it("tools list, tools call, servers list and audit --url print no control characters", async () => {
    for (const args of [
      ["tools", "list"],
      ["tools", "list", "--json"],
      ["tools", "call", TOOL],
      ["tools", "call", "evil__fails"],
      ["servers", "list"],
      ["audit"],
      ["audit", "--json"],
    ]) {
      const result = await runCli([...args, "--url", url]);
      assertClean(result);
    }
    const audit = await runCli(["audit", "--url", url]);
    assert.match(audit.stdout, /evil_hidden/, describeRun(audit));
  });
});

// The official MCP conformance suite as a gate: every server scenario that passes against the fixture directly
// must pass through the gateway's /mcp/{fixture} endpoint, except those listed with a reason in
// conformance/expected-failures.json. The client scenarios (against the gateway's upstream client) run too: the
// auth/* ones must not regress below the count in docs/conformance.md; the rest are printed for the record. Both
// tables appear in the test output.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { it } from "node:test";
import { REPO_ROOT } from "./helpers/gateway.ts";

function run(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, script), ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    // "close", not "exit": the output pipes may still hold data when the process exits.
    child.once("close", (code) => resolve({ code, output }));
  });
}

it("server scenarios: everything that passes directly passes through the gateway", { timeout: 900_000 }, async () => {
  const { code, output } = await run("scripts/conformance.ts", ["--suite", "all"]);
  process.stdout.write(`\n${output}\n`);
  assert.equal(code, 0, "a conformance scenario regressed through the gateway (see the table above)");
  assert.match(output, /0 gateway regressions, 0 direct failures/);
});

/** auth/* client scenarios that pass today (docs/conformance.md): fewer is a regression of the upstream OAuth client. */
const MIN_AUTH_CLIENT_PASSES = 59;

// About 80 scenarios of ~10 s each, one after the other.
it("client scenarios against the gateway's upstream client", { timeout: 1_800_000 }, async () => {
  const { output } = await run("scripts/conformance-client.ts", ["--suite", "all"]);
  process.stdout.write(`\n${output}\n`);
  assert.match(output, /client scenarios: \d+ pass/);
  const authPasses = output.match(/^\S+\s+auth\/\S+\s+pass$/gm) ?? [];
  assert.ok(
    authPasses.length >= MIN_AUTH_CLIENT_PASSES,
    `${authPasses.length} auth/* client scenarios pass, fewer than ${MIN_AUTH_CLIENT_PASSES} (see the table above)`,
  );
});

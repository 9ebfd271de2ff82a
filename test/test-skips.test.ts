// Tests that need a tool this machine lacks are visible as skipped, never as a silent pass: test/prometheus.test.ts
// run on a PATH without Prometheus reports each of its tests in `# skipped N`, and fails under CI=true.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "./helpers/gateway.ts";

function runWithoutPrometheus(ci: boolean): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: dirname(process.execPath) };
  delete env.NODE_TEST_CONTEXT; // a nested runner must report for itself
  delete env.CI;
  if (ci) env.CI = "true";
  const run = spawnSync(process.execPath, ["--test", join(REPO_ROOT, "test/prometheus.test.ts")], {
    cwd: REPO_ROOT,
    env,
    encoding: "utf8",
    timeout: 240_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const count = (output: string, name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(output)?.[1]);

describe("tests that need Prometheus, on a machine without it", () => {
  it("count as skipped in the summary, with the reason, and the run passes", () => {
    const { status, output } = runWithoutPrometheus(false);
    assert.equal(status, 0, output);
    assert.ok(count(output, "skipped") > 0, output);
    assert.equal(count(output, "skipped"), count(output, "tests"), output);
    assert.match(output, /# SKIP prometheus and promtool are not installed/);
  });

  it("fail under CI=true", () => {
    const { status, output } = runWithoutPrometheus(true);
    assert.notEqual(status, 0, output);
    assert.equal(count(output, "pass"), 0, output);
    assert.equal(count(output, "skipped"), 0, output);
  });
});

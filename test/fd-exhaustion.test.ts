// The gateway's own file descriptors run out (EMFILE, for real: a gateway process under a low RLIMIT_NOFILE that
// holds every free descriptor): spawning a server fails, and that is the gateway's problem, not the server's.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { FIXTURE_SERVER, tempDir } from "./helpers/gateway.ts";

const GATEWAY = fileURLToPath(new URL("./fixtures/fd-exhausted-gateway.ts", import.meta.url));
const NOFILE = 200;

function hasPrlimit(): boolean {
  try {
    execFileSync("prlimit", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Runs the fixture gateway under `prlimit --nofile` and returns its report. */
function runExhausted(stateDir: string): Promise<any> {
  const child = spawn(
    "prlimit",
    [`--nofile=${NOFILE}:${NOFILE}`, "--", process.execPath, GATEWAY, FIXTURE_SERVER, stateDir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve, reject) => {
    child.once("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`exit ${code}\n${err}\n${out}`));
      else resolve(JSON.parse(out));
    });
  });
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("file descriptors exhausted in the gateway", { skip: !hasPrlimit() && "prlimit is not installed" }, () => {
  it("fails the call as resources_exhausted, opens no breaker, counts no failure, recovers at once", async () => {
    const dir = tempDir("switchboard-emfile-");
    dirs.push(dir);
    const report = await runExhausted(dir);
    assert.match(String(report.first.text), /^\d+$/, "the first call, before exhaustion, worked");
    assert.ok(report.held > 0, "descriptors were held until EMFILE");
    // Four calls fail, each with the gateway's own error, never as a broken server (breaker after 2).
    assert.equal(report.exhausted.length, 4);
    for (const reply of report.exhausted) {
      assert.equal(reply.kind, "resources_exhausted", JSON.stringify(report.exhausted));
      assert.equal(reply.code, -31012);
    }
    assert.deepEqual(report.during, { state: "asleep", failures: 0, circuit: "closed" });
    // Descriptors freed: the very next call starts the server, no backoff to wait out.
    assert.match(String(report.recovered.text), /^\d+$/, JSON.stringify(report.recovered));
    const lines = report.logged.map((line: string) => JSON.parse(line));
    const errors = lines.filter((line: { level: number }) => line.level === 50);
    assert.ok(errors.length > 0, "logged at error level");
    assert.match(errors[0].msg, /out of file descriptors \(EMFILE\)/);
  });
});

// The installed `switchboard` command (bin/switchboard.js): runs the build when current, else the sources.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT } from "./helpers/gateway.ts";

const run = promisify(execFile);
const BIN = join(REPO_ROOT, "bin/switchboard.js");

it("prints the version and validates the bundled example config", async () => {
  const version = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version as string;
  assert.equal((await run(process.execPath, [BIN, "--version"])).stdout.trim(), version);
  const check = await run(process.execPath, [
    BIN,
    "check-config",
    "--config",
    join(REPO_ROOT, "examples/default/switchboard.json"),
  ]);
  assert.match(check.stdout, /valid \(4 servers, 4 enabled\)/);
});

it("re-executes itself in place with async context frames on a Node 22 started without them", async () => {
  const major = Number(process.versions.node.split(".")[0]);
  const config = join(REPO_ROOT, "examples/default/switchboard.json");
  // NODE_OPTIONS cleared: the command alone decides.
  const env = { ...process.env, NODE_OPTIONS: "" };
  const doctor = await run(process.execPath, [BIN, "doctor", "--json", "--config", config], { env }).catch(
    (failed: { stdout: string }) => failed, // a missing sandbox tool may fail other rows; the node row is read
  );
  const node = (
    JSON.parse(doctor.stdout) as { checks: { name: string; data?: { asyncContext?: string } }[] }
  ).checks.find((c) => c.name === "node");
  // Node 22 gets the flag from the command, Node 24 has frames by default; the end-of-life Node 23 gets neither.
  assert.equal(node?.data?.asyncContext, major === 23 ? "hooks" : "frames");
  // Refused explicitly, the command runs as started.
  if (major === 22) {
    const refused = await run(
      process.execPath,
      ["--no-experimental-async-context-frame", BIN, "doctor", "--json", "--config", config],
      { env },
    ).catch((failed: { stdout: string }) => failed);
    assert.match(refused.stdout, /"asyncContext":"hooks"/);
  }
});

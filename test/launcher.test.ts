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

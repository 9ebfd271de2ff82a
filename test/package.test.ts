// The package as npm publishes it: `npm pack` (which builds dist/ through `prepare`) holds the command, the
// compiled gateway, the schema, the example and the licence, and no tests; the packed `switchboard` command,
// extracted outside the repository, runs the compiled build and serves a real tool call.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT, tempDir } from "./helpers/gateway.ts";

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
const dir = tempDir("switchboard-pack-");
const PACKAGE = join(dir, "package");
let files: string[] = [];

function run(command: string, args: string[], cwd: string, timeout = 120_000) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout,
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    all: `${result.stdout}\n${result.stderr}`,
  };
}

before(() => {
  const pack = run("npm", ["pack", "--json", "--pack-destination", dir], REPO_ROOT, 600_000);
  assert.equal(pack.status, 0, pack.all);
  const [manifest] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as {
    filename: string;
    files: { path: string }[];
  }[];
  files = (manifest?.files ?? []).map((f) => f.path);
  const untar = run("tar", ["xzf", join(dir, manifest?.filename as string), "-C", dir], dir);
  assert.equal(untar.status, 0, untar.all);
  // The dependencies an install would fetch from the registry: the repository's own, the same versions.
  symlinkSync(join(REPO_ROOT, "node_modules"), join(PACKAGE, "node_modules"), "dir");
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("npm pack", () => {
  it("holds the command, the compiled gateway with its workers, schema, example, licence and docs", () => {
    for (const path of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "SECURITY.md",
      "bin/switchboard.js",
      "bin/node22.js",
      "dist/fronts/cli/main.js",
      "dist/adapters/tokens/count-worker.js",
      "schema/switchboard.schema.json",
      "examples/default/switchboard.json",
      "docs/configuration.md",
    ])
      assert.ok(files.includes(path), `${path} missing from the package`);
  });

  it("holds no tests, CI scripts or local state", () => {
    const stray = files.filter((f) => /\.test\.ts$|^test\/|^\.ci\/|\.switchboard\/|^node_modules\//.test(f));
    assert.deepEqual(stray, []);
  });

  it("the packed command runs the compiled build: --version, check-config of the example", () => {
    const bin = join(PACKAGE, "bin/switchboard.js");
    const version = run(process.execPath, [bin, "--version"], dir);
    assert.equal(version.status, 0, version.all);
    assert.equal(version.stdout.trim(), VERSION);
    assert.doesNotMatch(version.stderr, /TypeScript sources/);
    const check = run(
      process.execPath,
      [bin, "check-config", "--config", "examples/default/switchboard.json"],
      PACKAGE,
    );
    assert.equal(check.status, 0, check.all);
    assert.match(check.stdout, /valid \(4 servers/);
  });

  it("the packed command calls a tool of the example's reference server", () => {
    const bin = join(PACKAGE, "bin/switchboard.js");
    const args = ["tools", "call", "everything__echo", "--args", '{"message":"packed"}'];
    const call = run(process.execPath, [bin, ...args, "--config", "examples/default/switchboard.json"], PACKAGE);
    assert.equal(call.status, 0, call.all);
    assert.match(call.stdout, /packed/);
    assert.doesNotMatch(call.stderr, /TypeScript sources/);
  });
});

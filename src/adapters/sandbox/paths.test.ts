// What a sandboxed launch sees of its own files: the executable, a script's folder, a package's node_modules, and
// the path as given when it goes through a symlink.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ownPaths, visibleCwd } from "./paths.ts";

const root = mkdtempSync(join(tmpdir(), "switchboard-paths-"));
after(() => rmSync(root, { recursive: true, force: true }));

const launch = (args: string[]) => ({ command: process.execPath, args, env: { PATH: "" }, cwd: root });

describe("own paths of a launch", () => {
  it("a package's bin shows the outermost node_modules, a script only itself", () => {
    const entry = join(root, "app/node_modules/@scope/pkg/dist/index.js");
    mkdirSync(join(root, "app/node_modules/@scope/pkg/dist"), { recursive: true });
    writeFileSync(entry, "");
    writeFileSync(join(root, "script.mjs"), "");
    const own = ownPaths(launch([entry, join(root, "script.mjs"), "not-a-path", "/no/such/file"]));
    assert.ok(own.includes(join(root, "app/node_modules")), own.join(" "));
    assert.ok(own.includes(join(root, "script.mjs")), "the script");
    assert.ok(!own.includes(root), "not the script's folder: it may hold anything");
    assert.ok(
      own.some((path) => path.endsWith("node") || path.includes("node")),
      "the executable",
    );
  });

  it("a package reached through a symlinked node_modules is visible by both paths", () => {
    mkdirSync(join(root, "linked"), { recursive: true });
    symlinkSync(join(root, "app/node_modules"), join(root, "linked/node_modules"));
    const own = ownPaths(launch([join(root, "linked/node_modules/@scope/pkg/dist/index.js")]));
    assert.ok(own.includes(join(root, "app/node_modules")), "the real folder");
    assert.ok(own.includes(join(root, "linked/node_modules")), "the path the server is started with");
  });

  it("the working directory is kept only when visible", () => {
    const paths = { system: [], own: [join(root, "app")], read: [], write: [], tmp: join(root, "tmp") };
    assert.equal(visibleCwd(join(root, "app"), paths, "/tmp"), join(root, "app"));
    assert.equal(visibleCwd(root, paths, "/tmp"), "/tmp");
  });
});

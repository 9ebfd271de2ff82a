// The Sandbox port's own decisions, with injected backends: fail closed or fall back loudly, refuse profiles
// that would show the gateway's own folders, and clear what killed gateways left behind.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type SandboxProfile, sandboxProfile } from "../../core/sandbox.ts";
import { createPinoLogger } from "../observability/pino-logger.ts";
import type { BackendAdapter } from "./backend.ts";
import { createSandbox } from "./create-sandbox.ts";
import { thisProcess } from "./owner.ts";

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

const logger = createPinoLogger({ level: "silent", json: false });
const root = mkdtempSync(join(tmpdir(), "switchboard-create-sandbox-"));
after(() => rmSync(root, { recursive: true, force: true }));

const profile = (overrides: Partial<SandboxProfile> = {}): SandboxProfile =>
  sandboxProfile({ backend: "bubblewrap", ...overrides });
const launch = { command: "/bin/true", args: [], env: { PATH: "/usr/bin:/bin" }, cwd: root };
const missing: BackendAdapter = {
  name: "bubblewrap",
  probe: async () => "bubblewrap (bwrap) is not installed: apt-get install bubblewrap",
  wrap: async () => assert.fail("a missing backend must not be asked to wrap"),
};

describe("the sandbox port", () => {
  it("onUnavailable fail: a missing backend refuses the launch, naming the backend and why", async () => {
    const sandbox = createSandbox({ logger, backends: { bubblewrap: missing } });
    await assert.rejects(sandbox.prepare("s", profile(), launch, new AbortController().signal), (error: Error) => {
      assert.equal((error as { code?: string }).code, "sandbox_unavailable");
      assert.match(error.message, /sandbox \(bubblewrap\) cannot be enforced here: .*apt-get install bubblewrap/);
      return true;
    });
    await sandbox.close();
  });

  it("onUnavailable warn: the launch runs as it is, its confinement says none and why", async () => {
    const sandbox = createSandbox({ logger, backends: { bubblewrap: missing } });
    const prepared = await sandbox.prepare(
      "s",
      profile({ onUnavailable: "warn" }),
      launch,
      new AbortController().signal,
    );
    assert.equal(prepared.command, "/bin/true");
    assert.equal(prepared.confinement.backend, "none");
    assert.equal(prepared.confinement.requested, "bubblewrap");
    assert.match(prepared.confinement.warnings.join(" "), /UNCONFINED/);
    await prepared.finish();
    await sandbox.close();
  });

  it("a profile showing the gateway's state directory (or a folder holding it) is refused, even under warn", async () => {
    const state = join(root, "project", ".switchboard");
    mkdirSync(state, { recursive: true });
    const sandbox = createSandbox({
      logger,
      backends: { bubblewrap: missing },
      protectedPaths: [{ path: state, allowInside: join(state, "servers") }],
    });
    for (const filesystem of [
      { read: [join(root, "project")], write: [] },
      { read: [], write: [state] },
    ]) {
      await assert.rejects(
        sandbox.prepare("s", profile({ filesystem, onUnavailable: "warn" }), launch, new AbortController().signal),
        /would show the gateway's own folder/,
      );
    }
    // Nor a folder inside it (the child records live there), except under servers/.
    await assert.rejects(
      sandbox.prepare(
        "s",
        profile({ filesystem: { read: [], write: [join(state, "children")] }, onUnavailable: "warn" }),
        launch,
        new AbortController().signal,
      ),
      /only .*servers may be given/,
    );
    // A symlink does not smuggle it in.
    symlinkSync(state, join(root, "state-link"));
    await assert.rejects(
      sandbox.prepare(
        "s",
        profile({ filesystem: { read: [join(root, "state-link")], write: [] }, onUnavailable: "warn" }),
        launch,
        new AbortController().signal,
      ),
      /would show the gateway's own folder/,
    );
    // The servers/ part may be given (the example's memory server writes there).
    const inside = await sandbox.prepare(
      "s",
      profile({ filesystem: { read: [], write: [join(state, "servers", "memory")] }, onUnavailable: "warn" }),
      launch,
      new AbortController().signal,
    );
    await inside.finish();
    await sandbox.close();
  });

  it("clears the runtime folders of gateways that are gone, and only those", async () => {
    const self = thisProcess();
    const folder = (name: string, owner: object | undefined) => {
      const dir = join(tmpdir(), `switchboard-sandbox-${name}`);
      mkdirSync(join(dir, "server-x", "tmp"), { recursive: true });
      if (owner) writeFileSync(join(dir, "owner.json"), JSON.stringify(owner));
      return dir;
    };
    const dead = folder("2147483646-gone", { ...self, pid: 2_147_483_646 });
    const reused = folder(`${process.pid}-reused`, { ...self, startTime: "1" });
    const live = folder(`${process.pid}-live`, self);
    const stranger = folder("2147483645-otherns", { ...self, pid: 2_147_483_645, pidNamespace: "1" });
    const unknown = folder("2147483644-noowner", undefined);
    const sandbox = createSandbox({ logger });
    await waitFor(() => !existsSync(dead) && !existsSync(reused));
    assert.ok(!existsSync(dead), "a dead gateway's folder is removed");
    assert.ok(!existsSync(reused), "a pid reused by a later process does not keep a dead owner's folder");
    assert.ok(existsSync(live), "a live gateway's folder stays");
    assert.ok(existsSync(stranger), "another PID namespace's folder stays: its pid means nothing here");
    assert.ok(existsSync(unknown), "a folder without a recorded owner stays");
    for (const dir of [live, stranger, unknown]) rmSync(dir, { recursive: true, force: true });
    await sandbox.close();
  });
});

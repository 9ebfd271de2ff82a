// Doctor's sandbox rows against a made-up host: a PATH directory holding only the programs a test puts there,
// and a security-module list written by the test, so every outcome is reachable on any machine.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseConfig } from "../../config/load.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import {
  type BackendProbe,
  type CheckedBackend,
  checkSandboxBackends,
  checkServerSandboxes,
  probeSandboxBackends,
  trySandboxBackends,
} from "./sandbox-backends.ts";

const root = mkdtempSync(join(tmpdir(), "switchboard-doctor-sandbox-"));
after(() => rmSync(root, { recursive: true, force: true }));
let hosts = 0;

/** A host whose PATH holds exactly `programs` and whose kernel lists `lsm`. */
function host(programs: readonly string[], lsm = "capability,landlock,yama") {
  const dir = join(root, `host-${++hosts}`);
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(dir, "lsm"), `${lsm}\n`);
  for (const program of programs) {
    writeFileSync(join(bin, program), "#!/bin/sh\nexit 0\n");
    chmodSync(join(bin, program), 0o755);
  }
  return probeSandboxBackends({ env: { PATH: bin }, lsmPath: join(dir, "lsm") });
}

function servers(entries: Record<string, Record<string, unknown>>): ServerSpec[] {
  return [...parseConfig(JSON.stringify({ servers: entries }), undefined).servers];
}

const row = (rows: { name: string }[], name: string) => {
  const found = rows.find((r) => r.name === name);
  assert.ok(found, `no "${name}" row in ${rows.map((r) => r.name).join(", ")}`);
  return found as ReturnType<typeof checkSandboxBackends>[number];
};

describe("doctor: sandbox backends", () => {
  it("everything present: one ok row per backend, in order", () => {
    const rows = checkSandboxBackends(host(["bwrap", "firejail", "gcc", "runsc", "podman", "crun"]));
    assert.deepEqual(
      rows.map((r) => [r.name, r.status]),
      ["bubblewrap", "firejail", "landlock", "gvisor", "podman"].map((b) => [`sandbox ${b}`, "ok"]),
    );
    assert.match(row(rows, "sandbox landlock").detail, /kernel support; compiler .*\/gcc$/);
  });

  it("nothing present: warn rows naming what is missing and the Debian package", () => {
    const rows = checkSandboxBackends(host([], "capability,yama"));
    assert.ok(rows.every((r) => r.status === "warn"));
    assert.equal(row(rows, "sandbox bubblewrap").detail, "missing bwrap on PATH (apt-get install bubblewrap)");
    assert.equal(row(rows, "sandbox firejail").detail, "missing firejail on PATH (apt-get install firejail)");
    assert.equal(row(rows, "sandbox gvisor").detail, "missing runsc on PATH (apt-get install runsc)");
    assert.equal(
      row(rows, "sandbox podman").detail,
      "missing podman on PATH, runc or crun on PATH (apt-get install podman runc)",
    );
    const landlock = row(rows, "sandbox landlock").detail;
    assert.match(landlock, /kernel support \(landlock is not among the active security modules: capability,yama\)/);
    assert.match(landlock, /cc or gcc on PATH \(apt-get install gcc\)$/);
  });

  it("podman without a runtime, landlock with a compiler but no kernel support", () => {
    const rows = checkSandboxBackends(host(["podman", "cc"], "capability,yama"));
    assert.equal(row(rows, "sandbox podman").detail, "missing runc or crun on PATH (apt-get install runc)");
    assert.equal(row(rows, "sandbox landlock").status, "warn");
    assert.doesNotMatch(row(rows, "sandbox landlock").detail, /apt-get/);
  });
});

describe("doctor: trying each backend", () => {
  it("a backend that runs wins over a shallow doubt, one that fails says why", async () => {
    const dir = join(root, "tried");
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    for (const program of ["bwrap", "cc"]) {
      writeFileSync(join(bin, program), "#!/bin/sh\nexit 0\n");
      chmodSync(join(bin, program), 0o755);
    }
    const tryBackends = async () => ({
      bubblewrap: "bwrap does not work here: no user namespaces",
      landlock: undefined,
    });
    const probes = await trySandboxBackends({ env: { PATH: bin }, lsmPath: join(dir, "no-lsm"), tryBackends });
    const rows = checkSandboxBackends(probes);
    assert.equal(row(rows, "sandbox bubblewrap").status, "warn");
    assert.equal(row(rows, "sandbox bubblewrap").detail, "bwrap does not work here: no user namespaces");
    assert.equal(row(rows, "sandbox landlock").status, "ok", "it ran although /sys/kernel/security is not there");
    assert.match(row(rows, "sandbox landlock").detail, /test command ran/);
    assert.equal(row(rows, "sandbox firejail").status, "warn", "a backend not tried keeps the shallow verdict");
  });
});

describe("doctor: each server's sandbox", () => {
  const configured = servers({
    auto: { command: "x", sandbox: {} },
    named: { command: "x", sandbox: { backend: "gvisor" } },
    lenient: { command: "x", sandbox: { backend: "firejail", onUnavailable: "warn", network: "host" } },
    plain: { command: "x" },
    other: { command: "x", enabled: false },
    remote: { url: "https://example.com/mcp" },
  });

  it("auto picks the first available of bubblewrap, firejail, landlock; a missing named backend fails", () => {
    const rows = checkServerSandboxes(configured, host(["firejail", "gcc"]));
    assert.deepEqual(row(rows, "server auto sandbox"), {
      name: "server auto sandbox",
      status: "ok",
      detail: "firejail (auto), network none",
      data: { requested: "auto", network: "none", onUnavailable: "fail", backend: "firejail" },
    });
    assert.equal(row(rows, "server named sandbox").status, "fail");
    assert.match(row(rows, "server named sandbox").detail, /^gvisor: missing runsc on PATH \(apt-get install runsc\)/);
    assert.equal(row(rows, "server lenient sandbox").status, "ok");
    assert.deepEqual(row(rows, "unconfined servers").data, { servers: ["plain"] });
    assert.equal(row(rows, "unconfined servers").status, "warn");
    assert.deepEqual(
      rows.map((r) => r.name),
      ["server auto sandbox", "server named sandbox", "server lenient sandbox", "unconfined servers"],
      "no row for disabled or remote servers",
    );
  });

  it("with no backend at all: fail under onUnavailable fail, warn under warn", () => {
    const rows = checkServerSandboxes(configured, host([], "capability"));
    assert.equal(row(rows, "server auto sandbox").status, "fail");
    assert.match(row(rows, "server auto sandbox").detail, /none of bubblewrap, firejail, landlock is available/);
    assert.match(row(rows, "server auto sandbox").detail, /will not start \(onUnavailable: fail\)$/);
    assert.equal(row(rows, "server lenient sandbox").status, "warn");
    assert.match(row(rows, "server lenient sandbox").detail, /would run unconfined \(onUnavailable: warn\)$/);
  });

  it("auto prefers bubblewrap when everything is there", () => {
    const probes: Record<CheckedBackend, BackendProbe> = host(["bwrap", "firejail", "gcc"]);
    assert.match(row(checkServerSandboxes(configured, probes), "server auto sandbox").detail, /^bubblewrap \(auto\)/);
  });
});

// The gVisor and podman backends against the real tools: an MCP server answers through each, and from inside
// the container a hidden file stays hidden, a read-only path refuses writes, the network is gone, podman's
// memory limit is the container's cgroup limit, and finish() leaves no container or runsc state behind.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import type { BackendAdapter, Wrapped, WrapRequest } from "../src/adapters/sandbox/backend.ts";
import { createGvisorBackend } from "../src/adapters/sandbox/gvisor.ts";
import { buildNodeImage } from "../src/adapters/sandbox/image-build.ts";
import { createPodmanBackend } from "../src/adapters/sandbox/podman.ts";
import type { SandboxProfile } from "../src/core/sandbox.ts";

const FIXTURE = resolve(import.meta.dirname, "fixtures/logging-server.ts");
/** Keeps running after stdin closes, so only a kill stops it. */
const STUBBORN = resolve(import.meta.dirname, "fixtures/misbehaving-server.ts");
const IMAGE = "localhost/switchboard-node-test:latest";
const MEMORY_BYTES = 96 * 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), "sb-containers-"));
const secret = join(work, "secret.txt");
const readDir = join(work, "read");
const writeDir = join(work, "write");
let listener: Server;
let port = 0;
let connections = 0;

before(async () => {
  writeFileSync(secret, "top secret");
  mkdirSync(readDir);
  mkdirSync(writeDir);
  chmodSync(writeDir, 0o777); // the servers run as nobody
  writeFileSync(join(readDir, "visible.txt"), "visible");
  listener = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((done) => listener.listen(0, "127.0.0.1", done));
  port = (listener.address() as { port: number }).port;
});

after(async () => {
  await new Promise((done) => listener.close(done));
  rmSync(work, { recursive: true, force: true });
});

/** Run inside the sandbox: every check's outcome as one JSON line. */
const PROBE = `
const fs = require("node:fs");
const net = require("node:net");
const out = { uid: process.getuid() };
const attempt = (name, fn) => { try { out[name] = fn(); } catch (e) { out[name] = "error:" + e.code; } };
attempt("secret", () => fs.readFileSync(process.env.SECRET, "utf8"));
attempt("visible", () => fs.readFileSync(process.env.READ_DIR + "/visible.txt", "utf8"));
attempt("writeReadOnly", () => (fs.writeFileSync(process.env.READ_DIR + "/x", "x"), "written"));
attempt("writeWritable", () => (fs.writeFileSync(process.env.WRITE_DIR + "/x", "x"), "written"));
attempt("openFiles", () => { const fds = []; try { while (fds.length < 1000) fds.push(fs.openSync("/dev/null", "r")); } catch {} fds.forEach((fd) => fs.closeSync(fd)); return fds.length; });
attempt("memoryLimit", () => fs.readFileSync("/sys/fs/cgroup/memory/memory.limit_in_bytes", "utf8").trim());
const socket = net.connect(Number(process.env.PORT), "127.0.0.1");
socket.on("connect", () => { out.network = "connected"; done(); });
socket.on("error", (e) => { out.network = "error:" + e.code; done(); });
setTimeout(() => { out.network ??= "timeout"; done(); }, 3000);
function done() { process.stdout.write(JSON.stringify(out) + "\\n"); process.exit(0); }
`;

function profile(overrides: Partial<SandboxProfile> = {}): SandboxProfile {
  return {
    backend: "gvisor",
    filesystem: { read: [readDir], write: [writeDir] },
    network: { mode: "none" },
    env: [],
    limits: { memoryBytes: undefined, cpus: undefined, processes: undefined, openFiles: 256 },
    user: "nobody",
    onUnavailable: "fail",
    image: undefined,
    ...overrides,
  };
}

function request(server: string, sandbox: SandboxProfile, command: string, args: string[]): WrapRequest {
  const stateDir = mkdtempSync(join(work, `${server}-state-`));
  const tmp = mkdtempSync(join(work, `${server}-tmp-`));
  chmodSync(tmp, 0o1777); // the servers run as nobody
  const env = {
    PATH: "/usr/bin:/bin",
    HOME: tmp,
    FIXTURE_IGNORE_STDIN_CLOSE: "1",
    SECRET: secret,
    READ_DIR: readDir,
    WRITE_DIR: writeDir,
    PORT: String(port),
  };
  return {
    server,
    profile: sandbox,
    launch: { command, args, env, cwd: tmp },
    paths: {
      system: ["/usr", "/lib", "/lib64", "/bin"].filter((p) => existsSync(p)),
      own: [process.execPath, FIXTURE, STUBBORN],
      read: [readDir],
      write: [writeDir],
      tmp,
    },
    egress: undefined,
    stateDir,
  };
}

function start(wrapped: Wrapped): ChildProcess {
  return spawn(wrapped.command, [...wrapped.args], {
    env: wrapped.env,
    cwd: wrapped.cwd,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
}

/** Lines the child writes to stdout, one at a time. */
function lines(child: ChildProcess): () => Promise<string> {
  let buffer = "";
  const waiting: ((line: string) => void)[] = [];
  const ready: string[] = [];
  child.stdout?.on("data", (chunk) => {
    buffer += String(chunk);
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else ready.push(line);
    }
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  return () => {
    const line = ready.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolveLine, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line in 20 s; stderr: ${stderr}`)), 20_000);
      waiting.push((l) => {
        clearTimeout(timer);
        resolveLine(l);
      });
    });
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once("exit", (code) => done(code)));
}

/** initialize and tools/call over the wrapped launch's stdio; the server exits when stdin ends. */
async function mcpRoundTrip(wrapped: Wrapped): Promise<void> {
  const child = start(wrapped);
  const next = lines(child);
  const send = (message: unknown) => child.stdin?.write(`${JSON.stringify(message)}\n`);
  send({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
  });
  const init = JSON.parse(await next());
  assert.equal(init.result.serverInfo.name, "logging-fixture");
  send({ jsonrpc: "2.0", method: "notifications/initialized" });
  send({
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: { name: "log", arguments: { level: "debug", message: "m" } },
  });
  const call = JSON.parse(await next());
  assert.deepEqual(call.result.content, [{ type: "text", text: "done" }]);
  child.stdin?.end();
  assert.equal(await exited(child), 0);
}

async function probeInside(wrapped: Wrapped): Promise<Record<string, unknown>> {
  const child = start(wrapped);
  const next = lines(child);
  const result = JSON.parse(await next()) as Record<string, unknown>;
  await exited(child);
  return result;
}

function assertConfined(inside: Record<string, unknown>): void {
  assert.equal(inside.uid, 65534);
  assert.match(String(inside.secret), /^error:/, "a file outside the visible paths is unreadable");
  assert.equal(inside.visible, "visible");
  assert.match(String(inside.writeReadOnly), /^error:(EROFS|EACCES)$/, "a read-only path refuses writes");
  assert.equal(inside.writeWritable, "written");
  assert.match(String(inside.network), /^error:/, "no network");
  assert.ok(Number(inside.openFiles) < 256, `RLIMIT_NOFILE 256 holds (opened ${inside.openFiles})`);
  assert.equal(connections, 0, "nothing reached the test's listener");
}

const EGRESS_PROBE = `
require("node:net").connect(process.argv[1])
  .on("data", (d) => { process.stdout.write(String(d)); process.exit(0); })
  .on("error", (e) => { process.stdout.write("error:" + e.code + "\\n"); process.exit(0); });
`;

/** network allow: the sandbox reaches a Unix socket of the host (the egress proxy) and nothing else. */
async function egressThroughSocket(backend: BackendAdapter, server: string, backendName: "gvisor" | "podman") {
  const socketPath = join(work, `${server}-egress.sock`);
  const proxy = createServer((socket) => socket.end("proxy says hi\n"));
  await new Promise<void>((done) => proxy.listen(socketPath, done));
  chmodSync(socketPath, 0o777); // the servers run as nobody
  try {
    const req = request(
      server,
      profile({ backend: backendName, network: { mode: "allow", allow: [] } }),
      process.execPath,
      ["-e", EGRESS_PROBE, socketPath],
    );
    const wrapped = await backend.wrap({ ...req, egress: { socketPath } });
    try {
      const child = start(wrapped);
      assert.equal(await lines(child)(), "proxy says hi");
      await exited(child);
    } finally {
      await wrapped.finish?.();
    }
  } finally {
    await new Promise((done) => proxy.close(done));
  }
}

function tool(name: string, args: string[]): boolean {
  try {
    execFileSync(name, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("gvisor backend", () => {
  const backend = createGvisorBackend();
  let why: string | undefined = "not probed";
  before(async () => {
    const started = performance.now();
    why = await backend.probe();
    // .ci/run installs every backend: under CI a missing one fails instead of skipping.
    if (why && process.env.CI) throw new Error(`required under CI: ${why}`);
    console.log(
      `gvisor probe (cold start of a trivial sandbox): ${((performance.now() - started) / 1000).toFixed(2)} s`,
    );
  });

  test("an MCP server answers through runsc, and finish() removes the sandbox's state", async (t) => {
    if (why) return t.skip(`SKIPPED: gvisor unavailable: ${why}`);
    const req = request("echo", profile(), process.execPath, [FIXTURE]);
    const wrapped = await backend.wrap(req);
    assert.equal(wrapped.confinement.filesystem, "allow-list");
    await mcpRoundTrip(wrapped);
    await wrapped.finish?.();
    assert.equal(existsSync(join(req.stateDir, "runsc")), false);
    assert.equal(existsSync(join(req.stateDir, "bundle")), false);
  });

  test("inside: hidden files, read-only paths and no network", async (t) => {
    if (why) return t.skip(`SKIPPED: gvisor unavailable: ${why}`);
    const wrapped = await backend.wrap(request("probe", profile(), process.execPath, ["-e", PROBE]));
    try {
      assertConfined(await probeInside(wrapped));
    } finally {
      await wrapped.finish?.();
    }
  });

  test("network allow: the egress proxy's Unix socket is reachable inside", async (t) => {
    if (why) return t.skip(`SKIPPED: gvisor unavailable: ${why}`);
    await egressThroughSocket(backend, "gegress", "gvisor");
  });

  test("SIGKILL of the runsc process group leaves no sandbox after finish()", async (t) => {
    if (why) return t.skip(`SKIPPED: gvisor unavailable: ${why}`);
    const req = request("kill", profile(), process.execPath, [STUBBORN]);
    const wrapped = await backend.wrap(req);
    const child = start(wrapped);
    // The sandbox and gofer processes name the state root, not the container id.
    const root = join(req.stateDir, "runsc");
    child.stdin?.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })}\n`);
    await lines(child)();
    const left = () =>
      execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
        .split("\n")
        .filter((l) => l.includes(root) && !l.startsWith("ps "));
    assert.notEqual(left().length, 0, "the sandbox runs before the kill");
    process.kill(-(child.pid as number), "SIGKILL");
    await exited(child);
    await new Promise((r) => setTimeout(r, 500));
    console.log(`gvisor: 0.5 s after SIGKILL of runsc's group, sandbox processes left: ${left().length}`);
    await wrapped.finish?.();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(left(), []);
  });
});

describe("podman backend", () => {
  const backend = createPodmanBackend({ defaultImage: IMAGE });
  let why: string | undefined = "not probed";
  before(async () => {
    why = await backend.probe();
    // .ci/run installs every backend: under CI a missing one fails instead of skipping.
    if (why && process.env.CI) throw new Error(`required under CI: ${why}`);
    if (why) return;
    const built = await buildNodeImage({ tag: IMAGE });
    console.log(`podman image built from host files in ${built.seconds.toFixed(2)} s`);
  });
  after(() => {
    if (!why) tool("podman", ["rmi", "--force", IMAGE]);
  });

  const names = (wrapped: Wrapped) => wrapped.args[wrapped.args.indexOf("--name") + 1] as string;
  const containers = (name: string) =>
    execFileSync("podman", ["ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.Names}}"], {
      encoding: "utf8",
    }).trim();

  test("a missing image is named, with the command that builds it", async (t) => {
    if (why) return t.skip(`SKIPPED: podman unavailable: ${why}`);
    const req = request("noimage", profile({ backend: "podman", image: "localhost/no-such-image:1" }), "node", [
      FIXTURE,
    ]);
    await assert.rejects(
      backend.wrap(req),
      /localhost\/no-such-image:1.*switchboard image build --tag localhost\/no-such-image:1/,
    );
  });

  test("an MCP server answers through podman, and finish() leaves no container", async (t) => {
    if (why) return t.skip(`SKIPPED: podman unavailable: ${why}`);
    const wrapped = await backend.wrap(request("echo", profile({ backend: "podman" }), process.execPath, [FIXTURE]));
    await mcpRoundTrip(wrapped);
    await wrapped.finish?.();
    assert.equal(containers(names(wrapped)), "");
  });

  test("inside: hidden files, read-only paths, no network and the memory limit in the cgroup", async (t) => {
    if (why) return t.skip(`SKIPPED: podman unavailable: ${why}`);
    const limits = { memoryBytes: MEMORY_BYTES, cpus: 1, processes: 64, openFiles: 256 };
    const wrapped = await backend.wrap(
      request("probe", profile({ backend: "podman", limits }), process.execPath, ["-e", PROBE]),
    );
    try {
      const inside = await probeInside(wrapped);
      assertConfined(inside);
      assert.equal(inside.memoryLimit, String(MEMORY_BYTES));
      assert.deepEqual(wrapped.confinement.limits?.memoryBytes, { value: MEMORY_BYTES, by: "container" });
    } finally {
      await wrapped.finish?.();
    }
  });

  test("network allow: the egress proxy's Unix socket is reachable inside", async (t) => {
    if (why) return t.skip(`SKIPPED: podman unavailable: ${why}`);
    await egressThroughSocket(backend, "pegress", "podman");
  });

  test("SIGKILL of the podman client: finish() removes the container", async (t) => {
    if (why) return t.skip(`SKIPPED: podman unavailable: ${why}`);
    const wrapped = await backend.wrap(request("kill", profile({ backend: "podman" }), process.execPath, [STUBBORN]));
    const child = start(wrapped);
    child.stdin?.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })}\n`);
    await lines(child)();
    process.kill(-(child.pid as number), "SIGKILL");
    await exited(child);
    await new Promise((r) => setTimeout(r, 500));
    console.log(
      `podman: 0.5 s after SIGKILL of the client's group, container left: ${containers(names(wrapped)) || "none"}`,
    );
    await wrapped.finish?.();
    assert.equal(containers(names(wrapped)), "");
  });
});

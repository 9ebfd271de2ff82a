// The native launcher and the Landlock backend against real processes and real sockets on 127.0.0.1.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { SandboxProfile } from "../../core/sandbox.ts";
import type { SandboxPaths, WrapRequest } from "./backend.ts";
import { createLandlockBackend } from "./landlock.ts";
import { ensureLauncher, launcherArgs } from "./native-launcher.ts";

const SYSTEM = ["/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache"].filter((path) => existsSync(path));
const SYSTEM_ARGS = SYSTEM.flatMap((path) => ["--landlock-read", path]);

/** Tries each kind of socket (and io_uring), then a TCP connect to the port in argv[1]; prints one line each. */
const SOCKET_PROBE = `#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
static void report(const char *name, long result) { printf("%s %s\\n", name, result < 0 ? strerrorname_np(errno) : "ok"); }
int main(int argc, char **argv) {
  int pair[2];
  report("tcp", socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  report("tcp6", socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP));
  report("udp", socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
  report("udp6", socket(AF_INET6, SOCK_DGRAM, 0));
  report("raw", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
  report("sctp", socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP));
  report("packet", socket(AF_PACKET, SOCK_RAW, 0));
  report("unix", socket(AF_UNIX, SOCK_STREAM, 0));
  report("unix-pair", socketpair(AF_UNIX, SOCK_STREAM, 0, pair));
  report("inet-pair", socketpair(AF_INET, SOCK_DGRAM, 0, pair));
  report("io_uring", syscall(SYS_io_uring_setup, 1, NULL));
  int tcp = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  report("connect", connect(tcp, (struct sockaddr *)&address, sizeof(address)));
  return 0;
}
`;

/** Listens on a TCP socket it never bound (the kernel picks a port on every address); prints the port, waits. */
const IMPLICIT_LISTENER = `#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || listen(fd, 8) != 0) { perror("listen"); return 1; }
  struct sockaddr_in address;
  socklen_t length = sizeof(address);
  getsockname(fd, (struct sockaddr *)&address, &length);
  printf("%d\\n", ntohs(address.sin_port));
  fflush(stdout);
  sleep(30);
  return 0;
}
`;

/** Sends one UDP datagram to 127.0.0.1:argv[2]; prints `sent` or the error code. */
const UDP_SENDER = `const socket = require("node:dgram").createSocket("udp4");
const done = (error) => { console.log(error ? error.code : "sent"); socket.close(); };
socket.on("error", done);
socket.send("leak", Number(process.argv[2]), "127.0.0.1", (error) => done(error));
`;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  return new Promise<Outcome>((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function listen(server: Server, target: number | string): Promise<void> {
  return new Promise((resolve) => server.listen(target as number, "127.0.0.1", resolve));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await listen(server, 0);
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") ?? true;
  } catch {
    return true;
  }
}

describe("sb-launch", () => {
  let root: string;
  let launcher: string;
  let inside: string;
  let outside: string;
  let writable: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "sb-launch-"));
    launcher = await ensureLauncher({ cacheDir: join(root, "cache") });
    inside = join(root, "inside");
    outside = join(root, "outside");
    writable = join(root, "writable");
    for (const dir of [inside, outside, writable]) mkdirSync(dir);
    writeFileSync(join(inside, "f"), "inside\n");
    writeFileSync(join(outside, "f"), "outside\n");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("is compiled once per source version and reused", async () => {
    assert.match(launcher, /sb-launch-[0-9a-f]{12}$/);
    assert.equal(await ensureLauncher({ cacheDir: join(root, "cache") }), launcher);
  });

  it("lets a program read its read paths and nothing else", async () => {
    const confined = [...SYSTEM_ARGS, "--landlock-read", inside, "--"];
    const allowed = await run(launcher, [...confined, "cat", join(inside, "f")]);
    assert.deepEqual([allowed.code, allowed.stdout], [0, "inside\n"]);
    const denied = await run(launcher, [...confined, "cat", join(outside, "f")]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Permission denied/);
  });

  it("lets a program write inside its write paths only", async () => {
    const confined = [...SYSTEM_ARGS, "--landlock-read", inside, "--landlock-write", writable, "--"];
    const script = (target: string) => `echo written > ${target} && cat ${target}`;
    const allowed = await run(launcher, [...confined, "sh", "-c", script(join(writable, "new"))]);
    assert.deepEqual([allowed.code, allowed.stdout], [0, "written\n"]);
    for (const target of [join(inside, "new"), join(outside, "new")]) {
      const denied = await run(launcher, [...confined, "sh", "-c", script(target)]);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /Permission denied/);
      assert.equal(existsSync(target), false);
    }
  });

  it("cuts TCP with net none and allows only the given port with port:N", async () => {
    const server = createServer((socket) => socket.end());
    await listen(server, 0);
    const port = (server.address() as { port: number }).port;
    try {
      const connect = ["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`];
      const none = await run(launcher, [...SYSTEM_ARGS, "--landlock-net", "none", "--", ...connect]);
      assert.notEqual(none.code, 0);
      assert.match(none.stderr, /Permission denied/);
      const other = await run(launcher, [
        ...SYSTEM_ARGS,
        "--landlock-net",
        `port:${port === 1 ? 2 : port - 1}`,
        "--",
        ...connect,
      ]);
      assert.notEqual(other.code, 0);
      const allowed = await run(launcher, [...SYSTEM_ARGS, "--landlock-net", `port:${port}`, "--", ...connect]);
      assert.deepEqual([allowed.code, allowed.stdout], [0, "connected\n"]);
    } finally {
      server.close();
    }
  });

  it("with --deny-udp, keeps IP to TCP streams and refuses io_uring; without it, UDP works", async () => {
    const probe = join(root, "socket-probe");
    writeFileSync(`${probe}.c`, SOCKET_PROBE);
    execFileSync("cc", ["-o", probe, `${probe}.c`]);
    const server = createServer((socket) => socket.end());
    await listen(server, 0);
    const port = String((server.address() as { port: number }).port);
    try {
      const confined = [...SYSTEM_ARGS, "--landlock-read", root, "--landlock-net", "none"];
      const filtered = await run(launcher, [...confined, "--deny-udp", "--", probe, port]);
      assert.equal(filtered.code, 0, filtered.stderr);
      assert.deepEqual(lines(filtered.stdout), {
        tcp: "ok",
        tcp6: "ok",
        udp: "EACCES",
        udp6: "EACCES",
        raw: "EACCES",
        sctp: "EACCES",
        packet: "EACCES",
        unix: "ok",
        "unix-pair": "ok",
        "inet-pair": "EACCES",
        io_uring: "EPERM",
        // Refused by Landlock, as before: the TCP socket itself was created.
        connect: "EACCES",
      });
      const unfiltered = lines((await run(launcher, [...confined, "--", probe, port])).stdout);
      assert.deepEqual([unfiltered.tcp, unfiltered.udp, unfiltered.connect], ["ok", "ok", "EACCES"]);
    } finally {
      server.close();
    }
  });

  it("applies RLIMIT_NOFILE, and /proc/self is the program's own entry", async () => {
    const args = [...SYSTEM_ARGS, "--landlock-read", "/proc/self", "--nofile", "123", "--", "cat", "/proc/self/limits"];
    const outcome = await run(launcher, args);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /Max open files\s+123\s+123\s/);
  });

  it("exits 127 with the reason when the command cannot run, 126 on a bad option", async () => {
    const missing = await run(launcher, ["--", "no-such-command-here"]);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /^sb-launch: cannot run no-such-command-here: No such file or directory\n$/);
    const bad = await run(launcher, ["--landlock-net", "sometimes", "--", "true"]);
    assert.equal(bad.code, 126);
    assert.match(bad.stderr, /^sb-launch: --landlock-net wants host, none or port:N/);
  });

  it("forwards a TCP port to a Unix socket while the program lives, then the forwarder dies", async () => {
    const socketPath = join(root, "proxy.sock");
    const proxy = createServer({ allowHalfOpen: true }, (socket) => {
      socket.on("data", (chunk) => socket.write(chunk.toString().toUpperCase()));
      socket.on("end", () => socket.end("|bye"));
    });
    await new Promise<void>((resolve) => proxy.listen(socketPath, resolve));
    const port = await freePort();
    const child = spawn(launcher, ["--forward", `${port}:${socketPath}`, "--", "sleep", "30"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const closed = new Promise((resolve) => child.on("close", resolve));
    try {
      assert.equal(await exchange(port, "hello"), "HELLO|bye");
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(" ");
      assert.equal(children.length, 1);
      const forwarder = Number(children[0]);
      assert.equal(gone(forwarder), false);
      child.kill("SIGKILL");
      // 'close' needs every stdio pipe closed: the forwarder holds none of them.
      await closed;
      for (let i = 0; i < 50 && !gone(forwarder); i++) await sleep(50);
      assert.equal(gone(forwarder), true);
    } finally {
      child.kill("SIGKILL");
      proxy.close();
    }
  });

  it("with --lo-up, brings up the loopback interface of a new network namespace", async () => {
    const connect = ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/1"];
    const down = await run("unshare", ["--net", launcher, "--", ...connect]);
    assert.match(down.stderr, /Network is unreachable/);
    const up = await run("unshare", ["--net", launcher, "--lo-up", "--", ...connect]);
    assert.notEqual(up.code, 126, up.stderr);
    assert.match(up.stderr, /Connection refused/);
    // Without CAP_NET_ADMIN in the namespace the launcher refuses to go on.
    const unprivileged = ["--net", "setpriv", "--reuid", "65534", "--clear-groups", launcher, "--lo-up", "--", "true"];
    const refused = await run("unshare", unprivileged);
    assert.equal(refused.code, 126);
    assert.match(refused.stderr, /^sb-launch: --lo-up: cannot bring lo up: Operation not permitted\n$/);
  });

  it("with --drop-caps, leaves the program and its forwarder no capability, or refuses to start", async () => {
    const status = ["grep", "^Cap", "/proc/self/status"];
    const kept = await run(launcher, ["--", ...status]);
    assert.notEqual(capabilities(kept.stdout).CapEff, "0000000000000000");
    const dropped = await run(launcher, ["--drop-caps", "--", ...status]);
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.deepEqual(capabilities(dropped.stdout), {
      CapInh: "0000000000000000",
      CapPrm: "0000000000000000",
      CapEff: "0000000000000000",
      CapBnd: "0000000000000000",
      CapAmb: "0000000000000000",
    });
    const port = await freePort();
    const child = spawn(launcher, [
      "--forward",
      `${port}:${join(root, "none.sock")}`,
      "--drop-caps",
      "--",
      "sleep",
      "30",
    ]);
    try {
      let forwarder = "";
      for (let i = 0; i < 50 && !forwarder; i++) {
        await sleep(20);
        forwarder = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim();
      }
      assert.ok(forwarder);
      assert.equal(capabilities(readFileSync(`/proc/${forwarder}/status`, "utf8")).CapEff, "0000000000000000");
    } finally {
      child.kill("SIGKILL");
    }
    // A process that may not drop its bounding set (no CAP_SETPCAP) cannot be made capability-free: refused.
    const refused = await run("setpriv", ["--reuid", "65534", "--clear-groups", launcher, "--drop-caps", "--", "true"]);
    assert.equal(refused.code, 126);
    assert.match(refused.stderr, /^sb-launch: --drop-caps: cannot drop capability 0 from the bounding set/);
  });

  it("explains a missing compiler", async () => {
    await assert.rejects(ensureLauncher({ cacheDir: join(root, "other-cache"), compiler: "no-such-cc" }), {
      message: /needs a C compiler: apt-get install gcc/,
    });
  });

  it("builds its command line from a plan", () => {
    const args = launcherArgs({
      loopbackUp: true,
      dropCapabilities: true,
      forwards: [{ port: 8080, socketPath: "/run/proxy.sock" }],
      landlock: { read: ["/usr"], write: ["/tmp/x"], network: { mode: "ports", ports: [8080] } },
      denyUdp: true,
      openFiles: 64,
      command: "node",
      args: ["server.js", "--"],
    });
    assert.deepEqual(args, [
      "--lo-up",
      "--forward",
      "8080:/run/proxy.sock",
      "--drop-caps",
      "--landlock",
      "--landlock-read",
      "/usr",
      "--landlock-write",
      "/tmp/x",
      "--landlock-net",
      "port:8080",
      "--deny-udp",
      "--nofile",
      "64",
      "--",
      "node",
      "server.js",
      "--",
    ]);
  });

  describe("the landlock backend", () => {
    const profile = (network: SandboxProfile["network"]): SandboxProfile => ({
      backend: "landlock",
      filesystem: { read: [], write: [] },
      env: [],
      limits: { memoryBytes: undefined, cpus: undefined, processes: undefined, openFiles: undefined },
      onUnavailable: "fail",
      image: undefined,
      network,
      user: "nobody",
    });
    // Node itself, for servers written in JavaScript.
    const node = [dirname(process.execPath), dirname(realpathSync(process.execPath))];
    const request = (
      network: SandboxProfile["network"],
      script: string,
      forwardPort?: number,
      socketPath = join(root, "egress.sock"),
    ): WrapRequest => {
      const paths: SandboxPaths = {
        system: SYSTEM,
        own: node,
        read: [inside],
        write: [writable],
        tmp: join(root, "tmp"),
      };
      mkdirSync(paths.tmp, { recursive: true });
      return {
        server: "demo",
        profile: profile(network),
        launch: {
          command: "sh",
          args: ["-c", script],
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
          cwd: outside,
        },
        paths,
        egress: forwardPort === undefined ? undefined : { socketPath, forwardPort },
        stateDir: root,
      };
    };

    it("probes, then runs a server inside its allow-list", async () => {
      const backend = createLandlockBackend({ cacheDir: join(root, "cache") });
      assert.equal(await backend.probe(), undefined);
      const script = `echo "$HOME $(pwd)"; cat ${join(inside, "f")}; cat ${join(outside, "f")} || echo denied`;
      const wrapped = await backend.wrap(request({ mode: "none" }, script));
      assert.equal(wrapped.confinement.filesystem, "allow-list");
      assert.equal(wrapped.confinement.network, "none");
      assert.match(wrapped.confinement.user, /Landlock does not change users/);
      assert.ok(wrapped.confinement.warnings?.some((warning) => /cannot switch users/.test(warning)));
      const outcome = await run(wrapped.command, wrapped.args, { env: { ...wrapped.env }, cwd: wrapped.cwd });
      const tmp = join(root, "tmp");
      assert.equal(outcome.stdout, `${tmp} ${tmp}\ninside\ndenied\n`);
    });

    it("refuses UDP with network none and allow, and leaves it alone with network host", async () => {
      const backend = createLandlockBackend({ cacheDir: join(root, "cache") });
      const sender = join(inside, "udp-sender.cjs");
      writeFileSync(sender, UDP_SENDER);
      const listener = createSocket("udp4");
      const received: string[] = [];
      listener.on("message", (message) => received.push(message.toString()));
      await new Promise<void>((resolve) => listener.bind(0, "127.0.0.1", resolve));
      const script = `exec "${process.execPath}" ${sender} ${listener.address().port}`;
      try {
        const allow = { mode: "allow" as const, allow: [] };
        for (const [network, forwardPort] of [[{ mode: "none" }], [allow, 3128]] as const) {
          const wrapped = await backend.wrap(request(network, script, forwardPort));
          assert.ok(wrapped.args.includes("--deny-udp"));
          assert.ok(!wrapped.confinement.warnings?.some((warning) => /UDP/.test(warning)));
          assert.ok(wrapped.confinement.warnings?.some((warning) => /Unix sockets stay usable/.test(warning)));
          const outcome = await run(wrapped.command, wrapped.args, { env: { ...wrapped.env }, cwd: wrapped.cwd });
          assert.deepEqual([outcome.code, outcome.stdout], [0, "EACCES\n"], outcome.stderr);
        }
        await sleep(100);
        assert.deepEqual(received, []);
        const host = await backend.wrap(request({ mode: "host" }, script));
        assert.ok(!host.args.includes("--deny-udp"));
        const outcome = await run(host.command, host.args, { env: { ...host.env }, cwd: host.cwd });
        assert.deepEqual([outcome.code, outcome.stdout], [0, "sent\n"], outcome.stderr);
        for (let i = 0; i < 40 && received.length === 0; i++) await sleep(25);
        assert.deepEqual(received, ["leak"]);
      } finally {
        listener.close();
      }
    });

    it("gives network none its own namespace: an implicitly bound listener is unreachable, only lo exists", async () => {
      const backend = createLandlockBackend({ cacheDir: join(root, "cache") });
      const listener = join(inside, "implicit-listener");
      writeFileSync(`${listener}.c`, IMPLICIT_LISTENER);
      execFileSync("cc", ["-o", listener, `${listener}.c`]);
      // Under network host the same program is reachable: the check below would see a leak.
      for (const [network, expected] of [
        [{ mode: "host" }, "connected"],
        [{ mode: "none" }, "ECONNREFUSED"],
      ] as const) {
        const wrapped = await backend.wrap(request(network, `exec ${listener}`));
        const child = spawn(wrapped.command, wrapped.args, { env: { ...wrapped.env }, cwd: wrapped.cwd });
        try {
          const port = Number(await firstLine(child));
          assert.ok(port > 0, `no port printed under network ${network.mode}`);
          assert.equal(await tryConnect(port), expected, `network ${network.mode}`);
        } finally {
          child.kill("SIGKILL");
        }
      }
      const wrapped = await backend.wrap(request({ mode: "none" }, "exec tail -n +3 /proc/net/dev"));
      assert.ok(wrapped.args.includes("--net") && !wrapped.args.includes("--lo-up"));
      const outcome = await run(wrapped.command, wrapped.args, { env: { ...wrapped.env }, cwd: wrapped.cwd });
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.deepEqual(
        outcome.stdout
          .trim()
          .split("\n")
          .map((line) => line.trim().split(":")[0]),
        ["lo"],
      );
    });

    it("leaves the server no capability under every network mode", async () => {
      const backend = createLandlockBackend({ cacheDir: join(root, "cache") });
      const allow = { mode: "allow" as const, allow: [] };
      for (const [network, forwardPort] of [[{ mode: "none" }], [{ mode: "host" }], [allow, 3128]] as const) {
        const wrapped = await backend.wrap(request(network, "exec grep ^Cap /proc/self/status", forwardPort));
        assert.ok(wrapped.args.includes("--drop-caps") && !wrapped.args.includes("--bounding-set=-all"));
        const outcome = await run(wrapped.command, wrapped.args, { env: { ...wrapped.env }, cwd: wrapped.cwd });
        assert.equal(outcome.code, 0, outcome.stderr);
        const caps = capabilities(outcome.stdout);
        assert.equal(caps.CapEff, "0000000000000000", network.mode);
        assert.equal(caps.CapBnd, "0000000000000000", network.mode);
      }
    });

    it("sends network: allow through a forwarder in its namespace to the proxy's Unix socket, and refuses without one", async () => {
      const backend = createLandlockBackend({ cacheDir: join(root, "cache") });
      const socketPath = join(root, "proxy-allow.sock");
      const proxy = createServer((socket) => socket.end("through the proxy\n"));
      await new Promise<void>((resolve) => proxy.listen(socketPath, resolve));
      try {
        const allow = { mode: "allow" as const, allow: [] };
        const script = `exec bash -c "exec 3<>/dev/tcp/127.0.0.1/3128 && cat <&3"`;
        const wrapped = await backend.wrap(request(allow, script, 3128, socketPath));
        assert.ok(wrapped.args.includes("--net") && wrapped.args.includes("--lo-up"));
        assert.ok(wrapped.args.includes(`3128:${socketPath}`) && wrapped.args.includes("port:3128"));
        assert.ok(!wrapped.confinement.warnings?.some((warning) => /reachable on any host/.test(warning)));
        const outcome = await run(wrapped.command, wrapped.args, { env: { ...wrapped.env }, cwd: wrapped.cwd });
        assert.deepEqual([outcome.code, outcome.stdout], [0, "through the proxy\n"], outcome.stderr);
      } finally {
        proxy.close();
      }
      await assert.rejects(backend.wrap(request({ mode: "allow", allow: [] }, "true")), {
        message: /only through the egress proxy's forwarder/,
      });
    });
  });
});

/** The capability lines of /proc/PID/status as an object. */
function capabilities(status: string): Record<string, string> {
  const entries = status
    .split("\n")
    .filter((line) => line.startsWith("Cap"))
    .map((line) => line.split(/:\s*/));
  return Object.fromEntries(entries);
}

/** The first line a child prints. */
function firstLine(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (chunk) => {
      text += chunk;
      if (text.includes("\n")) resolve(text.split("\n")[0] ?? "");
    });
    child.on("error", reject);
    child.on("close", () => resolve(text));
  });
}

/** `connected`, or the error code of a TCP connect to 127.0.0.1:port. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve("connected");
    });
  });
}

/** `name result` lines as an object. */
function lines(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split("\n")
      .map((line) => line.split(" ")),
  );
}

/** Sends `text`, half-closes, and returns everything received until the other side ends. */
async function exchange(port: number, text: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const socket = new Socket({ allowHalfOpen: true });
        let received = "";
        socket.on("data", (chunk) => (received += chunk));
        socket.on("end", () => {
          socket.end();
          resolve(received);
        });
        socket.on("error", reject);
        socket.connect(port, "127.0.0.1", () => socket.end(text));
      });
    } catch (error) {
      if (attempt >= 40) throw error;
      await sleep(50);
    }
  }
}

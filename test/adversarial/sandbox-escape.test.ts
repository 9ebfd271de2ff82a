// The escape suite: a malicious server (test/fixtures/malicious-escape-server.mjs) tries to get out of its
// sandbox under every backend this machine has, through a real gateway. It must not read or write outside its
// lists, see the gateway's secrets, reach the host's network, outgrow its memory or process limits, or outlive
// the gateway; it must still do its job inside. A backend missing here is skipped with its reason, except under
// CI (CI=true), where .ci/run installs every backend and a missing one fails the suite.
import assert from "node:assert/strict";
import { createSocket as createUdpSocket } from "node:dgram";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createPinoLogger } from "../../src/adapters/observability/pino-logger.ts";
import { createSandbox } from "../../src/adapters/sandbox/create-sandbox.ts";
import { startServe, writeConfig } from "../helpers/cli-process.ts";
import { callTool, resultText, startTestGateway, type TestGateway, tempDir, waitUntil } from "../helpers/gateway.ts";
import { ensureNodeImage } from "../helpers/node-image.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/malicious-escape-server.mjs", import.meta.url));
const FIXTURES_DIR = fileURLToPath(new URL("../fixtures", import.meta.url));
const BACKENDS = ["bubblewrap", "firejail", "landlock", "gvisor", "podman"] as const;
const SECRET = `escape-secret-${process.pid}`;
/** statfs(2)'s f_type of a tmpfs. */
const TMPFS_MAGIC = 0x01021994;
process.env.SWITCHBOARD_ESCAPE_SECRET = SECRET;
process.env.SWITCHBOARD_ESCAPE_API_KEY = `sk-${SECRET}`;

const NATIVE_CACHE = tempDir("switchboard-escape-native-");
const available = await createSandbox({
  logger: createPinoLogger({ level: "silent", json: false }),
  cacheDir: NATIVE_CACHE,
}).probe();

// The podman backend runs a local image, built here from this host's own files (no registry pull, ~2 s).
if (available.podman === undefined) await ensureNodeImage();

function skipReason(backend: string): string | undefined {
  const reason = available[backend];
  if (reason === undefined) return undefined;
  if (process.env.CI) throw new Error(`sandbox backend ${backend} is required under CI and unavailable: ${reason}`);
  return `${backend} unavailable here: ${reason}`;
}

/**
 * gVisor's limits hold its whole sandbox: the user-space kernel (a Go program with its own threads and heap)
 * counts against them, and its processes are not host processes, so a fork bomb is bounded by the sandbox's
 * memory rather than a host process count.
 */
const LIMITS: Record<string, Record<string, unknown>> = {
  gvisor: { memory: "384M", openFiles: 128 },
};

interface Outcome {
  ok: boolean;
  value?: unknown;
  error?: string;
}

async function attempt(url: string, tool: string, args: Record<string, unknown> = {}): Promise<Outcome> {
  const reply = await callTool(url, `evil__${tool}`, args);
  assert.equal(reply.body?.error, undefined, `${tool}: ${reply.text.slice(0, 400)}`);
  return JSON.parse(resultText(reply)) as Outcome;
}

function evil(backend: string, work: string, extra: Record<string, unknown> = {}) {
  return {
    command: process.execPath,
    args: [FIXTURE],
    sandbox: {
      backend,
      filesystem: { read: [FIXTURES_DIR], write: [work] },
      network: "none",
      limits: LIMITS[backend] ?? { memory: "128M", processes: 48, openFiles: 128 },
      ...extra,
    },
    restart: { initialDelayMs: 50 },
  };
}

for (const backend of BACKENDS) {
  const skip = skipReason(backend);
  describe(`escape attempts under ${backend}`, { skip }, () => {
    let gw: TestGateway;
    let listener: Server;
    let port: number;
    const work = writableByNobody(tempDir("switchboard-escape-work-"));
    const outside = tempDir("switchboard-escape-outside-");
    const canary = join(outside, "canary.txt");

    before(async () => {
      writeFileSync(canary, "canary");
      listener = createServer((socket) => socket.end("hello")).listen(0, "127.0.0.1");
      await new Promise((resolve) => listener.once("listening", resolve));
      port = (listener.address() as { port: number }).port;
      gw = await startTestGateway({ evil: evil(backend, work) });
    });
    after(async () => {
      await gw?.close();
      listener?.close();
      for (const dir of [work, outside]) rmSync(dir, { recursive: true, force: true });
    });

    it("cannot read outside its read list: a canary, the gateway's state, /etc/shadow", async () => {
      for (const path of [canary, join(gw.stateDir, "switchboard.json"), "/etc/shadow", "/root/.bash_history"]) {
        const outcome = await attempt(gw.url, "read_file", { path });
        assert.equal(outcome.ok, false, `${path} was readable: ${JSON.stringify(outcome).slice(0, 200)}`);
      }
      const own = await attempt(gw.url, "read_file", { path: FIXTURE });
      assert.equal(own.ok, true, "its own read list stays readable");
    });

    it("cannot write outside its write list, and can inside", async () => {
      const atRoot = `/switchboard-escape-${process.pid}.txt`;
      for (const path of [
        join(outside, "dropped.txt"),
        join(FIXTURES_DIR, "dropped.txt"),
        "/usr/dropped.txt",
        atRoot,
      ]) {
        const outcome = await attempt(gw.url, "write_file", { path });
        assert.equal(outcome.ok, false, `${path} was writable`);
        assert.ok(!existsSync(path), `${path} exists on the host`);
      }
      const inside = await attempt(gw.url, "write_file", { path: join(work, "note.txt"), text: "kept" });
      assert.equal(inside.ok, true, JSON.stringify(inside));
      assert.equal(readFileSync(join(work, "note.txt"), "utf8"), "kept");
    });

    it("cannot fill the host's disk through its /tmp: a tmpfs", async () => {
      const outcome = await attempt(gw.url, "tmp_filesystem");
      const { tmpdir, type } = outcome.value as { tmpdir: string; type: number };
      // Landlock keeps the host path of its private tmp (no mount at /tmp), with a tmpfs mounted on it.
      if (backend !== "landlock") assert.equal(tmpdir, "/tmp");
      assert.equal(type, TMPFS_MAGIC, `its /tmp is filesystem type 0x${type.toString(16)}, not tmpfs`);
    });

    it("does not see the gateway's environment", async () => {
      const outcome = await attempt(gw.url, "env");
      const env = outcome.value as Record<string, string>;
      assert.ok(env.PATH, "PATH is passed");
      assert.ok(!JSON.stringify(env).includes(SECRET), "no secret in its environment");
      assert.equal(env.SWITCHBOARD_ESCAPE_API_KEY, undefined);
    });

    it("has no network: only loopback, no route, and the host's 127.0.0.1 listener is unreachable", async () => {
      const net = (await attempt(gw.url, "network")).value as { interfaces: string[]; routes: string[] };
      assert.deepEqual(net.interfaces, ["lo"]);
      assert.deepEqual(net.routes, [], "no route: private ranges and 169.254.169.254 are unreachable");
      const connect = await attempt(gw.url, "connect", { host: "127.0.0.1", port });
      assert.equal(connect.ok, false, "the host's loopback listener was reached");
      // UDP: a datagram to a host listener must not arrive (under a namespace it stays on the sandbox's own lo).
      const received: string[] = [];
      const udp = createUdpSocket("udp4").on("message", (message) => received.push(String(message)));
      await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
      try {
        await attempt(gw.url, "udp_send", { host: "127.0.0.1", port: udp.address().port });
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.deepEqual(received, [], "a UDP datagram reached the host");
      } finally {
        udp.close();
      }
    });

    it("runs without capabilities", async () => {
      const who = (await attempt(gw.url, "whoami")).value as { uid: number; capEff: string; limits: string };
      assert.equal(who.capEff, "0000000000000000");
      if (["bubblewrap", "gvisor", "podman"].includes(backend)) assert.equal(who.uid, 65534);
      // gVisor has no /proc/self/limits.
      if (backend !== "gvisor") assert.match(who.limits, /Max open files\s+128\s+128/);
    });

    it("cannot fork-bomb past its process limit", async () => {
      if (backend === "gvisor") {
        // Its processes are not host processes: gVisor refuses a process count rather than not enforcing it,
        // and the sandbox's memory bounds a fork bomb.
        const refused = await startTestGateway({ bomb: evil(backend, work, { limits: { processes: 48 } }) });
        try {
          const reply = await callTool(refused.url, "bomb__env", {});
          assert.equal(reply.body?.error?.data?.kind, "sandbox_unavailable", reply.text.slice(0, 300));
          assert.match(reply.body.error.message, /gVisor cannot limit the number of processes/);
        } finally {
          await refused.close();
        }
        return;
      }
      const outcome = await attempt(gw.url, "spawn_many", { count: 100 });
      const { started } = outcome.value as { started: number };
      assert.ok(started > 0, "it can start processes: the limit, not a missing program, stops the bomb");
      assert.ok(started < 48, `${started} of 100 processes started under a limit of 48`);
    });

    it("is killed when it passes its memory limit, and the kill is reported as such", async () => {
      const reply = await callTool(gw.url, "evil__allocate", { mb: backend === "gvisor" ? 1000 : 400 });
      assert.ok(reply.body?.error, `allocating 400 MiB under a 128 MiB limit succeeded: ${reply.text.slice(0, 200)}`);
      // podman reports the kill's reason when it detects it (cgroup v2); with runc on cgroup v1 it reports only
      // the exit code (137) of a container its memory limit killed.
      const expected =
        backend === "podman" ? /memory limit \d+ MiB exceeded|code 137/ : /memory limit \d+ MiB exceeded/;
      const status = () => `${reply.text} ${gw.gateway.supervisor.get("evil").status().lastError ?? ""}`;
      await waitUntil(() => expected.test(status()), 10_000).catch(() => assert.fail(status()));
      // It is started again for the next call, still confined.
      const again = await attempt(gw.url, "read_file", { path: canary });
      assert.equal(again.ok, false);
    });
  });

  describe(`egress of a server under ${backend} with an allow-list`, { skip }, () => {
    let gw: TestGateway;
    const servers: HttpServer[] = [];
    const ports: number[] = [];
    const denied: unknown[] = [];

    before(async () => {
      for (const name of ["allowed", "unlisted"]) {
        const server = createHttpServer((_req, res) => res.end(`hello from ${name}`)).listen(0, "127.0.0.1");
        await new Promise((resolve) => server.once("listening", resolve));
        servers.push(server);
        ports.push((server.address() as { port: number }).port);
      }
      const work = writableByNobody(tempDir("switchboard-egress-work-"));
      gw = await startTestGateway({ evil: evil(backend, work, { network: { allow: [`127.0.0.1:${ports[0]}`] } }) });
      gw.gateway.events.on("sandbox-egress", (decision) => {
        if (!decision.allowed) denied.push(decision);
      });
    });
    after(async () => {
      await gw?.close();
      for (const server of servers) server.close();
    });

    it("reaches a listed destination through the gateway's proxy, and nothing else", async () => {
      const allowed = await attempt(gw.url, "http_get", { url: `http://127.0.0.1:${ports[0]}/` });
      assert.equal(allowed.ok, true, JSON.stringify(allowed));
      assert.equal((allowed.value as { body: string }).body, "hello from allowed");
      const unlisted = await attempt(gw.url, "http_get", { url: `http://127.0.0.1:${ports[1]}/` });
      assert.equal(unlisted.ok, false, "an unlisted port was reached");
      // Refused by the proxy before any connection is made: nothing is sent to the private address.
      const internal = await attempt(gw.url, "http_get", { url: "http://10.0.0.1/" });
      assert.equal(internal.ok, false);
      const direct = await attempt(gw.url, "connect", { host: "127.0.0.1", port: ports[1] as number });
      assert.equal(direct.ok, false, "a direct connection bypassed the proxy");
      assert.ok(denied.length >= 2, `denials were reported: ${JSON.stringify(denied)}`);
    });
  });

  describe(`a server under ${backend} does not outlive the gateway`, { skip }, () => {
    it("SIGKILL of the gateway takes the sandbox and a detached grandchild with it", async () => {
      const dir = writableByNobody(tempDir("switchboard-escape-serve-"));
      let marker = `${300 + (process.pid % 1000)}.${Date.now() % 100_000}`;
      try {
        // gVisor's processes are not host processes: there, what must not outlive the gateway is the runsc tree,
        // found by the gateway's own runtime folder (under its TMPDIR).
        const runtime = writableByNobody(tempDir("switchboard-escape-runtime-"));
        const serve = await startServe(
          writeConfig(dir, { evil: evil(backend, writableByNobody(join(dir, "work"))) }),
          [],
          {
            env: { TMPDIR: runtime },
          },
        );
        const outcome = await attempt(serve.url, "leave_orphan", { marker });
        assert.equal(outcome.ok, true, JSON.stringify(outcome));
        if (backend === "gvisor") marker = runtime;
        assert.ok(processesWith(marker).length > 0, "the sandbox runs");
        serve.child.kill("SIGKILL");
        await serve.exited;
        await waitUntil(() => processesWith(marker).length === 0, 10_000).catch(() => {});
        const left = processesWith(marker);
        for (const pid of left) process.kill(pid, "SIGKILL");
        assert.deepEqual(left, [], "processes of the sandbox outlived the gateway");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** Container backends run the server as uid 65534 on the host: its write folder must let that user in. */
function writableByNobody(dir: string): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  return dir;
}

/** Host pids whose command line contains the marker. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args.some((arg) => arg === marker || arg.startsWith(`${marker}/`))) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

// The Landlock backend: the server runs as the gateway's user, without capabilities, under a Landlock ruleset
// applied by the native launcher just before exec. Only the listed paths can be opened. With network none or
// allow it also gets a network namespace of its own (only `lo`; up, with the egress proxy's forwarder, for
// allow): Landlock alone misses a listen() that binds an ephemeral port implicitly. Inside it TCP is still cut
// or limited to the proxy's port, and a seccomp filter refuses every other IP socket (UDP, raw) and io_uring.
// No root, no image: works wherever the kernel has Landlock (and user namespaces, for a non-root gateway).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { BackendAdapter, Wrapped, WrapRequest } from "./backend.ts";
import { tmpSize } from "./limits.ts";
import { ensureLauncher, type LauncherNetwork, launcherArgs } from "./native-launcher.ts";
import { within } from "./paths.ts";

/** How long the probe's test launch may take. */
const PROBE_TIMEOUT_MS = 60_000;

/**
 * Read-only extras a program expects to open: under Landlock a hidden file exists but cannot be read (EACCES,
 * not ENOENT), and some programs treat that as fatal (Node refuses to start without /etc/ssl/openssl.cnf).
 * /proc/self is resolved by the launcher to the server's own /proc entry, not to every process's.
 */
const EXTRA_READ = [
  "/etc/ssl/openssl.cnf",
  "/proc/self",
  "/proc/cpuinfo",
  "/proc/meminfo",
  "/proc/stat",
  "/proc/loadavg",
  "/proc/uptime",
  "/proc/version",
  "/sys/devices/system/cpu",
];

/** Device files every program may write (shell redirections to /dev/null, random numbers). */
const DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"];

export interface LandlockBackendOptions {
  /** Where the compiled launcher is kept (see ensureLauncher); a function when it is made on first use. */
  cacheDir: string | (() => string);
  /** The C compiler. Default: `cc`, else `gcc`. */
  compiler?: string;
}

export function createLandlockBackend(options: LandlockBackendOptions): BackendAdapter {
  const launcher = () =>
    ensureLauncher({
      cacheDir: typeof options.cacheDir === "function" ? options.cacheDir() : options.cacheDir,
      compiler: options.compiler,
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
  // Kernels before Landlock ABI 4 (Linux 6.7) confine files but not TCP, and the seccomp filter exists only for
  // some architectures: found once, checked at each wrap.
  let networkFailure: Promise<string | undefined> | undefined;
  const checkNetwork = (path: string) => {
    networkFailure ??= runProbe(path, ["--landlock-read", "/", "--landlock-net", "none", "--deny-udp", "--", "true"]);
    return networkFailure;
  };
  return {
    name: "landlock",
    async probe() {
      try {
        return await probeLandlock(await launcher());
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
    async wrap(request) {
      const path = await launcher();
      if (request.profile.network.mode !== "host") {
        const failure = await checkNetwork(path);
        if (failure !== undefined)
          throw new Error(`Landlock cannot confine the network of "${request.server}": ${failure}`);
      }
      return wrapLandlock(path, request);
    },
  };
}

/** Undefined when a test launch under Landlock succeeds, else why it cannot. */
async function probeLandlock(launcher: string): Promise<string | undefined> {
  const lsm = await readFile("/sys/kernel/security/lsm", "utf8").catch(() => undefined);
  if (lsm !== undefined && !lsm.split(",").includes("landlock")) {
    return `Landlock is disabled on this kernel (/sys/kernel/security/lsm lists "${lsm.trim()}"; add landlock to the lsm= boot parameter)`;
  }
  const failure = await runProbe(launcher, ["--landlock-read", "/", "--", "true"]);
  return failure === undefined ? undefined : `Landlock does not work here: ${failure}`;
}

function runProbe(launcher: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(launcher, args, { timeout: PROBE_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (!error) return resolve(undefined);
      const line = String(stderr).trim().split("\n")[0] ?? "";
      resolve(line.replace(/^sb-launch: /, "") || error.message);
    });
  });
}

function wrapLandlock(launcher: string, request: WrapRequest): Wrapped {
  const { paths, launch, profile } = request;
  const mode = profile.network.mode;
  const forward = egressForward(request);
  const read = [...paths.system, ...paths.own, ...paths.read, ...EXTRA_READ.filter(existsSync)];
  const write = [...paths.write, paths.tmp, ...DEVICES.filter(existsSync)];
  const env: Record<string, string> = { ...launch.env, HOME: paths.tmp, TMPDIR: paths.tmp };
  const warnings: string[] = [];
  if (mode !== "host") {
    warnings.push(
      "Unix sockets stay usable: Landlock cuts abstract ones only from ABI 6 (Linux 6.12) on, and a socket bound to a path is reachable even outside the allow-list",
    );
  }
  if (profile.user === "nobody") warnings.push("Landlock cannot switch users: the server runs as the gateway's user");
  const visible = [...paths.own, ...paths.read, ...paths.write, paths.tmp];
  const cwd = visible.some((dir) => within(launch.cwd, dir)) ? launch.cwd : paths.tmp;
  const network: LauncherNetwork = forward
    ? { mode: "ports", ports: [forward.port] }
    : { mode: mode === "host" ? "host" : "none" };
  // Landlock confines files and TCP, not processes: a PID namespace (unshare, killed with the gateway through
  // the parent-death signal) makes every process of the server, detached grandchildren included, die with it.
  return {
    command: "setpriv",
    args: [
      "--pdeathsig",
      "KILL",
      "unshare",
      // A non-root gateway needs a user namespace of its own to make the others.
      ...(process.getuid?.() === 0 ? [] : ["--user", "--map-current-user"]),
      ...(mode === "host" ? [] : ["--net"]),
      // A mount namespace of its own, for the size-bounded tmpfs over its private tmp.
      "--mount",
      "--pid",
      "--fork",
      "--kill-child",
      launcher,
      ...launcherArgs({
        // Under none, lo stays down: not even the sandbox's own loopback works.
        loopbackUp: forward !== undefined,
        tmpfs: { path: paths.tmp, bytes: tmpSize(profile.limits.memoryBytes) },
        forwards: forward ? [forward] : [],
        // A root gateway's server would be root with every capability: it keeps none (nor does the forwarder).
        dropCapabilities: true,
        landlock: { read, write, network },
        // Kept inside the namespace too: UDP and raw sockets have nowhere to go, but are refused all the same.
        denyUdp: mode !== "host",
        command: launch.command,
        args: launch.args,
      }),
    ],
    env,
    cwd,
    confinement: {
      filesystem: "allow-list",
      network: mode,
      user: "the gateway's user (no capabilities; Landlock does not change users)",
      warnings,
    },
  };
}

/** `allow` reaches the egress proxy's Unix socket through a forwarder on 127.0.0.1 in the sandbox's namespace. */
function egressForward(request: WrapRequest): { port: number; socketPath: string } | undefined {
  if (request.profile.network.mode !== "allow") return undefined;
  const egress = request.egress;
  if (egress?.forwardPort === undefined) {
    throw new Error(
      `Landlock enforces "network: allow" only through the egress proxy's forwarder, and server "${request.server}" has none`,
    );
  }
  return { port: egress.forwardPort, socketPath: egress.socketPath };
}

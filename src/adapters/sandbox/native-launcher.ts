// The native launcher (native/sb-launch.c): compiled once with the machine's C compiler into a cache folder, and
// the typed plan that becomes its command line. Sandboxes run it to bring up loopback, forward a TCP port to the
// egress proxy's Unix socket, drop capabilities, set rlimits, apply Landlock and a seccomp filter before the
// server's own command starts.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { access, constants, mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The launcher's source: the repository root is three levels up from src/adapters/sandbox (and dist/adapters/sandbox). */
const SOURCE_PATH = fileURLToPath(new URL("../../../native/sb-launch.c", import.meta.url));

/** Compilers tried in order when none is named. */
const DEFAULT_COMPILERS = ["cc", "gcc"] as const;

/** How long a compile may take before it counts as failed. */
const DEFAULT_COMPILE_TIMEOUT_MS = 60_000;

export interface EnsureLauncherOptions {
  /** Folder holding compiled launchers, one per source version (created if missing). */
  cacheDir: string;
  /** The C compiler to use. Default: `cc`, else `gcc`. */
  compiler?: string;
  signal?: AbortSignal;
}

/** What Landlock lets the server reach over TCP. */
export type LauncherNetwork =
  /** No TCP rule: the network is left as it is. */
  | { mode: "host" }
  /** No TCP bind or connect at all. */
  | { mode: "none" }
  /** TCP connect to these ports only (on any address: Landlock does not filter addresses); no bind. */
  | { mode: "ports"; ports: readonly number[] };

export interface LauncherPlan {
  /**
   * Bring up `lo` of the current network namespace (a new one starts with it down); needs CAP_NET_ADMIN there.
   * Done first: forwarders listen on 127.0.0.1.
   */
  loopbackUp?: boolean;
  /**
   * Drop every capability (bounding, ambient, effective, permitted, inheritable) after the forwarders listen and
   * before they start, then check /proc/self/status; the forwarder holds none either.
   */
  dropCapabilities?: boolean;
  /**
   * A tmpfs of at most `bytes` mounted on `path` (the private tmp) while capabilities remain; needs a mount
   * namespace of the launcher's own (unshare --mount).
   */
  tmpfs?: { path: string; bytes: number };
  /** TCP ports on 127.0.0.1 relayed to Unix sockets (the egress proxy) while the server lives. */
  forwards?: readonly { port: number; socketPath: string }[];
  /** Landlock allow-list; undefined: no Landlock. Everything outside `read` and `write` is denied. */
  landlock?: { read: readonly string[]; write: readonly string[]; network: LauncherNetwork };
  /** RLIMIT_NOFILE, soft and hard. */
  openFiles?: number;
  /** RLIMIT_NPROC, soft and hard (not enforced for root). */
  processes?: number;
  /**
   * A seccomp filter for what Landlock cannot see: IP sockets may be created only as TCP streams (no UDP, raw,
   * SCTP or MPTCP), other socket families only as Unix or netlink sockets, and io_uring is refused. Sets
   * no_new_privs. The launcher refuses to start on an architecture it has no filter for (only x86_64, aarch64).
   */
  denyUdp?: boolean;
  /** Set no_new_privs even without Landlock (Landlock always sets it). */
  noNewPrivs?: boolean;
  command: string;
  args: readonly string[];
}

/** The launcher's arguments for a plan, ending with `-- command args...`. */
export function launcherArgs(plan: LauncherPlan): string[] {
  const args: string[] = [];
  if (plan.loopbackUp) args.push("--lo-up");
  if (plan.tmpfs) args.push("--tmpfs", `${plan.tmpfs.path}:${Math.floor(plan.tmpfs.bytes)}`);
  for (const forward of plan.forwards ?? []) args.push("--forward", `${forward.port}:${forward.socketPath}`);
  if (plan.dropCapabilities) args.push("--drop-caps");
  if (plan.landlock) {
    args.push("--landlock");
    for (const path of plan.landlock.read) args.push("--landlock-read", path);
    for (const path of plan.landlock.write) args.push("--landlock-write", path);
    args.push(...networkArgs(plan.landlock.network));
  }
  if (plan.denyUdp) args.push("--deny-udp");
  if (plan.openFiles !== undefined) args.push("--nofile", String(plan.openFiles));
  if (plan.processes !== undefined) args.push("--nproc", String(plan.processes));
  if (plan.noNewPrivs) args.push("--no-new-privs");
  args.push("--", plan.command, ...plan.args);
  return args;
}

function networkArgs(network: LauncherNetwork): string[] {
  if (network.mode !== "ports") return ["--landlock-net", network.mode];
  if (network.ports.length === 0) return ["--landlock-net", "none"];
  return network.ports.flatMap((port) => ["--landlock-net", `port:${port}`]);
}

// One compile per process and cache folder: concurrent launches share it. A failed compile is forgotten so a
// later call (after installing a compiler) tries again.
const compiles = new Map<string, Promise<{ path: string; digest: string }>>();

/** Path of the compiled launcher, compiling it first if this version is not in the cache folder yet. */
export async function ensureLauncher(options: EnsureLauncherOptions): Promise<string> {
  const key = `${options.cacheDir}\0${options.compiler ?? ""}`;
  let pending = compiles.get(key);
  if (!pending) {
    pending = compileLauncher(options).then(async (path) => ({ path, digest: await digestOf(path) }));
    compiles.set(key, pending);
    pending.catch(() => compiles.delete(key));
  }
  const { path, digest } = await pending;
  // Checked at every use: a launcher changed on disk since it was compiled (or first trusted) is not run.
  if ((await digestOf(path)) !== digest) {
    compiles.delete(key);
    throw new Error(`the native launcher ${path} changed on disk since it was built: refusing to run it`);
  }
  return path;
}

async function digestOf(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

async function compileLauncher(options: EnsureLauncherOptions): Promise<string> {
  const source = await readFile(SOURCE_PATH).catch((error: Error) => {
    throw new Error(`The native launcher's source is missing (${SOURCE_PATH}): reinstall switchboard`, {
      cause: error,
    });
  });
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 12);
  const target = join(options.cacheDir, `sb-launch-${hash}`);
  await mkdir(options.cacheDir, { recursive: true, mode: 0o700 });
  // The launcher runs before any confinement applies: a folder or file others may write is not trusted.
  await assertPrivate(options.cacheDir);
  if (await isExecutable(target)) {
    await assertPrivate(target);
    return target;
  }
  // Compiled under a private name and renamed: another process never sees a half-written launcher.
  const temporary = `${target}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await runCompiler(options, ["-O2", "-Wall", "-Werror", "-o", temporary, SOURCE_PATH]);
    await rename(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
  return target;
}

/** Throws unless `path` belongs to this process's user and no one else may write it. */
async function assertPrivate(path: string): Promise<void> {
  const info = await stat(path);
  const uid = process.getuid?.();
  if ((uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
    throw new Error(
      `the native launcher's ${info.isDirectory() ? "folder" : "file"} ${path} is writable by others or not ours: refusing to run it`,
    );
  }
}

async function runCompiler(options: EnsureLauncherOptions, args: string[]): Promise<void> {
  const compilers = options.compiler ? [options.compiler] : DEFAULT_COMPILERS;
  for (const compiler of compilers) {
    const outcome = await run(compiler, args, options.signal);
    if (outcome === "missing") continue;
    if (outcome !== undefined) throw new Error(compileFailure(compiler, outcome));
    return;
  }
  throw new Error(`The native launcher needs a C compiler: apt-get install gcc (${compilers.join(", ")} not found)`);
}

/** Undefined when the compiler succeeded, `missing` when it is not installed, else its error output. */
function run(compiler: string, args: string[], signal: AbortSignal | undefined): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    execFile(compiler, args, { signal, timeout: DEFAULT_COMPILE_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (!error) return resolve(undefined);
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return resolve("missing");
      if (error.name === "AbortError") return reject(error);
      resolve(String(stderr).trim() || error.message);
    });
  });
}

function compileFailure(compiler: string, output: string): string {
  const firstLines = output.split("\n").slice(0, 4).join("\n");
  const header = /fatal error: ([\w/.]+\.h): No such file/.exec(output)?.[1];
  if (header?.startsWith("linux/")) {
    return `The native launcher needs the kernel headers (${header}): apt-get install linux-libc-dev`;
  }
  if (header) return `The native launcher needs the C library headers (${header}): apt-get install libc6-dev`;
  return `The native launcher did not compile with ${compiler}:\n${firstLines}`;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

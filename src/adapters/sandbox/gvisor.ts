// The gVisor backend: the server runs in a runsc sandbox (its own user-space kernel) built from an OCI bundle whose
// root is empty and which sees only the launch's paths. `runsc do` is not used: it shows the whole host filesystem.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandboxProfile } from "../../core/sandbox.ts";
import type { BackendAdapter, Wrapped, WrapRequest } from "./backend.ts";
import { containerCwd, containerEnv, visibleMounts } from "./container-mounts.ts";
import { tmpSize } from "./limits.ts";
import { runTool as run } from "./run-tool.ts";

export interface GvisorBackendOptions {
  /** The runsc binary (default: `runsc` from PATH). */
  runsc?: string;
  /** How long probe() waits for its trivial container (default 20 s). */
  probeTimeoutMs?: number;
}

const NAMESPACES = ["pid", "ipc", "uts", "mount", "network"] as const;
const NO_CAPABILITIES = { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] };

export function createGvisorBackend(options: GvisorBackendOptions = {}): BackendAdapter {
  const runsc = options.runsc ?? "runsc";
  return {
    name: "gvisor",
    // Open files are limited inside the sandbox (the OCI process rlimit): the user-space kernel itself needs many.
    ownLimits: ["openFiles"],
    probe: () => probeGvisor(runsc, options.probeTimeoutMs ?? 20_000),
    wrap: async (request) => wrapGvisor(runsc, request),
  };
}

function wrapGvisor(runsc: string, request: WrapRequest): Wrapped {
  const { profile, stateDir } = request;
  // The server's processes live inside gVisor's kernel, not on the host: a host process count would count the
  // kernel's own threads instead. Refused rather than silently not enforced.
  if (profile.limits.processes !== undefined) {
    throw new Error("gVisor cannot limit the number of processes (limits.processes); use memory to bound the sandbox");
  }
  const bundle = join(stateDir, "bundle");
  const root = join(stateDir, "runsc");
  const id = `sb-${request.server.replace(/[^A-Za-z0-9_.-]/g, "_")}-${randomBytes(4).toString("hex")}`;
  writeBundle(bundle, ociConfig(request));
  const network = profile.network.mode === "host" ? "host" : "none";
  // An allow-list sandbox has no network at all; its only way out is the egress proxy's Unix socket, which the
  // sandbox may open (not create) once gVisor is told so with --host-uds=open.
  const uds = profile.network.mode === "allow" ? ["--host-uds=open"] : [];
  const openFiles = profile.limits.openFiles;
  return {
    command: runsc,
    args: ["--root", root, "--ignore-cgroups", `--network=${network}`, ...uds, "run", "--bundle", bundle, id],
    env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
    cwd: stateDir,
    confinement: {
      filesystem: "allow-list",
      network: profile.network.mode,
      user: profile.user,
      limits: openFiles === undefined ? {} : { openFiles: { value: openFiles, by: "rlimit" } },
    },
    finish: async () => {
      await removeSandbox(runsc, root, id, bundle);
      return undefined;
    },
  };
}

/** The OCI runtime config: an empty read-only root with the visible paths bound into it. */
export function ociConfig(request: WrapRequest): Record<string, unknown> {
  const { profile, paths, launch } = request;
  // Mounts apply in order: /tmp goes first, so a visible path under /tmp is bound on top of it, not hidden by it.
  const mounts: Record<string, unknown>[] = [
    // A tmpfs of bounded size inside gVisor's kernel: the server cannot fill the host's disk through /tmp.
    {
      destination: "/tmp",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "nodev", "mode=1777", `size=${tmpSize(profile.limits.memoryBytes)}`],
    },
  ];
  for (const m of visibleMounts(paths)) {
    mounts.push({ destination: m.path, type: "bind", source: m.path, options: ["rbind", m.writable ? "rw" : "ro"] });
  }
  // The egress socket appears at its host path: the launcher's forwarder inside is pointed at that path.
  const socket = request.egress?.socketPath;
  if (socket && profile.network.mode === "allow") {
    mounts.push({
      destination: socket,
      type: "bind",
      source: socket,
      options: ["bind", "rw"],
    });
  }
  mounts.unshift(
    { destination: "/proc", type: "proc", source: "proc" },
    {
      destination: "/dev",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
  );
  const nobody = profile.user === "nobody";
  const openFiles = profile.limits.openFiles;
  return {
    ociVersion: "1.0.2",
    root: { path: "rootfs", readonly: true },
    hostname: "sandbox",
    mounts,
    process: {
      terminal: false,
      user: nobody ? { uid: 65534, gid: 65534 } : { uid: 0, gid: 0 },
      args: [launch.command, ...launch.args],
      env: Object.entries(containerEnv(launch.env, paths.tmp)).map(([key, value]) => `${key}=${value}`),
      cwd: containerCwd(launch.cwd, paths),
      noNewPrivileges: true,
      capabilities: NO_CAPABILITIES,
      rlimits: openFiles === undefined ? [] : [{ type: "RLIMIT_NOFILE", hard: openFiles, soft: openFiles }],
    },
    linux: { namespaces: NAMESPACES.map((type) => ({ type })) },
  };
}

function writeBundle(bundle: string, config: Record<string, unknown>): void {
  mkdirSync(join(bundle, "rootfs"), { recursive: true });
  // The environment may hold secrets: only the gateway's user may read the bundle.
  writeFileSync(join(bundle, "config.json"), JSON.stringify(config), { mode: 0o600 });
}

/** Kills the sandbox if it still runs and removes its state; never rejects. */
async function removeSandbox(runsc: string, root: string, id: string, bundle: string): Promise<void> {
  await run(runsc, ["--root", root, "delete", "--force", id], 10_000).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
  rmSync(bundle, { recursive: true, force: true });
}

/** Runs /bin/true in a sandbox that sees only the system folders; undefined when that works. */
async function probeGvisor(runsc: string, timeoutMs: number): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "gVisor (runsc) needs the gateway to run as root here";
  const stateDir = mkdtempSync(join(tmpdir(), "switchboard-runsc-probe-"));
  const tmp = join(stateDir, "tmp");
  mkdirSync(tmp);
  const request: WrapRequest = {
    server: "probe",
    profile: { ...PROBE_PROFILE },
    launch: { command: "/bin/true", args: [], env: { PATH: "/usr/bin:/bin" }, cwd: "/" },
    paths: {
      system: ["/usr", "/lib", "/lib64", "/bin"].filter((path) => existsSync(path)),
      own: [],
      read: [],
      write: [],
      tmp,
    },
    egress: undefined,
    stateDir,
  };
  const wrapped = wrapGvisor(runsc, request);
  try {
    await run(wrapped.command, wrapped.args, timeoutMs);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "runsc is not installed (apt-get install runsc)";
    return `runsc cannot start a sandbox: ${(error as Error).message}`;
  } finally {
    await wrapped.finish?.();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const PROBE_PROFILE = sandboxProfile({ backend: "gvisor" });

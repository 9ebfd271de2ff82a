// The podman backend: the server runs in a container of a local image (never pulled), read-only, without
// capabilities, with the launch's paths bound in and the profile's limits enforced by the container's cgroup.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { SandboxLimits } from "../../core/sandbox.ts";
import type { BackendAdapter, Wrapped, WrapRequest } from "./backend.ts";
import { containerCwd, containerEnv, visibleMounts } from "./container-mounts.ts";
import { DEFAULT_NODE_IMAGE } from "./image-build.ts";
import { formatBytes, tmpSize } from "./limits.ts";
import { probeCommand } from "./probe.ts";
import { runTool } from "./run-tool.ts";

export interface PodmanBackendOptions {
  /** The podman binary (default: `podman` from PATH). */
  podman?: string;
  /** Image of a profile that names none (default localhost/switchboard-node:latest). */
  defaultImage?: string;
  /** How long probe() and image checks wait for podman (default 20 s). */
  timeoutMs?: number;
}

export function createPodmanBackend(options: PodmanBackendOptions = {}): BackendAdapter {
  const podman = options.podman ?? "podman";
  const timeoutMs = options.timeoutMs ?? 20_000;
  return {
    name: "podman",
    ownLimits: ["memoryBytes", "cpus", "processes", "openFiles"],
    probe: () => probePodman(podman, timeoutMs),
    wrap: async (request) => {
      const image = request.profile.image ?? options.defaultImage ?? DEFAULT_NODE_IMAGE;
      await requireImage(podman, image, timeoutMs);
      return wrapPodman(podman, image, request, timeoutMs);
    },
  };
}

function wrapPodman(podman: string, image: string, request: WrapRequest, timeoutMs: number): Wrapped {
  const { profile, launch, paths, stateDir } = request;
  const name = `sb-${request.server.replace(/[^A-Za-z0-9_.-]/g, "_")}-${randomBytes(4).toString("hex")}`;
  const envFile = join(stateDir, "podman.env");
  const { fileLines, byName } = splitEnv(containerEnv(launch.env, paths.tmp));
  // Values go in a file only the gateway's user reads, not on the command line where `ps` shows them.
  writeFileSync(envFile, fileLines.join("\n"), { mode: 0o600 });
  const node = isNodeBinary(launch.command);
  const args = [
    "run",
    ...["-i", "--init", "--pull=never", "--name", name, "--log-driver=passthrough"],
    `--network=${profile.network.mode === "host" ? "host" : "none"}`,
    ...runtimeArgs(profile),
    ...["--read-only", "--cap-drop=all", "--security-opt=no-new-privileges"],
    ...["--user", profile.user === "nobody" ? "65534:65534" : "0:0"],
    ...limitArgs(profile.limits),
    ...["--tmpfs", `/tmp:rw,mode=1777,size=${tmpSize(profile.limits.memoryBytes)}`],
    ...mountArgs(request, node ? launch.command : undefined),
    ...["--workdir", containerCwd(launch.cwd, paths)],
    ...["--env-file", envFile, ...byName.flatMap((key) => ["--env", key])],
    image,
    node ? "node" : launch.command,
    ...launch.args,
  ];
  const clientEnv: Record<string, string> = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
  const reaper = startReaper(podman, name);
  for (const key of byName) clientEnv[key] = launch.env[key] as string;
  return {
    command: podman,
    args,
    env: clientEnv,
    cwd: stateDir,
    confinement: {
      filesystem: "allow-list",
      network: profile.network.mode,
      user: profile.user,
      limits: containerLimits(profile.limits),
      runtime: profile.runtime ?? "runc",
    },
    finish: async () => {
      reaper.kill("SIGKILL");
      // Not --rm: the container is inspected for an out-of-memory kill first, then removed by name (killing the
      // podman client does not stop it: conmon keeps it).
      const oom = await runTool(podman, ["inspect", "--format", "{{.State.OOMKilled}}", name], timeoutMs).catch(
        () => "",
      );
      await runTool(podman, ["rm", "--force", "--time", "0", name], timeoutMs).catch(() => undefined);
      rmSync(envFile, { force: true });
      const memory = profile.limits.memoryBytes;
      if (oom.trim() === "true" && memory !== undefined) {
        return `memory limit ${formatBytes(memory)} exceeded (killed by the kernel's out-of-memory killer)`;
      }
      return undefined;
    },
  };
}

/**
 * A container belongs to podman's conmon, not to the gateway: a gateway killed with SIGKILL would leave it
 * running. This small detached shell holds a pipe from the gateway; when the gateway dies, however, the pipe
 * closes and the shell removes the container. A normal finish kills the shell first.
 */
function startReaper(podman: string, name: string): ChildProcess {
  const script = 'read -r _ || true; exec "$0" rm --force --time 0 "$1" >/dev/null 2>&1';
  const reaper = spawn("/bin/sh", ["-c", script, podman, name], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  reaper.on("error", () => {});
  reaper.stdin?.on("error", () => {});
  reaper.unref();
  (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return reaper;
}

/** gVisor as podman's runtime: its own network flag must agree with podman's, or it refuses to start. */
function runtimeArgs(profile: WrapRequest["profile"]): string[] {
  if (profile.runtime !== "runsc") return [];
  return ["--runtime", "runsc", "--runtime-flag", `network=${profile.network.mode === "host" ? "host" : "none"}`];
}

/** The gateway's own Node (or any `node`) runs as the image's `node`: the host binary need not fit the image. */
export function isNodeBinary(command: string): boolean {
  return command === process.execPath || basename(command) === "node";
}

function mountArgs(request: WrapRequest, skip: string | undefined): string[] {
  const { paths, egress, profile } = request;
  // The image brings its own system folders; only the server's own, read and write paths come from the host.
  const mounts = visibleMounts({
    system: [],
    own: paths.own.filter((p) => p !== skip),
    read: paths.read,
    write: paths.write,
  });
  const args = mounts.flatMap((m) => ["--mount", bindSpec(m.path, m.path, m.writable)]);
  // The egress socket appears at its host path: the launcher's forwarder inside is pointed at that path.
  if (egress?.socketPath && profile.network.mode === "allow")
    args.push("--mount", bindSpec(egress.socketPath, egress.socketPath, true));
  return args;
}

function bindSpec(source: string, destination: string, writable: boolean): string {
  if (source.includes(",") || destination.includes(",")) {
    throw new Error(`podman cannot bind "${source}": a path with a comma cannot be mounted`);
  }
  return `type=bind,src=${source},dst=${destination}${writable ? "" : ",ro=true"}`;
}

/**
 * The profile's limits as podman options. RLIMIT_NPROC and RLIMIT_NOFILE are always given: podman would
 * otherwise ask for values above the gateway's own hard limits, which fails without CAP_SYS_RESOURCE.
 */
function limitArgs(limits: SandboxLimits): string[] {
  const args: string[] = [];
  if (limits.memoryBytes !== undefined)
    args.push(`--memory=${limits.memoryBytes}b`, `--memory-swap=${limits.memoryBytes}b`);
  if (limits.cpus !== undefined) args.push(`--cpus=${limits.cpus}`);
  if (limits.processes !== undefined) args.push(`--pids-limit=${limits.processes}`);
  const own = ownRlimits();
  const files = limits.openFiles !== undefined ? `${limits.openFiles}:${limits.openFiles}` : own.openFiles;
  if (files) args.push("--ulimit", `nofile=${files}`);
  if (own.processes) args.push("--ulimit", `nproc=${own.processes}`);
  return args;
}

/**
 * This process's soft:hard RLIMIT_NOFILE and RLIMIT_NPROC (undefined when unlimited). RLIMIT_NPROC is capped at
 * kernel.pid_max: conmon, the container's parent, runs with at most that (measured: 32768 when the gateway has
 * 96367), and a container cannot be given more than its parent has.
 */
function ownRlimits(): { openFiles: string | undefined; processes: string | undefined } {
  const text = readOr("/proc/self/limits", "");
  const pidMax = Number(readOr("/proc/sys/kernel/pid_max", "").trim()) || Number.POSITIVE_INFINITY;
  const pick = (label: string, cap: number) => {
    const match = new RegExp(`^${label}\\s+(\\d+)\\s+(\\d+)`, "m").exec(text);
    return match ? `${Math.min(Number(match[1]), cap)}:${Math.min(Number(match[2]), cap)}` : undefined;
  };
  return { openFiles: pick("Max open files", Number.POSITIVE_INFINITY), processes: pick("Max processes", pidMax) };
}

/** A /proc file's text, or the fallback off Linux (podman's own defaults then apply). */
function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

function containerLimits(limits: SandboxLimits): Wrapped["confinement"]["limits"] {
  const out: NonNullable<Wrapped["confinement"]["limits"]> = {};
  for (const key of ["memoryBytes", "cpus", "processes", "openFiles"] as const) {
    const value = limits[key];
    if (value !== undefined) out[key] = { value, by: "container" };
  }
  return out;
}

/** Env-file lines, and the names of values an env file cannot hold (newlines), passed from the client's env. */
function splitEnv(env: Record<string, string>): { fileLines: string[]; byName: string[] } {
  const fileLines: string[] = [];
  const byName: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    // The image's PATH finds its own `node`; the host's PATH names folders the image does not have.
    if (key === "PATH") continue;
    if (/[\r\n]/.test(value)) byName.push(key);
    else fileLines.push(`${key}=${value}`);
  }
  return { fileLines, byName };
}

async function requireImage(podman: string, image: string, timeoutMs: number): Promise<void> {
  try {
    await runTool(podman, ["image", "exists", image], timeoutMs);
  } catch (error) {
    if ((error as { code?: unknown }).code === 1) {
      throw new Error(
        `podman image "${image}" is not in local storage; build it with: switchboard image build --tag ${image}`,
      );
    }
    throw error;
  }
}

function probePodman(podman: string, timeoutMs: number): Promise<string | undefined> {
  const missing = "podman is not installed (apt-get install podman)";
  return probeCommand(podman, ["info", "--format", "{{.Host.OCIRuntime.Name}}"], missing, timeoutMs);
}

// Resource limits of a sandboxed launch, enforced the same way whatever the backend: a cgroup per launch (memory,
// CPU quota, process count; v1 or v2, whichever is writable here) that the launch joins before it execs anything,
// and RLIMIT_NOFILE. At finish, whatever is left in the cgroup is killed (nothing outlives its server) and an
// out-of-memory kill is reported as such. Not RLIMIT_AS: below ~12 GB it breaks Node's fetch (WebAssembly memory).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Confinement, SandboxLimits } from "../../core/sandbox.ts";
import { type Owner, thisProcess } from "./owner.ts";

type Controller = "memory" | "cpu" | "pids";
const CGROUP_ROOT = "/sys/fs/cgroup";
const CPU_PERIOD_US = 100_000;

/** Joins the cgroups named before `--`, applies the rlimit, then execs the rest. Exit 125 when it cannot. */
const PRELUDE = [
  'while [ "$1" != "--" ]; do',
  '  case "$1" in',
  '    nofile=*) ulimit -n "${1#nofile=}" || { echo "sandbox: cannot set the open-files limit" >&2; exit 125; } ;;',
  '    *) echo $$ > "$1" || { echo "sandbox: cannot join cgroup $1" >&2; exit 125; } ;;',
  "  esac",
  "  shift",
  "done",
  "shift",
  'exec "$@"',
].join("\n");

export interface LimitsPlan {
  /** Put before the command: a shell prelude joining the cgroups; empty when no limit needs one. */
  prefix: string[];
  limits: Confinement["limits"];
  /** Kills what is left in the cgroups, removes them; resolves with why a limit ended the server, if one did. */
  finish(): Promise<string | undefined>;
}

let sequence = 0;
let groupOwner: Owner | undefined;

/**
 * Plans the limits a backend does not enforce itself. Throws, naming the limit, when one cannot be enforced here
 * (no writable cgroup controller): the caller treats that like a missing backend.
 */
export function planLimits(server: string, limits: SandboxLimits, skip: readonly (keyof SandboxLimits)[]): LimitsPlan {
  const wanted = (key: keyof SandboxLimits) => limits[key] !== undefined && !skip.includes(key);
  const controllers: Controller[] = [];
  if (wanted("memoryBytes")) controllers.push("memory");
  if (wanted("cpus")) controllers.push("cpu");
  if (wanted("processes")) controllers.push("pids");
  const effective: Confinement["limits"] = {};
  const args: string[] = [];
  if (wanted("openFiles")) {
    args.push(`nofile=${limits.openFiles}`);
    effective.openFiles = { value: limits.openFiles as number, by: "rlimit" };
  }
  const groups = controllers.length > 0 ? createGroups(server, controllers, limits) : [];
  for (const group of groups) args.push(join(group.dir, "cgroup.procs"));
  if (limits.memoryBytes !== undefined && controllers.includes("memory"))
    effective.memoryBytes = { value: limits.memoryBytes, by: `cgroup ${cgroupVersion()}` };
  if (limits.cpus !== undefined && controllers.includes("cpu"))
    effective.cpus = { value: limits.cpus, by: `cgroup ${cgroupVersion()}` };
  if (limits.processes !== undefined && controllers.includes("pids"))
    effective.processes = { value: limits.processes, by: `cgroup ${cgroupVersion()}` };
  const prefix = args.length > 0 ? ["/bin/sh", "-c", PRELUDE, "sandbox-limits", ...args, "--"] : [];
  let finished: Promise<string | undefined> | undefined;
  return {
    prefix,
    limits: effective,
    finish: () => {
      finished ??= removeGroups(groups, limits.memoryBytes);
      return finished;
    },
  };
}

interface Group {
  controller: Controller;
  dir: string;
}

function cgroupVersion(): "v1" | "v2" {
  return existsSync(join(CGROUP_ROOT, "cgroup.controllers")) ? "v2" : "v1";
}

/** The gateway's own cgroup of a controller (v1) or of the unified hierarchy (v2), as a folder. */
function ownGroup(controller: Controller): string {
  const lines = readFileSync("/proc/self/cgroup", "utf8").trim().split("\n");
  if (cgroupVersion() === "v2") {
    const line = lines.find((l) => l.startsWith("0::"));
    return join(CGROUP_ROOT, line?.slice(3) ?? "/");
  }
  const v1Name = controller === "cpu" ? "cpu" : controller;
  for (const line of lines) {
    const [, names, path] = line.split(":");
    if (names?.split(",").includes(v1Name)) {
      const mount = [join(CGROUP_ROOT, v1Name), join(CGROUP_ROOT, names)].find((dir) => existsSync(dir));
      if (mount) return join(mount, path ?? "/");
    }
  }
  throw new Error(`no ${controller} cgroup controller is mounted`);
}

function createGroups(server: string, controllers: Controller[], limits: SandboxLimits): Group[] {
  // The owner (PID namespace, pid, start time) is in the name: a later gateway removes the groups of a killed
  // one, and only those (sweepGroups).
  groupOwner ??= thisProcess();
  const owner = groupOwner;
  const name = `${server}-${owner.pidNamespace ?? 0}-${owner.pid}-${owner.startTime ?? 0}-${++sequence}`;
  const v2 = cgroupVersion() === "v2";
  const groups: Group[] = [];
  try {
    if (v2) {
      const parent = join(ownGroup("memory"), "switchboard-sandbox");
      mkdirSync(parent, { recursive: true });
      write(join(ownGroup("memory"), "cgroup.subtree_control"), controllers.map((c) => `+${c}`).join(" "));
      write(join(parent, "cgroup.subtree_control"), controllers.map((c) => `+${c}`).join(" "));
      const dir = join(parent, name);
      mkdirSync(dir);
      groups.push({ controller: controllers[0] as Controller, dir });
      for (const controller of controllers) applyV2(dir, controller, limits);
      return groups;
    }
    for (const controller of controllers) {
      const dir = join(ownGroup(controller), "switchboard-sandbox", name);
      mkdirSync(dir, { recursive: true });
      groups.push({ controller, dir });
      applyV1(dir, controller, limits);
    }
    return groups;
  } catch (error) {
    void removeGroups(groups, undefined);
    const what = controllers.join(", ");
    throw new Error(`cannot enforce the ${what} limit: ${(error as Error).message}`);
  }
}

function applyV1(dir: string, controller: Controller, limits: SandboxLimits): void {
  if (controller === "memory") {
    write(join(dir, "memory.limit_in_bytes"), String(limits.memoryBytes));
    // Without swap accounting the limit still holds for RAM; with it, swap may not stretch it.
    if (existsSync(join(dir, "memory.memsw.limit_in_bytes"))) {
      write(join(dir, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
    }
  } else if (controller === "cpu") {
    write(join(dir, "cpu.cfs_period_us"), String(CPU_PERIOD_US));
    write(join(dir, "cpu.cfs_quota_us"), String(Math.max(1000, Math.round((limits.cpus as number) * CPU_PERIOD_US))));
  } else {
    write(join(dir, "pids.max"), String(limits.processes));
  }
}

function applyV2(dir: string, controller: Controller, limits: SandboxLimits): void {
  if (controller === "memory") {
    write(join(dir, "memory.max"), String(limits.memoryBytes));
    if (existsSync(join(dir, "memory.swap.max"))) write(join(dir, "memory.swap.max"), "0");
  } else if (controller === "cpu") {
    const quota = Math.max(1000, Math.round((limits.cpus as number) * CPU_PERIOD_US));
    write(join(dir, "cpu.max"), `${quota} ${CPU_PERIOD_US}`);
  } else {
    write(join(dir, "pids.max"), String(limits.processes));
  }
}

async function removeGroups(groups: readonly Group[], memoryBytes: number | undefined): Promise<string | undefined> {
  let reason: string | undefined;
  for (const group of groups) {
    if (reason === undefined && memoryBytes !== undefined && oomKills(group.dir) > 0) {
      reason = `memory limit ${formatBytes(memoryBytes)} exceeded (killed by the kernel's out-of-memory killer)`;
    }
    await emptyGroup(group.dir);
    try {
      rmdirSync(group.dir);
    } catch {
      // Still busy for a moment after its last process died; the kernel frees it once empty.
    }
  }
  return reason;
}

function oomKills(dir: string): number {
  for (const file of ["memory.oom_control", "memory.events"]) {
    try {
      const match = /^oom_kill (\d+)$/m.exec(readFileSync(join(dir, file), "utf8"));
      if (match) return Number(match[1]);
    } catch {
      // not this version's file
    }
  }
  return 0;
}

/** SIGKILLs every process still in the group (escaped grandchildren included) and waits for it to empty. */
async function emptyGroup(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = readPids(dir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function readPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function write(file: string, value: string): void {
  writeFileSync(file, value);
}

/** The size of a sandbox's /tmp: its memory limit, else 512 MiB. */
export function tmpSize(memoryBytes: number | undefined): number {
  return memoryBytes ?? 512 * 1024 * 1024;
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${bytes} bytes`;
}

/**
 * Removes the launch cgroups of gateways that are gone (`<server>-<pid ns>-<pid>-<start time>-<n>`), killing
 * what still runs in them first. Groups whose owner is alive, or counted in another PID namespace, stay.
 */
export async function sweepGroups(gone: (owner: Owner) => boolean): Promise<void> {
  const controllers: Controller[] = cgroupVersion() === "v2" ? ["memory"] : ["memory", "cpu", "pids"];
  for (const controller of controllers) {
    let parent: string;
    try {
      parent = join(ownGroup(controller), "switchboard-sandbox");
    } catch {
      continue;
    }
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const parts = entry.name.split("-");
      const owner = { pidNamespace: parts.at(-4), pid: Number(parts.at(-3)), startTime: parts.at(-2) };
      if (parts.length < 5 || !gone(owner)) continue;
      const dir = join(parent, entry.name);
      await emptyGroup(dir);
      try {
        rmdirSync(dir);
      } catch {
        // still busy; the next sweep tries again
      }
    }
  }
}

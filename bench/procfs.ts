// Linux /proc readers: CPU time and RSS of a process, its descendants, and its command line.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let clockTicks: number | undefined;

/** Kernel clock ticks per second (utime/stime unit), from `getconf CLK_TCK`; 100 if unknown. */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Fields of /proc/<pid>/stat after the command name (index 0 = field 3, "state"). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** utime + stime of one process in microseconds, or undefined when it is gone. */
export function cpuMicros(pid: number): number | undefined {
  const f = statFields(pid);
  if (!f) return undefined;
  const ticks = Number(f[11]) + Number(f[12]); // fields 14 (utime) and 15 (stime)
  return (ticks * 1_000_000) / ticksPerSecond();
}

/** stime alone (CPU time spent in the kernel on the process's behalf) in microseconds. */
export function systemCpuMicros(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? (Number(f[12]) * 1_000_000) / ticksPerSecond() : undefined;
}

/** Sum of utime + stime over several processes (gone ones count 0). */
export function cpuMicrosOf(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += cpuMicros(pid) ?? 0;
  return total;
}

/** Kernel start time (field 22), to tell a process from a later one that reuses its pid. */
export function startTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** VmRSS in bytes, or undefined when the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function rssBytesOf(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += rssBytes(pid) ?? 0;
  return total;
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

export function exists(pid: number): boolean {
  return statFields(pid) !== undefined;
}

/** Every live descendant of `root` (not `root` itself), parents before children. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const f = statFields(pid);
    if (!f) continue;
    const ppid = Number(f[1]);
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    for (const child of children.get(queue[i] as number) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * The real process behind a launcher: the deepest process among `root` and its descendants whose command line
 * contains one of `markers` (e.g. a wrapper that re-launches node on another binary).
 */
export function resolveMainPid(root: number, markers: readonly string[]): number {
  let found = root;
  for (const pid of [root, ...descendants(root)]) {
    const line = cmdline(pid);
    if (markers.some((m) => line.includes(m))) found = pid;
  }
  return found;
}

export interface MachineCpu {
  busy: number;
  total: number;
}

/** Machine-wide CPU jiffies from the first line of /proc/stat (busy = everything but idle and iowait). */
export function machineCpu(): MachineCpu {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already inside user/nice
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Cores kept busy between two readings (0 … nproc). */
export function busyCores(before: MachineCpu, after: MachineCpu, cores: number): number {
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * cores : 0;
}

export interface IoCounts {
  /** read-like syscalls (read, readv, recv…). */
  syscr: number;
  /** write-like syscalls (write, writev, send…). */
  syscw: number;
}

/** Syscall counters from /proc/<pid>/io (all threads), or undefined when unreadable. */
export function ioCounts(pid: number): IoCounts | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/io`, "utf8");
    const syscr = /^syscr:\s+(\d+)/m.exec(text);
    const syscw = /^syscw:\s+(\d+)/m.exec(text);
    return syscr && syscw ? { syscr: Number(syscr[1]), syscw: Number(syscw[1]) } : undefined;
  } catch {
    return undefined;
  }
}

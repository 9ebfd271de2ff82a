// Starting and stopping the processes under test: each in its own process group, always killed by pid at the end.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { descendants, exists, startTime } from "./procfs.ts";

export interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  /** The pid we spawned (also its process group id). */
  readonly pid: number;
  /** The last bytes of stderr (and of stdout when it is not the channel), for error messages. */
  tail(): string;
  readonly exited: Promise<void>;
}

/** A process we started or saw below one: pid, kernel start time (against pid reuse) and the started root. */
interface Known {
  pid: number;
  startTime: string | undefined;
  root: number;
}

const roots = new Map<number, Started>();
const known = new Map<number, Known>();
const TAIL_BYTES = 4096;

/** Spawns `command args` detached (own process group) with piped stdio; drains whatever is not a channel. */
export function start(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; stdoutIsChannel?: boolean } = {},
): Started {
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-TAIL_BYTES);
  };
  child.stderr.on("data", keep);
  if (!options.stdoutIsChannel) child.stdout.on("data", keep);
  child.stdin.on("error", () => {});
  child.on("error", () => {});
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const started: Started = { child, pid: child.pid, tail: () => tail, exited };
  roots.set(started.pid, started);
  known.set(started.pid, { pid: started.pid, startTime: startTime(started.pid), root: started.pid });
  return started;
}

/** The live descendants of a started process; each is remembered so cleanup reaches it even if orphaned. */
export function trackTree(started: Started): number[] {
  const pids = descendants(started.pid);
  for (const pid of pids) if (!known.has(pid)) known.set(pid, { pid, startTime: startTime(pid), root: started.pid });
  return pids;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function alive(k: Known): boolean {
  return exists(k.pid) && (k.startTime === undefined || startTime(k.pid) === k.startTime);
}

/** SIGTERM to the group, then SIGKILL to the group and to every process seen below it, until all are gone. */
export async function stop(started: Started, graceMs = 3000): Promise<void> {
  trackTree(started);
  const mine = [...known.values()].filter((k) => k.root === started.pid);
  kill(-started.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && mine.some(alive)) await sleep(20);
  kill(-started.pid, "SIGKILL");
  for (const k of mine) if (alive(k)) kill(k.pid, "SIGKILL");
  const hard = Date.now() + 2000;
  while (Date.now() < hard && mine.some(alive)) await sleep(20);
  roots.delete(started.pid);
  for (const k of mine) known.delete(k.pid);
}

/** Last-resort synchronous cleanup (exit, signals): SIGKILL every group and every process we know of. */
export function killEverythingSync(): void {
  for (const pid of roots.keys()) kill(-pid, "SIGKILL");
  for (const k of known.values()) if (alive(k)) kill(k.pid, "SIGKILL");
  roots.clear();
  known.clear();
}

export function installCleanupHandlers(): void {
  process.once("exit", killEverythingSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killEverythingSync();
      process.exit(130);
    });
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Test helpers for the `switchboard` command run as a real child process: a scrubbed environment, one-shot
// runs with captured output, long-running processes that can wait for a log line, and cleanup by PID.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENV_MAPPINGS } from "../../src/config/env-overrides.ts";
import { closeAtEnd } from "./cleanup.ts";
import { CLI, isAlive, waitUntil } from "./gateway.ts";

/** Alive and not a zombie (an exited child whose parent has not reaped it yet counts as gone). */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return process.platform !== "linux"; // on Linux an unreadable /proc entry means it just went away
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to the scrubbed environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** Variables that would change what the CLI does if the test runner's environment happened to set them. */
const SCRUBBED = [
  "MCP_CONFIG_PATH",
  "SWITCHBOARD_URL",
  "NODE_TEST_CONTEXT",
  ...ENV_MAPPINGS.flatMap((mapping) => mapping.names),
];

export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

const spawned = new Set<ChildProcess>();

/** Kills (SIGKILL, by PID) every CLI process started by these helpers that is still running. */
export function killSpawned(): void {
  for (const child of spawned) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  spawned.clear();
}
// Whatever a test file left running is killed when its tests are done.
closeAtEnd(async () => killSpawned());

/** Kills the process groups of server children a (killed) gateway recorded under `<stateDir>/children`. */
export function reapRecordedChildren(stateDir: string): number[] {
  const dir = join(stateDir, "children");
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  for (const file of readdirSync(dir)) {
    try {
      const { pid } = JSON.parse(readFileSync(join(dir, file), "utf8")) as { pid: number };
      pids.push(pid);
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone already, or not a record
    }
  }
  return pids;
}

/** PIDs of the server children a gateway recorded in `<stateDir>/children` (live ones only have a record). */
export function recordedChildren(stateDir: string): number[] {
  const dir = join(stateDir, "children");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => Number(f.slice(0, -5)));
}

export interface RunningCli {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` on stderr (checked as output arrives). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL by PID if still running. */
  kill(): void;
}

export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  spawned.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  return {
    child,
    pid: child.pid as number,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill,
    async waitForStderr(pattern, timeoutMs = 15_000) {
      let done = false;
      void exited.then(() => {
        done = true;
      });
      let match: RegExpMatchArray | null = null;
      await waitUntil(
        () => {
          match = pattern.exec(stderr);
          if (!match && done) throw new Error(`process exited before ${pattern} appeared on stderr:\n${stderr}`);
          return match !== null;
        },
        timeoutMs,
        20,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nstderr so far:\n${stderr}\nstdout so far:\n${stdout}`);
      });
      return match as unknown as RegExpMatchArray;
    },
  };
}

/** Runs the CLI to completion; SIGKILLs it (and fails) after `timeoutMs`. */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const running = startCli(args, options);
  running.child.stdin?.end();
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const outcome = await Promise.race([running.exited, timeout]).finally(() => clearTimeout(timer));
  if (outcome === "timeout") {
    running.kill();
    throw new Error(
      `switchboard ${args.join(" ")} did not exit within ${timeoutMs} ms\nstderr:\n${running.stderr()}\nstdout:\n${running.stdout()}`,
    );
  }
  spawned.delete(running.child);
  return { ...outcome, stdout: running.stdout(), stderr: running.stderr() };
}

/** A short description of a run for assertion messages. */
export function describeRun(result: CliResult): string {
  return `exit ${result.code} (signal ${result.signal})\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** Writes `config` as JSON (or a raw string as is) to `<dir>/<name>` and returns the path. */
export function writeConfig(dir: string, config: unknown, name = "switchboard.json"): string {
  const path = join(dir, name);
  writeFileSync(path, typeof config === "string" ? config : JSON.stringify(config, null, 2));
  return path;
}

/** Waits until none of `pids` is alive. */
export async function waitGone(pids: readonly number[], timeoutMs = 5_000): Promise<void> {
  await waitUntil(() => pids.every((pid) => !isRunning(pid)), timeoutMs, 25).catch(() => {
    throw new Error(`still alive after ${timeoutMs} ms: ${pids.filter(isRunning).join(", ")}`);
  });
}

// A private redis-server for tests that kill and restart Redis: on a free port of 127.0.0.1, without
// persistence, never the machine's shared one.
import { type ChildProcess, spawn } from "node:child_process";
import type { TestContext } from "node:test";

export { freePort } from "../../bench/ports.ts";

const running = new Set<ChildProcess>();

/** Starts redis-server without persistence and resolves once it accepts connections. */
export async function startRedisServer(port: number, dir: string): Promise<ChildProcess> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
  const server = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(server);
  server.once("exit", () => running.delete(server));
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    server.once("error", reject);
    server.once("exit", (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
    server.stdout?.on("data", (chunk: Buffer) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return server;
}

/** Sends the signal and resolves once that redis-server has exited. */
export async function stopRedisServer(server: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  process.kill(server.pid as number, signal);
  await exited;
}

/** SIGKILLs every redis-server these helpers started that is still running (for an `after` hook). */
export function killRedisServers(): void {
  for (const server of running) {
    if (server.exitCode === null && server.signalCode === null && server.pid) process.kill(server.pid, "SIGKILL");
  }
}

/**
 * Collects unhandled rejections and uncaught exceptions in this process until the test ends: a Redis outage
 * must never produce one.
 */
export function recordCrashes(t: TestContext): unknown[] {
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on("unhandledRejection", onCrash);
  process.on("uncaughtException", onCrash);
  t.after(() => {
    process.off("unhandledRejection", onCrash);
    process.off("uncaughtException", onCrash);
  });
  return crashes;
}

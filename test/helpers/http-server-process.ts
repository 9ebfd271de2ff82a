// Starts a real HTTP MCP server (e.g. server-everything in streamableHttp or sse mode) on 127.0.0.1 and a free port.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { closeAtEnd } from "./cleanup.ts";

const LOOPBACK_ONLY = fileURLToPath(new URL("../fixtures/loopback-only.mjs", import.meta.url));

export interface HttpServerProcess {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

export async function startHttpServerProcess(script: string, args: string[]): Promise<HttpServerProcess> {
  const child = spawn(process.execPath, ["--import", LOOPBACK_ONLY, script, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, PORT: "0" },
    detached: true,
  });
  let log = "";
  const listening = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`HTTP server did not start: ${log}`)), 15_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      const match = /LOOPBACK_PORT=(\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", () => reject(new Error(`HTTP server exited: ${log}`)));
  });
  // A server that did not come up is not left running.
  const port = await listening.catch((error: unknown) => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), "SIGKILL");
    throw error;
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise((resolve) => {
      forget();
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      process.kill(-(child.pid as number), "SIGTERM");
    });
    return stopping;
  };
  const forget = closeAtEnd(stop);
  return { child, port, stop };
}

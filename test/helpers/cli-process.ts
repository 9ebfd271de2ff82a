// Runs `switchboard serve` as a real child process and waits for its listening line.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { closeAtEnd } from "./cleanup.ts";
import { CLI } from "./gateway.ts";

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function writeConfig(
  dir: string,
  servers: Record<string, unknown>,
  gateway: Record<string, unknown> = {},
): string {
  const path = join(dir, "switchboard.json");
  writeFileSync(path, JSON.stringify({ gateway: { port: 0, stateDir: join(dir, "state"), ...gateway }, servers }));
  return path;
}

export interface ServeOptions {
  /** Arguments for node itself, before the CLI (e.g. `--import` of a fixture). */
  nodeArgs?: string[];
  /** Variables added to the gateway's environment. */
  env?: Record<string, string>;
}

export async function startServe(
  configPath: string,
  extraArgs: string[] = [],
  options: ServeOptions = {},
): Promise<ServeProcess> {
  const cliArgs = [CLI, "serve", "--config", configPath, "--port", "0", ...extraArgs];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...cliArgs], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, USE_JSON_LOGS: "true", LOG_LEVEL: "info", ...options.env },
  });
  let log = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  /** SIGTERM (the gateway stops its servers), SIGKILL if it is still there after 10 s. */
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const stuck = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(stuck);
  };
  void exited.then(closeAtEnd(stop));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${log}`)), 15_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exited.then(() => reject(new Error(`serve exited early: ${log}`)));
  });
  // A gateway that did not come up is not left running (nor are the children it may have started).
  const url = await listening.catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { child, url, stderr: () => log, exited };
}

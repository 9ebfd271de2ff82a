// One Switchboard gateway whose only server is the echo server under one sandbox variant: cold starts through
// the admin API (stop, start), each timed by the gateway itself (the `server-started` event's durationMs, read
// from its JSON log), and an HTTP session on /mcp for echo calls.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HttpChannel } from "./http-client.ts";
import { freePort } from "./ports.ts";
import { type Started, sleep, start, stop } from "./processes.ts";
import { resolveMainPid } from "./procfs.ts";
import { assertInitialized, initializeParams } from "./rpc.ts";
import type { SandboxVariant } from "./sandbox-options.ts";

export const SERVER = "everything";
export const ECHO_TOOL = `${SERVER}__echo`;

export interface SandboxGatewayContext {
  node: string;
  repoRoot: string;
  /** server-everything's entry (dist/index.js). */
  everything: string;
  workDir: string;
  protocol: string;
  memory: string;
  startTimeoutMs: number;
}

export interface SandboxGateway {
  readonly variant: SandboxVariant;
  readonly channel: HttpChannel;
  readonly gatewayPid: number | undefined;
  /** Stops the echo server, starts it again, and resolves with the start's duration as the gateway measured it. */
  coldStart(signal: AbortSignal): Promise<number>;
  /** What the admin API reports about the server's confinement (backend actually used). */
  confinement(): Promise<unknown>;
  close(): Promise<void>;
}

/** The server's `sandbox` setting per variant; `none` has none at all (the path without any sandbox code). */
export function sandboxSetting(variant: SandboxVariant, memory: string): Record<string, unknown> | undefined {
  switch (variant) {
    case "none":
      return undefined;
    case "none-with-profile":
      return { backend: "none", limits: { memory } };
    default:
      return { backend: variant, onUnavailable: "fail" };
  }
}

function writeConfig(ctx: SandboxGatewayContext, variant: SandboxVariant): { config: string; stateDir: string } {
  const dir = join(ctx.workDir, variant);
  const stateDir = join(dir, "state");
  mkdirSync(stateDir, { recursive: true });
  const sandbox = sandboxSetting(variant, ctx.memory);
  const server = {
    command: ctx.node,
    args: [ctx.everything, "stdio"],
    lifecycle: "eager",
    ...(sandbox && { sandbox }),
  };
  const config = join(dir, "switchboard.json");
  writeFileSync(config, JSON.stringify({ gateway: { jsonLogs: true }, servers: { [SERVER]: server } }, null, 2));
  return { config, stateDir };
}

/** Collects the durationMs of every `server-started` log line the gateway writes. */
function watchStarts(started: Started): { durations: number[]; problems: string[] } {
  const seen = { durations: [] as number[], problems: [] as string[] };
  for (const stream of [started.child.stdout, started.child.stderr]) {
    let buffer = "";
    stream.on("data", (chunk: Buffer) => {
      const lines = (buffer + chunk.toString("utf8")).split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith("{")) continue;
        try {
          const entry = JSON.parse(line) as { durationMs?: unknown; msg?: string; level?: number };
          if (typeof entry.durationMs === "number" && entry.msg?.includes("ready in"))
            seen.durations.push(entry.durationMs);
          else if ((entry.level ?? 0) >= 40 && entry.msg) seen.problems.push(entry.msg);
        } catch {
          // not a log line of ours
        }
      }
    });
  }
  return seen;
}

async function waitFor<T>(read: () => T | undefined, ms: number, what: string, signal: AbortSignal): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    signal.throwIfAborted();
    const value = read();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: nothing within ${ms} ms`);
    await sleep(5);
  }
}

async function admin(base: URL, path: string, signal: AbortSignal): Promise<unknown> {
  const response = await fetch(new URL(path, base), {
    method: path.endsWith("start") || path.endsWith("stop") ? "POST" : "GET",
    signal,
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}: ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

/** Starts the gateway, waits for the eager (unmeasured) first start of the server and opens the main session. */
export async function launchSandboxGateway(
  ctx: SandboxGatewayContext,
  variant: SandboxVariant,
  signal: AbortSignal,
): Promise<SandboxGateway> {
  const { config, stateDir } = writeConfig(ctx, variant);
  const port = await freePort();
  const base = new URL(`http://127.0.0.1:${port}/`);
  const args = [
    join(ctx.repoRoot, "bin/switchboard.js"),
    ...["serve", "--config", config, "--host", "127.0.0.1", "--port", String(port), "--state-dir", stateDir],
  ];
  const started = start(ctx.node, args, { cwd: ctx.repoRoot });
  const seen = watchStarts(started);
  let exited = false;
  void started.exited.then(() => {
    exited = true;
  });
  const failure = () => `${variant}: the gateway exited: ${started.tail().slice(-800)}`;
  try {
    await waitFor(
      () => {
        if (exited) throw new Error(failure());
        const failed = seen.problems.find((p) => p.includes("failed to start"));
        if (failed) throw new Error(`${variant}: ${failed}`);
        return seen.durations.length > 0 ? true : undefined;
      },
      ctx.startTimeoutMs,
      `${variant}: first start of ${SERVER}`,
      signal,
    );
    const channel = await openSession(new URL("/mcp", base), ctx, signal);
    return {
      variant,
      channel,
      gatewayPid: resolveMainPid(started.pid, ["bin/switchboard.js"]),
      async coldStart(signal) {
        await admin(base, `servers/${SERVER}/stop`, signal);
        const before = seen.durations.length;
        await admin(base, `servers/${SERVER}/start`, signal);
        return waitFor(() => seen.durations[before], ctx.startTimeoutMs, `${variant}: start`, signal);
      },
      async confinement() {
        const view = (await admin(base, `servers/${SERVER}`, AbortSignal.timeout(5000))) as { confinement?: unknown };
        return view.confinement ?? null;
      },
      async close() {
        await channel.close().catch(() => {});
        await stop(started);
      },
    };
  } catch (error) {
    await stop(started);
    throw error;
  }
}

/** Initializes a session, retrying while the HTTP front is not listening yet. */
async function openSession(url: URL, ctx: SandboxGatewayContext, signal: AbortSignal): Promise<HttpChannel> {
  const deadline = performance.now() + ctx.startTimeoutMs;
  for (;;) {
    signal.throwIfAborted();
    const channel = new HttpChannel(url, ctx.protocol);
    try {
      const response = await channel.request("initialize", initializeParams(ctx.protocol));
      assertInitialized(response, url.href);
      await channel.notify("notifications/initialized");
      return channel;
    } catch (error) {
      await channel.close();
      if (performance.now() > deadline) throw error;
      await sleep(10);
    }
  }
}

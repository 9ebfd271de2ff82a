// The targets under test and how each is launched (cold connect is timed here, and the main session opened).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { HttpChannel } from "./http-client.ts";
import { freePort } from "./ports.ts";
import { type Started, sleep, start, stop } from "./processes.ts";
import { resolveMainPid } from "./procfs.ts";
import { assertInitialized, type Channel, initializeParams } from "./rpc.ts";
import { StdioChannel } from "./stdio-client.ts";

export type TargetId =
  | "direct"
  | "switchboard-http"
  | "switchboard-stdio"
  | "mcp-proxy"
  | "supergateway"
  | "switchboard-http-b"
  | "switchboard-stdio-b"
  | "http-floor";

/** The targets of a normal run. */
export const TARGET_IDS: readonly TargetId[] = [
  "direct",
  "switchboard-http",
  "switchboard-stdio",
  "mcp-proxy",
  "supergateway",
];

/** Switchboard variant B (--candidate DIR, --candidate-node-args), interleaved with the rest to A/B a change. */
export const CANDIDATE_IDS: readonly TargetId[] = ["switchboard-http-b", "switchboard-stdio-b"];

/** Opt-in reference targets (name them in --targets). */
export const EXTRA_IDS: readonly TargetId[] = ["http-floor"];

export interface LaunchContext {
  /** The Node binary for every process (the benchmark's own, >= 22.18). */
  node: string;
  repoRoot: string;
  /** server-everything's entry (dist/index.js). */
  everything: string;
  /** A scratch directory for configs and state; one subdirectory per launch. */
  workDir: string;
  /** The protocol revision every client asks for in initialize (--protocol). */
  protocol: string;
  /** Peers with their per-message overheads turned off (supergateway --logLevel none, mcp-proxy --no-eventStore). */
  peersTuned: boolean;
  /** When set, Switchboard runs with --cpu-prof into this directory. */
  cpuProfDir: string | undefined;
  /** The Switchboard checkout whose bin/switchboard.js is run (normally repoRoot). */
  switchboardRoot: string;
  /** Extra Node flags for the Switchboard process (e.g. --max-semi-space-size=4). */
  switchboardNodeArgs: readonly string[];
  /** The (B) variant (another checkout and/or other Node flags), to A/B a change. */
  candidate: Variant | undefined;
  startTimeoutMs: number;
}

export interface Launched {
  started: Started;
  /** The gateway's (or proxy's) own node process; undefined for the direct server. */
  gatewayPid: number | undefined;
  /** The main session, already initialized. */
  channel: Channel;
  coldConnectMs: number;
  /** Where new HTTP sessions are opened (session connect); undefined for stdio targets. */
  sessionUrl: URL | undefined;
}

export interface Target {
  id: TargetId;
  label: string;
  transport: "stdio" | "http";
  /** The echo tool's name on this target. */
  echoTool: string;
  launch(ctx: LaunchContext, launchNo: number): Promise<Launched>;
}

const SWITCHBOARD_MARKERS = ["bin/switchboard.js", "fronts/cli/main.ts"];

function switchboardConfig(ctx: LaunchContext, launchNo: number): { config: string; stateDir: string } {
  const dir = join(ctx.workDir, `switchboard-${launchNo}`);
  const stateDir = join(dir, "state");
  mkdirSync(stateDir, { recursive: true });
  const config = join(dir, "switchboard.json");
  const file = {
    servers: {
      everything: { command: ctx.node, args: [ctx.everything, "stdio"], lifecycle: "eager" },
    },
  };
  writeFileSync(config, JSON.stringify(file, null, 2));
  return { config, stateDir };
}

/** Which Switchboard to run: the checkout and the extra Node flags for its process. */
interface Variant {
  root: string;
  nodeArgs: readonly string[];
}

const baseline = (ctx: LaunchContext): Variant => ({ root: ctx.switchboardRoot, nodeArgs: ctx.switchboardNodeArgs });

function candidate(ctx: LaunchContext): Variant {
  if (!ctx.candidate) throw new Error("the (B) targets need --candidate DIR or --candidate-node-args");
  return ctx.candidate;
}

function switchboardNodeArgs(ctx: LaunchContext, variant: Variant): string[] {
  return [...variant.nodeArgs, ...(ctx.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", ctx.cpuProfDir] : [])];
}

function bin(ctx: LaunchContext, path: string): string {
  return join(ctx.repoRoot, path);
}

/** `switchboard serve` of a variant; calls go to the aggregated endpoint /mcp. */
function switchboardHttp(id: TargetId, label: string, pick: (ctx: LaunchContext) => Variant): Target {
  return {
    id,
    label,
    transport: "http",
    echoTool: "everything__echo",
    launch: async (ctx, n) => {
      const { config, stateDir } = switchboardConfig(ctx, n);
      const port = await freePort();
      const variant = pick(ctx);
      const args = [
        ...switchboardNodeArgs(ctx, variant),
        join(variant.root, "bin/switchboard.js"),
        "serve",
        "--config",
        config,
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--state-dir",
        stateDir,
      ];
      return launchHttp(ctx, args, new URL(`http://127.0.0.1:${port}/mcp`), SWITCHBOARD_MARKERS);
    },
  };
}

/** `switchboard stdio` of a variant. */
function switchboardStdio(id: TargetId, label: string, pick: (ctx: LaunchContext) => Variant): Target {
  return {
    id,
    label,
    transport: "stdio",
    echoTool: "everything__echo",
    launch: (ctx, n) => {
      const { config, stateDir } = switchboardConfig(ctx, n);
      const variant = pick(ctx);
      const args = [
        ...switchboardNodeArgs(ctx, variant),
        join(variant.root, "bin/switchboard.js"),
        "stdio",
        "--config",
        config,
        "--state-dir",
        stateDir,
      ];
      return launchStdio(ctx, args, SWITCHBOARD_MARKERS);
    },
  };
}

export const TARGETS: Record<TargetId, Target> = {
  direct: {
    id: "direct",
    label: "direct stdio",
    transport: "stdio",
    echoTool: "echo",
    launch: (ctx) => launchStdio(ctx, [ctx.everything, "stdio"], undefined),
  },
  "switchboard-http": switchboardHttp("switchboard-http", "Switchboard HTTP", baseline),
  "switchboard-stdio": switchboardStdio("switchboard-stdio", "Switchboard stdio", baseline),
  "switchboard-http-b": switchboardHttp("switchboard-http-b", "Switchboard HTTP (B)", candidate),
  "switchboard-stdio-b": switchboardStdio("switchboard-stdio-b", "Switchboard stdio (B)", candidate),
  "http-floor": {
    id: "http-floor",
    label: "minimal node:http forwarder",
    transport: "http",
    echoTool: "echo",
    launch: async (ctx) => {
      const port = await freePort();
      const args = [bin(ctx, "bench/floor-gateway.ts"), String(port), "--", ctx.node, ctx.everything, "stdio"];
      return launchHttp(ctx, args, new URL(`http://127.0.0.1:${port}/mcp`), ["floor-gateway"]);
    },
  },
  "mcp-proxy": {
    id: "mcp-proxy",
    label: "mcp-proxy",
    transport: "http",
    echoTool: "echo",
    launch: async (ctx) => {
      const port = await freePort();
      const args = [
        bin(ctx, "node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs"),
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        ...(ctx.peersTuned ? ["--no-eventStore"] : []),
        "--",
        ctx.node,
        ctx.everything,
        "stdio",
      ];
      return launchHttp(ctx, args, new URL(`http://127.0.0.1:${port}/mcp`), ["mcp-proxy"]);
    },
  },
  supergateway: {
    id: "supergateway",
    label: "supergateway",
    transport: "http",
    echoTool: "echo",
    launch: async (ctx) => {
      const port = await freePort();
      // supergateway has no bind-address option: the preload makes its listen() bind 127.0.0.1.
      const preload = pathToFileURL(join(ctx.repoRoot, "bench/loopback-preload.ts")).href;
      const args = [
        "--import",
        preload,
        bin(ctx, "node_modules/supergateway/dist/index.js"),
        "--stdio",
        `'${ctx.node}' '${ctx.everything}' stdio`,
        "--outputTransport",
        "streamableHttp",
        "--stateful",
        "--port",
        String(port),
        ...(ctx.peersTuned ? ["--logLevel", "none"] : []),
      ];
      return launchHttp(ctx, args, new URL(`http://127.0.0.1:${port}/mcp`), ["supergateway"]);
    },
  },
};

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function launchStdio(ctx: LaunchContext, args: string[], markers: string[] | undefined): Promise<Launched> {
  const begin = performance.now();
  const started = start(ctx.node, args, { stdoutIsChannel: true, cwd: ctx.repoRoot });
  try {
    const channel = new StdioChannel(started);
    const response = await withDeadline(
      channel.request("initialize", initializeParams(ctx.protocol)),
      ctx.startTimeoutMs,
      "stdio",
    );
    const coldConnectMs = performance.now() - begin;
    assertInitialized(response, args.join(" "));
    await channel.notify("notifications/initialized");
    const gatewayPid = markers ? resolveMainPid(started.pid, markers) : undefined;
    return { started, gatewayPid, channel, coldConnectMs, sessionUrl: undefined };
  } catch (error) {
    await stop(started);
    throw error;
  }
}

/** Starts the process and retries initialize every 2 ms until it succeeds (or the process dies / time is up). */
async function launchHttp(ctx: LaunchContext, args: string[], url: URL, markers: string[]): Promise<Launched> {
  const begin = performance.now();
  const started = start(ctx.node, args, { cwd: ctx.repoRoot });
  let exited = false;
  void started.exited.then(() => {
    exited = true;
  });
  try {
    const deadline = begin + ctx.startTimeoutMs;
    let lastError: unknown;
    for (;;) {
      if (exited) throw new Error(`target exited before answering initialize: ${started.tail().slice(-800)}`);
      if (performance.now() > deadline)
        throw new Error(`no initialize answer within ${ctx.startTimeoutMs} ms: ${String(lastError)}`);
      const channel = new HttpChannel(url, ctx.protocol);
      try {
        const response = await withDeadline(
          channel.request("initialize", initializeParams(ctx.protocol)),
          ctx.startTimeoutMs,
          "http",
        );
        const coldConnectMs = performance.now() - begin;
        assertInitialized(response, url.href);
        await channel.notify("notifications/initialized");
        return {
          started,
          gatewayPid: resolveMainPid(started.pid, markers),
          channel,
          coldConnectMs,
          sessionUrl: url,
        };
      } catch (error) {
        lastError = error;
        await channel.close();
        await sleep(2);
      }
    }
  } catch (error) {
    await stop(started);
    throw error;
  }
}

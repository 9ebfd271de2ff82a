// Test helpers: a real gateway (real child processes, real HTTP on 127.0.0.1 port 0) in a fresh state directory.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createPinoLogger } from "../../src/adapters/observability/pino-logger.ts";
import { isSameProcess } from "../../src/adapters/process/proc-info.ts";
import { createGateway, type Gateway } from "../../src/app/index.ts";
import { normalizeConfig } from "../../src/config/load.ts";
import { type HttpFront, startHttpFront } from "../../src/fronts/http/http-front.ts";
import type { Clock } from "../../src/ports/clock.ts";
import type { SecretStore } from "../../src/ports/secret-store.ts";
import { closeAtEnd } from "./cleanup.ts";

export const FIXTURE_SERVER = fileURLToPath(new URL("../fixtures/misbehaving-server.ts", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(REPO_ROOT, "src/fronts/cli/main.ts");

/** Server entries for the official reference servers, run as `node <bin>` from node_modules. */
export function referenceServers(workspace: string): Record<string, Record<string, unknown>> {
  return {
    everything: { package: "@modelcontextprotocol/server-everything", args: ["stdio"] },
    memory: {
      package: "@modelcontextprotocol/server-memory",
      env: { MEMORY_FILE_PATH: join(workspace, "memory.jsonl") },
    },
    filesystem: { package: "@modelcontextprotocol/server-filesystem", args: [workspace] },
    thinking: { package: "@modelcontextprotocol/server-sequential-thinking" },
  };
}

export function fixtureServer(
  env: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { command: process.execPath, args: [FIXTURE_SERVER], env, ...extra };
}

export interface TestGateway {
  gateway: Gateway;
  front: HttpFront | undefined;
  url: string;
  stateDir: string;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  gateway?: Record<string, unknown>;
  http?: boolean;
  /** The HTTP front's port (0 by default: any free one). */
  httpPort?: number;
  stateDir?: string;
  /** Receives the gateway's JSON log lines at level info (instead of a silent logger). */
  logDestination?: NodeJS.WritableStream;
  /** The gateway's clock (the system clock by default). */
  clock?: Clock;
  /** Where sealed OAuth tokens of remote servers go (memory by default). */
  secretStore?: SecretStore;
  /** Runs on the built gateway before it starts (to subscribe to the events of its boot). */
  beforeStart?: (gateway: Gateway) => void;
}

export function tempDir(prefix = "switchboard-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestGateway(
  servers: Record<string, unknown>,
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const stateDir = options.stateDir ?? tempDir();
  // Tests expect a complete first listing of cold servers (as a one-shot CLI gets) unless they set the bound.
  const discovery = { listWaitMs: 120_000, ...(options.gateway?.discovery as Record<string, unknown> | undefined) };
  const config = normalizeConfig(
    { gateway: { port: 0, stateDir, ...options.gateway, discovery }, servers },
    join(stateDir, "switchboard.json"),
  );
  const logger = options.logDestination
    ? createPinoLogger({ level: "info", json: true, destination: options.logDestination })
    : createPinoLogger({ level: (process.env.TEST_LOG_LEVEL as "info") ?? "silent", json: false });
  const gateway = await createGateway(config, { logger, clock: options.clock, secretStore: options.secretStore });
  const started = new Set<number>();
  gateway.events.on("server-started", ({ pid }) => {
    if (pid !== undefined) started.add(pid);
  });
  let front: HttpFront | undefined;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      forget();
      await front?.close();
      await gateway.close();
      const left = killLeftChildren(stateDir, started);
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
      // A gateway that lost track of a child (a broken single-flight start) fails its test here, instead of
      // leaving processes that keep the test file, and so the whole run, alive.
      if (left.length) throw new Error(`the gateway left server processes running after close (killed): ${left}`);
    })();
    return closing;
  };
  const forget = closeAtEnd(close);
  try {
    options.beforeStart?.(gateway);
    await gateway.start();
    if (options.http !== false) front = await startHttpFront(gateway, { port: options.httpPort ?? 0 });
  } catch (error) {
    // A gateway that failed to start may have started servers already.
    await close();
    throw error;
  }
  return { gateway, front, url: front?.url ?? "", stateDir, close };
}

/**
 * Kills the server processes this gateway started that are still running after its close: those still recorded
 * in its state directory (a child's record goes when it exits) as the same process. Returns their pids.
 */
function killLeftChildren(stateDir: string, started: ReadonlySet<number>): number[] {
  const left: number[] = [];
  for (const pid of started) {
    const record = join(stateDir, "children", `${pid}.json`);
    if (!existsSync(record)) continue;
    let startTime: string | undefined;
    try {
      startTime = (JSON.parse(readFileSync(record, "utf8")) as { startTime?: string }).startTime;
    } catch {
      continue;
    }
    if (!isSameProcess(pid, startTime)) continue;
    left.push(pid);
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  return left;
}

export interface RpcReply {
  status: number;
  headers: Headers;
  /** The JSON body; for a streamed reply, its final response (a slow answer may turn into a stream at any time). */
  body: any;
  /** Every message of a streamed reply in order (notifications, then the response); `[body]` for a JSON reply. */
  messages: any[];
  text: string;
}

/** POSTs one JSON-RPC message (object or raw string) and parses a JSON or SSE reply. */
export async function post(url: string, message: unknown, headers: Record<string, string> = {}): Promise<RpcReply> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: typeof message === "string" ? message : JSON.stringify(message),
  });
  const text = await response.text();
  if ((response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    const messages = text
      .split("\n")
      // Priming events (an id with empty data, sent when a slow response turns into a stream) carry nothing.
      .filter((l) => l.startsWith("data: ") && l.length > 6)
      .map((l) => JSON.parse(l.slice(6)));
    const body = messages.findLast((m) => m && typeof m === "object" && !("method" in m));
    return { status: response.status, headers: response.headers, body, messages, text };
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, messages: body === undefined ? [] : [body], text };
}

let nextId = 1;
export function request(method: string, params: Record<string, unknown> = {}, id: number | string = nextId++) {
  return { jsonrpc: "2.0", id, method, params };
}

/** tools/call on the aggregated endpoint of a gateway at `url` (stateless unless a session header is given). */
export function callTool(
  url: string,
  name: string,
  args: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return post(`${url}/mcp`, request("tools/call", { name, arguments: args }), headers);
}

/** The first text block of a tools/call reply. */
export function resultText(reply: RpcReply): string {
  return String(reply.body?.result?.content?.[0]?.text);
}

/** initialize + notifications/initialized; returns the session id. */
export async function openSession(
  endpointUrl: string,
  protocolVersion = "2025-11-25",
  clientName = "test",
): Promise<string> {
  const reply = await post(
    endpointUrl,
    request("initialize", { protocolVersion, capabilities: {}, clientInfo: { name: clientName, version: "1" } }),
  );
  const id = reply.headers.get("mcp-session-id");
  if (reply.status !== 200 || !id) throw new Error(`initialize failed: ${reply.status} ${reply.text}`);
  await post(endpointUrl, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": id });
  return id;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  stepMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

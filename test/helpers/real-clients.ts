// Drivers for real MCP clients used by test/real-clients.test.ts: the official SDK v1 client (1.x), the SDK v2
// client, and the MCP Inspector CLI run as a child process. Each driver offers the same few operations so one
// set of assertions runs against every client × endpoint.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from "@modelcontextprotocol/client";
import { StdioClientTransport as StdioTransportV2 } from "@modelcontextprotocol/client/stdio";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as StdioTransportV1 } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as HttpTransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { cliEnv } from "./cli.ts";
import { CLI, REPO_ROOT } from "./gateway.ts";

/** Where a client connects: an HTTP endpoint URL, or `switchboard stdio` with a config file and state dir. */
export type Target = { kind: "http"; url: string } | { kind: "stdio"; config: string; stateDir: string };

export interface ResourceContent {
  uri: string;
  text?: string;
  blob?: string;
}

export interface PromptMessage {
  role: string;
  content: { type: string; text?: string };
}

/** The operations every client is driven through. */
export interface Driver {
  readonly label: string;
  listTools(): Promise<string[]>;
  /** The text of the first content block. */
  callTool(name: string, args: Record<string, string>): Promise<string>;
  listResources(): Promise<string[]>;
  readResource(uri: string): Promise<ResourceContent[]>;
  getPrompt(name: string): Promise<PromptMessage[]>;
  /** Ends the HTTP session with DELETE (SDK clients over HTTP only). */
  terminateSession?(): Promise<string | undefined>;
  /** The session id the client holds (SDK clients over HTTP only). */
  sessionId?(): string | undefined;
  /** The protocol version the client negotiated (when the client exposes it). */
  protocolVersion?(): string | undefined;
  /** Errors the client or its transport reported out of band (e.g. a failed GET stream). */
  errors(): Error[];
  /** The spawned gateway's stderr (stdio only). */
  stderr(): string;
  /** The spawned gateway's pid (SDK clients over stdio only). */
  pid?(): number | null;
  close(): Promise<void>;
}

/** The environment for a spawned `switchboard stdio`: the test runner's, minus variables that change the CLI. */
export function stringEnv(extra: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(cliEnv(extra)).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export function stdioArgs(target: Extract<Target, { kind: "stdio" }>): string[] {
  return [CLI, "stdio", "--config", target.config, "--state-dir", target.stateDir];
}

function textOf(result: { content?: unknown }): string {
  const content = result.content as { type: string; text?: string }[] | undefined;
  return content?.[0]?.text ?? "";
}

/** The subset of the v1 and v2 `Client` APIs the drivers use (both have these with compatible shapes). */
interface SdkClient {
  connect(transport: never): Promise<void>;
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  listResources(): Promise<{ resources: { uri: string }[] }>;
  readResource(params: { uri: string }): Promise<{ contents: unknown[] }>;
  getPrompt(params: { name: string }): Promise<{ messages: unknown[] }>;
  close(): Promise<void>;
  onerror?: ((error: Error) => void) | undefined;
}

interface SdkTransport {
  onerror?: ((error: Error) => void) | undefined;
  close(): Promise<void>;
  readonly sessionId?: string | undefined;
  readonly protocolVersion?: string | undefined;
  terminateSession?(): Promise<void>;
  readonly pid?: number | null;
  readonly stderr?: unknown;
}

async function sdkDriver(
  label: string,
  client: SdkClient,
  transport: SdkTransport,
  kind: Target["kind"],
): Promise<Driver> {
  const errors: Error[] = [];
  let stderr = "";
  const stderrStream = transport.stderr as NodeJS.ReadableStream | null | undefined;
  stderrStream?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  client.onerror = (error) => errors.push(error);
  await client.connect(transport as never);
  // connect() installs its own transport.onerror that forwards to client.onerror; nothing more to hook.
  const driver: Driver = {
    label,
    async listTools() {
      return (await client.listTools()).tools.map((tool) => tool.name);
    },
    async callTool(name, args) {
      return textOf((await client.callTool({ name, arguments: args })) as { content?: unknown });
    },
    async listResources() {
      return (await client.listResources()).resources.map((resource) => resource.uri);
    },
    async readResource(uri) {
      return (await client.readResource({ uri })).contents as ResourceContent[];
    },
    async getPrompt(name) {
      return (await client.getPrompt({ name })).messages as PromptMessage[];
    },
    errors: () => errors,
    stderr: () => stderr,
    async close() {
      await client.close();
    },
  };
  if (kind === "http") {
    driver.sessionId = () => transport.sessionId;
    driver.protocolVersion = () => transport.protocolVersion;
    driver.terminateSession = async () => {
      const before = transport.sessionId;
      await transport.terminateSession?.();
      return before;
    };
  } else {
    driver.pid = () => transport.pid ?? null;
  }
  return driver;
}

/**
 * Reconnection of the GET notification stream, shortened from the SDKs' 1 s default so a test can see within a
 * few hundred milliseconds what the client makes of the gateway's answer to a reconnect.
 */
export const RECONNECTION = {
  initialReconnectionDelay: 50,
  maxReconnectionDelay: 200,
  reconnectionDelayGrowFactor: 1.5,
  maxRetries: 2,
};

export async function connectSdkV1(target: Target): Promise<Driver> {
  const client = new ClientV1({ name: "switchboard-real-clients-v1", version: "1.0.0" });
  const transport =
    target.kind === "http"
      ? new HttpTransportV1(new URL(target.url), { reconnectionOptions: RECONNECTION })
      : new StdioTransportV1({
          command: process.execPath,
          args: stdioArgs(target),
          env: stringEnv(),
          stderr: "pipe",
        });
  return sdkDriver("SDK v1", client as unknown as SdkClient, transport as unknown as SdkTransport, target.kind);
}

export async function connectSdkV2(target: Target): Promise<Driver> {
  const client = new ClientV2({ name: "switchboard-real-clients-v2", version: "1.0.0" });
  const transport =
    target.kind === "http"
      ? new HttpTransportV2(new URL(target.url), { reconnectionOptions: RECONNECTION })
      : new StdioTransportV2({
          command: process.execPath,
          args: stdioArgs(target),
          env: stringEnv(),
          stderr: "pipe",
        });
  return sdkDriver("SDK v2", client as unknown as SdkClient, transport as unknown as SdkTransport, target.kind);
}

/** The Inspector CLI's entry point: the package's `mcp-inspector` bin (the launcher), run with `--cli`. */
export function inspectorEntry(): string {
  const dir = join(REPO_ROOT, "node_modules/@modelcontextprotocol/inspector");
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { bin: Record<string, string> };
  const bin = pkg.bin["mcp-inspector"];
  if (!bin) throw new Error("@modelcontextprotocol/inspector has no mcp-inspector bin");
  const entry = join(dir, bin);
  if (!existsSync(entry)) throw new Error(`Inspector entry ${entry} is missing`);
  return entry;
}

export interface InspectorRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The parsed `--format json` output (`{ result }` or `{ error }`), when stdout is JSON. */
  json: any;
}

const inspectorPids = new Set<number>();

/** SIGKILLs (by PID) every Inspector process still running. */
export function killInspectors(): void {
  for (const pid of inspectorPids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  inspectorPids.clear();
}

/**
 * Runs `mcp-inspector --cli --format json <method flags> [--transport http] -- <url | command args…>` once.
 * HOME points at `home` so nothing is read from or written to the real ~/.mcp-inspector; the CLI opens no
 * browser and downloads nothing.
 */
export function runInspector(
  target: Target,
  method: string[],
  home: string,
  timeoutMs = 30_000,
): Promise<InspectorRun> {
  const args = [inspectorEntry(), "--cli", "--format", "json", ...method];
  if (target.kind === "http") args.push("--transport", "http", "--", target.url);
  else args.push("--transport", "stdio", "--", process.execPath, ...stdioArgs(target));
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...stringEnv(), HOME: home, BROWSER: "none", MCP_AUTO_OPEN_ENABLED: "false", CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid !== undefined) inspectorPids.add(child.pid);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise<InspectorRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      reject(new Error(`inspector ${method.join(" ")} timed out after ${timeoutMs} ms\n${stderr}\n${stdout}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (child.pid !== undefined) inspectorPids.delete(child.pid);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, signal, stdout, stderr, json });
    });
  });
}

/** The Inspector CLI as a Driver: every operation is one run of the CLI (a fresh connection each time). */
export function inspectorDriver(target: Target, home: string): Driver {
  let stderr = "";
  const run = async (method: string[]): Promise<any> => {
    const result = await runInspector(target, method, home);
    stderr += result.stderr;
    if (result.code !== 0 || result.json?.result === undefined) {
      throw new Error(
        `inspector ${method.join(" ")} failed: exit ${result.code} (signal ${result.signal})\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
      );
    }
    return result.json.result;
  };
  return {
    label: "Inspector CLI",
    async listTools() {
      return ((await run(["--method", "tools/list"])).tools as { name: string }[]).map((tool) => tool.name);
    },
    async callTool(name, args) {
      const pairs = Object.entries(args).map(([key, value]) => `${key}=${value}`);
      return textOf(await run(["--method", "tools/call", "--tool-name", name, "--tool-arg", ...pairs]));
    },
    async listResources() {
      return ((await run(["--method", "resources/list"])).resources as { uri: string }[]).map((r) => r.uri);
    },
    async readResource(uri) {
      return (await run(["--method", "resources/read", "--uri", uri])).contents as ResourceContent[];
    },
    async getPrompt(name) {
      return (await run(["--method", "prompts/get", "--prompt-name", name])).messages as PromptMessage[];
    },
    errors: () => [],
    stderr: () => stderr,
    async close() {},
  };
}

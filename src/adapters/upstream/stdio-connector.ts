// Stdio upstreams: one child process per server, in its own process group, speaking newline-delimited JSON-RPC.
// stderr is captured line by line into the logs (never inherited); stop is stdin close → SIGTERM → SIGKILL.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { SwitchboardError } from "../../core/errors.ts";
import type { UpstreamStderrSettings } from "../../core/gateway-config.ts";
import type { JsonRpcMessage } from "../../core/jsonrpc.ts";
import type { ServerSpec, StdioTransportSpec } from "../../core/server-spec.ts";
import type { ChildRegistry } from "../../ports/child-registry.ts";
import type { ConnectionClosed, Connector, UpstreamConnection } from "../../ports/connector.ts";
import type { Logger } from "../../ports/logger.ts";
import { ownRecordFields } from "../process/file-child-registry.ts";
import { groupExists, processStartTime, signalGroup } from "../process/proc-info.ts";
import { childEnvironment } from "./child-env.ts";
import { createLineSplitter } from "./line-splitter.ts";
import { spawnFailure } from "./spawn-failure.ts";
import { createStderrLog, DEFAULT_STDERR_SETTINGS } from "./stderr-log.ts";

const STDERR_TAIL_LINES = 20;
/** A stderr "line" longer than this without a newline is dropped rather than buffered. */
const STDERR_MAX_LINE_BYTES = 1024 * 1024;

export interface StdioConnectorOptions {
  logger: Logger;
  children: ChildRegistry;
  inheritEnv: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Rate and length limits of stderr lines in the logs. */
  stderr?: UpstreamStderrSettings;
}

export function createStdioConnector(options: StdioConnectorOptions): Connector {
  return {
    async open(spec, signal) {
      if (spec.transport.kind !== "stdio") throw new Error(`server ${spec.name} is not a stdio server`);
      signal.throwIfAborted();
      const transport = spec.transport;
      const env = childEnvironment(options.env ?? process.env, options.inheritEnv, transport.env);
      const child = spawn(transport.command, [...transport.args], {
        cwd: transport.cwd,
        env,
        stdio: ["pipe", "pipe", "pipe"],
        detached: true, // own process group, so stop and reaping reach grandchildren too
        windowsHide: true,
      });
      await spawned(child, spec.name, transport, env.PATH);
      const pid = child.pid as number;
      options.children.add({ server: spec.name, pid, startTime: processStartTime(pid), ...ownRecordFields() });
      return new StdioConnection(child, spec, options);
    },
  };
}

function spawned(
  child: ChildProcessWithoutNullStreams,
  name: string,
  transport: StdioTransportSpec,
  path: string | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error: NodeJS.ErrnoException) => reject(spawnFailure(error, name, transport, path)));
  });
}

class StdioConnection implements UpstreamConnection {
  onMessage: (message: JsonRpcMessage) => void = () => {};
  onClose: (closed: ConnectionClosed) => void = () => {};
  readonly pid: number;
  private readonly tail: string[] = [];
  private exited = false;
  private closeRequested = false;
  private closing: Promise<void> | undefined;
  private readonly exitPromise: Promise<void>;

  private readonly child: ChildProcessWithoutNullStreams;
  private readonly spec: ServerSpec;
  private readonly log: Logger;

  constructor(child: ChildProcessWithoutNullStreams, spec: ServerSpec, options: StdioConnectorOptions) {
    this.child = child;
    this.spec = spec;
    this.pid = child.pid as number;
    const log = options.logger.child({ server: spec.name });
    this.log = log;
    const stderr = createStderrLog(
      log,
      { pid: this.pid },
      options.stderr ?? DEFAULT_STDERR_SETTINGS,
      (spec.transport as StdioTransportSpec).env,
    );
    child.stdout.on(
      "data",
      createLineSplitter((line) => this.receive(line)),
    );
    child.stderr.on(
      "data",
      createLineSplitter((line) => {
        this.tail.push(stderr.clean(line));
        if (this.tail.length > STDERR_TAIL_LINES) this.tail.shift();
        stderr.line(line);
      }, STDERR_MAX_LINE_BYTES),
    );
    // EPIPE on a dead child's stdin is reported through 'exit'; keep it from becoming an unhandled error.
    child.stdin.on("error", () => {});
    child.on("error", (error) => log.warn({ err: error, pid: this.pid }, "server process error"));
    this.exitPromise = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exited = true;
        stderr.close();
        options.children.remove(this.pid);
        // Grandchildren left in the group are killed with their parent.
        if (groupExists(this.pid)) signalGroup(this.pid, "SIGKILL");
        const reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
        this.onClose({ reason, requested: this.closeRequested, stderrTail: [...this.tail] });
        resolve();
      });
    });
  }

  private receive(line: string): void {
    let message: JsonRpcMessage;
    try {
      message = JSON.parse(line) as JsonRpcMessage;
    } catch {
      this.log.warn({ stream: "stdout", pid: this.pid }, `non-JSON output ignored: ${line.slice(0, 200)}`);
      return;
    }
    if (message === null || typeof message !== "object") return;
    this.onMessage(message);
  }

  send(message: JsonRpcMessage): void {
    if (this.exited || this.closeRequested || !this.child.stdin.writable) {
      throw new SwitchboardError("upstream_unavailable", `server ${this.spec.name} is not running`);
    }
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  stderrTail(): readonly string[] {
    return [...this.tail];
  }

  close(graceMs: number): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.closeRequested = true;
    if (this.exited) return;
    this.child.stdin.end();
    if (await this.exitWithin(graceMs)) return;
    signalGroup(this.pid, "SIGTERM");
    if (await this.exitWithin(graceMs)) return;
    signalGroup(this.pid, "SIGKILL");
    await this.exitPromise;
  }

  private exitWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    return Promise.race([this.exitPromise.then(() => true), timeout]).finally(() => clearTimeout(timer));
  }
}

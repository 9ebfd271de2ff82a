// Stdio upstreams: one child process per server, in its own process group, speaking newline-delimited JSON-RPC.
// stderr is captured line by line into the logs (never inherited); stop is stdin close → SIGTERM → SIGKILL.
// Both pipes are bounded: a server that stops reading its stdin, or writes one message over the size bound, is
// failed (upstream_overloaded) and terminated, and the supervisor restarts it as after a crash.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { SwitchboardError } from "../../core/errors.ts";
import type { UpstreamStderrSettings, UpstreamStdioSettings } from "../../core/gateway-config.ts";
import type { JsonRpcMessage } from "../../core/jsonrpc.ts";
import { createLineSplitter, type OverlongLine } from "../../core/line-splitter.ts";
import { type Confinement, unconfined } from "../../core/sandbox.ts";
import type { ServerSpec, StdioTransportSpec } from "../../core/server-spec.ts";
import type { ChildRegistry } from "../../ports/child-registry.ts";
import type { ConnectionClosed, Connector, UpstreamConnection } from "../../ports/connector.ts";
import type { Logger } from "../../ports/logger.ts";
import type { PreparedLaunch, Sandbox } from "../../ports/sandbox.ts";
import { ownRecordFields } from "../process/file-child-registry.ts";
import { groupExists, processStartTime, signalGroup } from "../process/proc-info.ts";
import { childEnvironment, sandboxedEnvironment } from "./child-env.ts";
import { spawnFailure } from "./spawn-failure.ts";
import { createStderrLog, type StderrLog } from "./stderr-log.ts";

const STDERR_TAIL_LINES = 20;
/**
 * How long a server's stdin may stay backed up past the bound before it counts as not reading. A server that
 * reads catches up within moments (a few large requests arriving at once can pass the bound); past four times
 * the bound it is failed at once, whatever the time.
 */
const INPUT_STALL_GRACE_MS = 5_000;
/** A stderr "line" longer than this without a newline is dropped rather than buffered. */
const STDERR_MAX_LINE_BYTES = 1024 * 1024;

export interface StdioConnectorOptions {
  logger: Logger;
  children: ChildRegistry;
  inheritEnv: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Rate and length limits of stderr lines in the logs (gateway.upstreamStderr). */
  stderr: UpstreamStderrSettings;
  /** Bounds on the bytes queued for a server's stdin and on one message from its stdout (gateway.upstreamStdio). */
  limits: UpstreamStdioSettings;
  /** Wraps the launch of a server that has a sandbox profile; servers without one run as they are. */
  sandbox?: Sandbox;
}

export function createStdioConnector(options: StdioConnectorOptions): Connector {
  return {
    async open(spec, signal) {
      if (spec.transport.kind !== "stdio") throw new Error(`server ${spec.name} is not a stdio server`);
      signal.throwIfAborted();
      const transport = spec.transport;
      const parent = options.env ?? process.env;
      const profile = spec.sandbox;
      const env = profile
        ? sandboxedEnvironment(parent, profile.env, transport.env)
        : childEnvironment(parent, options.inheritEnv, transport.env);
      const launch = { command: transport.command, args: transport.args, env, cwd: transport.cwd };
      const prepared =
        profile && options.sandbox ? await options.sandbox.prepare(spec.name, profile, launch, signal) : undefined;
      const run = prepared ?? launch;
      const child = spawn(run.command, [...run.args], {
        cwd: run.cwd,
        env: run.env,
        stdio: ["pipe", "pipe", "pipe"],
        detached: true, // own process group, so stop and reaping reach grandchildren too
        windowsHide: true,
      });
      try {
        await spawned(child, spec.name, transport, env.PATH);
      } catch (error) {
        await prepared?.finish();
        throw error;
      }
      const pid = child.pid as number;
      options.children.add({ server: spec.name, pid, startTime: processStartTime(pid), ...ownRecordFields() });
      return new StdioConnection(child, spec, options, prepared);
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
  readonly confinement: Confinement | undefined;
  private readonly tail: string[] = [];
  private exited = false;
  private closeRequested = false;
  private closing: Promise<void> | undefined;
  /** Why the gateway is ending a misbehaving server (overload); calls fail with it from then on. */
  private failure: SwitchboardError | undefined;
  /** When its stdin was first seen backed up past the bound (performance.now()); cleared when it drains. */
  private backedUpSince: number | undefined;
  private readonly exitPromise: Promise<void>;

  private readonly child: ChildProcessWithoutNullStreams;
  private readonly spec: ServerSpec;
  private readonly log: Logger;
  private readonly output: StderrLog;
  private readonly limits: UpstreamStdioSettings;

  private readonly prepared: PreparedLaunch | undefined;

  constructor(
    child: ChildProcessWithoutNullStreams,
    spec: ServerSpec,
    options: StdioConnectorOptions,
    prepared: PreparedLaunch | undefined,
  ) {
    this.child = child;
    this.prepared = prepared;
    this.confinement = prepared?.confinement ?? (spec.sandbox ? undefined : unconfined("none"));
    this.spec = spec;
    this.pid = child.pid as number;
    const log = options.logger.child({ server: spec.name });
    this.log = log;
    this.limits = options.limits;
    // One log budget for both pipes: garbage on stdout is rate-limited like stderr.
    const stderr = createStderrLog(log, { pid: this.pid }, options.stderr, (spec.transport as StdioTransportSpec).env);
    this.output = stderr;
    child.stdout.on(
      "data",
      createLineSplitter(
        (line) => this.receive(line),
        this.limits.maxMessageBytes,
        (line) => this.overlong(line),
      ),
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
        // The sandbox's cleanup says whether one of its limits ended the process (an out-of-memory kill).
        // The exit is reported whatever the cleanup does: a failing cleanup must not hide a dead server.
        const cleanup = this.prepared?.finish() ?? Promise.resolve(undefined);
        void cleanup
          .catch(() => undefined)
          .then((limit) => {
            this.reportExit(code, signal, limit);
            resolve();
          });
      });
    });
  }

  private reportExit(code: number | null, signal: NodeJS.Signals | null, limit: string | undefined): void {
    // Grandchildren left in the group are killed with their parent.
    if (groupExists(this.pid)) signalGroup(this.pid, "SIGKILL");
    const ended = `${signal ? `killed by ${signal}` : `exited with code ${code}`}${limit ? `: ${limit}` : ""}`;
    const reason = this.failure ? `was stopped (${ended}): ${this.failure.data?.reason}` : ended;
    const closed = { reason, requested: this.closeRequested, stderrTail: [...this.tail] };
    this.onClose(this.failure ? { ...closed, failure: this.failure } : closed);
  }

  private receive(line: string): void {
    if (this.failure || this.inputOverloaded()) return;
    let message: JsonRpcMessage;
    try {
      message = JSON.parse(line) as JsonRpcMessage;
    } catch {
      this.output.line(line, "stdout", "non-JSON output ignored: ");
      return;
    }
    if (message === null || typeof message !== "object") return;
    // While its stdin is backed up, a server's own requests (pings) are not answered: the answers would only add
    // to the queue it does not read. Its responses and notifications still go through.
    if (this.backedUpSince !== undefined && "method" in message && "id" in message) return;
    this.onMessage(message);
  }

  send(message: JsonRpcMessage): void {
    if (this.failure) throw this.failure;
    if (this.exited || this.closeRequested || !this.child.stdin.writable) {
      throw new SwitchboardError("upstream_unavailable", `server ${this.spec.name} is not running`);
    }
    if (this.inputOverloaded()) throw this.failure;
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /**
   * True (and the server failed) when more than the bound stays queued for its stdin past the grace, or more than
   * four times the bound is queued at all: it does not read.
   */
  private inputOverloaded(): boolean {
    const pendingBytes = this.child.stdin.writableLength;
    const limitBytes = this.limits.maxPendingInputBytes;
    if (pendingBytes <= limitBytes) return false;
    const now = performance.now();
    if (this.backedUpSince === undefined) {
      this.backedUpSince = now;
      this.child.stdin.once("drain", () => {
        this.backedUpSince = undefined;
      });
    }
    if (pendingBytes <= 4 * limitBytes && now - this.backedUpSince < INPUT_STALL_GRACE_MS) return false;
    const reason = `it does not read its input (${pendingBytes} bytes queued for its stdin, limit ${limitBytes})`;
    this.fail(
      new SwitchboardError("upstream_overloaded", `server ${this.spec.name} is overloaded: ${reason}; restarting it`, {
        data: { server: this.spec.name, reason, pendingBytes, limitBytes },
      }),
    );
    return true;
  }

  /** A stdout line over the bound: a JSON-RPC message fails the server; anything else is dropped and logged. */
  private overlong(line: OverlongLine): void {
    const limitBytes = this.limits.maxMessageBytes;
    if (!line.head.trimStart().startsWith("{")) {
      this.output.line(line.head, "stdout", `non-JSON line over ${limitBytes} bytes dropped, starting: `);
      return;
    }
    const reason = `it wrote a message over the ${limitBytes}-byte limit`;
    this.fail(
      new SwitchboardError("upstream_overloaded", `server ${this.spec.name} is overloaded: ${reason}; restarting it`, {
        data: { server: this.spec.name, reason, messageBytes: line.bytes, limitBytes },
      }),
    );
  }

  /**
   * Ends a misbehaving server: what is queued for it is dropped, then SIGTERM, then SIGKILL after the grace.
   * The close is reported as not requested, so the supervisor restarts it through its backoff.
   */
  private fail(error: SwitchboardError): void {
    if (this.failure || this.exited || this.closeRequested) return;
    this.failure = error;
    this.log.warn({ pid: this.pid, err: error }, error.message);
    this.child.stdin.destroy();
    void (async () => {
      signalGroup(this.pid, "SIGTERM");
      if (!(await this.exitWithin(this.spec.stopGraceMs))) signalGroup(this.pid, "SIGKILL");
    })();
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

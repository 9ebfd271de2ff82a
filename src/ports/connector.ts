// The connector port: opens a message connection to one upstream server (a child process or a remote URL).
import type { SwitchboardError } from "../core/errors.ts";
import type { JsonRpcMessage } from "../core/jsonrpc.ts";
import type { Confinement } from "../core/sandbox.ts";
import type { ServerSpec } from "../core/server-spec.ts";

export interface ConnectionClosed {
  /** Human-readable cause, e.g. "exited with code 1" or "killed by SIGKILL". */
  reason: string;
  /** True when the gateway itself asked for the close. */
  requested: boolean;
  /** The last lines the server wrote to stderr, for error messages. */
  stderrTail: readonly string[];
  /**
   * Set when the connection ended the server itself for misbehaving (it stopped reading its input, or wrote an
   * oversized message): calls in flight and later requests fail with this error.
   */
  failure?: SwitchboardError | undefined;
}

export interface UpstreamConnection {
  /** Process id of a stdio server; undefined for remote servers. */
  readonly pid: number | undefined;
  /** The isolation in effect for a stdio server (undefined for remote servers). */
  readonly confinement?: Confinement | undefined;
  /** Sends one message. Throws (or rejects) when it could not be handed to the server. */
  send(message: JsonRpcMessage): void | Promise<void>;
  /** Set by the owner before messages flow. */
  onMessage: (message: JsonRpcMessage) => void;
  /** Called exactly once when the connection ends, whatever the cause. */
  onClose: (closed: ConnectionClosed) => void;
  /** Graceful close (stdio: stdin close, then SIGTERM, then SIGKILL of the process group); idempotent. */
  close(graceMs: number): Promise<void>;
  /** The last stderr lines so far. */
  stderrTail(): readonly string[];
}

export interface Connector {
  open(spec: ServerSpec, signal: AbortSignal): Promise<UpstreamConnection>;
}

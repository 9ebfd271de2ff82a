// The requests a peer has sent and not yet had answered, by upstream id: their call timeout (restarted by
// progress, stopped while the server waits on the client), the call's deadline (hard maximum and client
// cancellation), progress routed back under the caller's own token, and what ends them.
import type { SwitchboardError } from "../../core/errors.ts";
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from "../../core/jsonrpc.ts";
import type { Clock, TimerHandle } from "../../ports/clock.ts";
import type { UpstreamConnection } from "../../ports/connector.ts";
import { cancelledError, timeoutError, undeliveredError } from "./peer-errors.ts";
import type { InFlightCall, RequestOptions } from "./peer-types.ts";

interface Pending {
  id: number;
  method: string;
  resolve(response: JsonRpcResponse): void;
  reject(error: unknown): void;
  /** The call timeout; restarted by progress. */
  timer: TimerHandle | undefined;
  expire: () => void;
  timeoutMs: number;
  /** How many server-initiated requests of this call wait on the client (the timeout is stopped meanwhile). */
  paused: number;
  callerToken: string | number | undefined;
  onNotification: RequestOptions["onNotification"];
  cleanup: (() => void) | undefined;
  call: InFlightCall | undefined;
}

export interface PendingCallsDeps {
  serverName: string;
  clock: Clock;
  connection: UpstreamConnection;
  /** Tells the server a request was given up (notifications/cancelled); never throws. */
  cancelUpstream(id: number, reason: string): void;
}

export class PendingCalls {
  private readonly deps: PendingCallsDeps;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(deps: PendingCallsDeps) {
    this.deps = deps;
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Sends `message` under a fresh upstream id (`outgoing` builds what goes on the wire) and resolves with the
   * server's response carrying the caller's id. A call whose deadline is over is not sent.
   */
  send(
    message: JsonRpcRequest,
    options: RequestOptions,
    outgoing: (id: number, callerToken: string | number | undefined) => JsonRpcRequest,
  ): Promise<JsonRpcResponse> {
    const { serverName } = this.deps;
    const { deadline } = options;
    if (deadline ? deadline.cancelled() : options.signal?.aborted) return Promise.reject(cancelledError());
    if (deadline?.expired()) return Promise.reject(timeoutError(serverName, message, deadline.maxCallMs, true, false));
    const id = this.nextId++;
    const callerId = message.id;
    const meta = message.params?._meta as Record<string, unknown> | undefined;
    const callerToken = meta?.progressToken as string | number | undefined;
    return new Promise<JsonRpcResponse>((resolve, reject) => {
      const entry: Pending = {
        id,
        method: message.method,
        resolve: (response) => resolve(response.id === callerId ? response : { ...response, id: callerId }),
        reject,
        timer: undefined,
        expire: () => this.abandon(id, "timeout", timeoutError(serverName, message, options.timeoutMs, false, true)),
        timeoutMs: options.timeoutMs,
        paused: 0,
        callerToken,
        onNotification: options.onNotification,
        cleanup: undefined,
        call: undefined,
      };
      this.armTimeout(entry);
      if (options.caller) entry.call = this.inFlightCall(entry, options.caller);
      const signal = deadline?.signal ?? options.signal;
      if (signal) {
        // The deadline's signal aborts for either reason; which one it was decides the error.
        const onAbort = () =>
          deadline && !deadline.cancelled()
            ? this.abandon(id, "timeout", timeoutError(serverName, message, deadline.maxCallMs, true, true))
            : this.abandon(id, "cancelled by the client", cancelledError());
        signal.addEventListener("abort", onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener("abort", onAbort);
      }
      this.pending.set(id, entry);
      this.deliver(id, outgoing(id, callerToken));
    });
  }

  /** A long-lived request (an upstream subscriptions/listen) has no timeout. */
  private armTimeout(entry: Pending): void {
    if (Number.isFinite(entry.timeoutMs)) entry.timer = this.deps.clock.setTimeout(entry.expire, entry.timeoutMs);
  }

  private inFlightCall(entry: Pending, caller: object): InFlightCall {
    return {
      caller,
      pauseTimeout: () => {
        if (entry.paused++ === 0) entry.timer?.cancel();
      },
      resumeTimeout: () => {
        if (--entry.paused === 0 && this.pending.get(entry.id) === entry) this.armTimeout(entry);
      },
    };
  }

  /** Client calls in flight, for attributing a server-initiated message. */
  calls(): InFlightCall[] {
    const calls: InFlightCall[] = [];
    for (const entry of this.pending.values()) if (entry.call) calls.push(entry.call);
    return calls;
  }

  private deliver(id: number, outgoing: JsonRpcRequest): void {
    const fail = (error: unknown) => this.settle(id)?.reject(undeliveredError(this.deps.serverName, error));
    try {
      const sent = this.deps.connection.send(outgoing);
      if (sent) sent.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  /** Gives up on a request (timeout, client cancel) and tells the server with notifications/cancelled. */
  private abandon(id: number, reason: string, error: SwitchboardError): void {
    const entry = this.settle(id);
    if (!entry) return;
    this.deps.cancelUpstream(id, reason);
    entry.reject(error);
  }

  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    entry.timer?.cancel();
    entry.cleanup?.();
    return entry;
  }

  /** The server's answer to one of them; an answer to nothing pending is dropped. */
  answer(response: JsonRpcResponse): void {
    if (typeof response.id === "number") this.settle(response.id)?.resolve(response);
  }

  /** notifications/progress: to the caller, under its own token; the call timeout starts over. */
  progress(notification: JsonRpcNotification): void {
    const token = notification.params?.progressToken;
    const entry = typeof token === "number" ? this.pending.get(token) : undefined;
    if (!entry?.onNotification || entry.callerToken === undefined) return;
    // Progress shows the server is working: the call timeout starts over (the hard maximum does not).
    if (entry.paused === 0 && entry.timer) {
      entry.timer.cancel();
      this.armTimeout(entry);
    }
    entry.onNotification({ ...notification, params: { ...notification.params, progressToken: entry.callerToken } });
  }

  /** Fails every request in flight: a tools/call with `toolCall` (it may have run), the rest with `other`. */
  failAll(other: SwitchboardError, toolCall: SwitchboardError): void {
    for (const id of [...this.pending.keys()]) {
      const entry = this.settle(id);
      entry?.reject(entry.method === "tools/call" ? toolCall : other);
    }
  }
}

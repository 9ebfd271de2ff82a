// The policies of one server, built once: bulkhead → retry (jittered exponential backoff) → circuit breaker →
// the attempt (whose timeout and hard maximum the upstream peer enforces). Each attempt counts in the breaker;
// an open breaker ends the retries. The hard maximum is one deadline per client call (CallDeadline): time queued
// in the bulkhead, earlier attempts and backoff delays all count toward it, and nothing is retried after it.
import { ExponentialBackoff, type IBackoff, type IBackoffFactory } from "cockatiel";
import type { CallDeadline } from "../../core/deadline.ts";
import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import { type Clock, sleep } from "../../ports/clock.ts";
import { Circuit, type CircuitView } from "./circuit.ts";

/** Which failures a call may be retried after. */
export type RetryMode =
  /** Only failures before the request reached the server (start failures, a write that failed). */
  | "undelivered"
  /** Also timeouts and dropped connections: for idempotent or read-only tools of trusted servers. */
  | "idempotent";

const RETRIED: Record<RetryMode, ReadonlySet<string>> = {
  undelivered: new Set(["upstream_unavailable"]),
  idempotent: new Set(["upstream_unavailable", "upstream_closed", "timeout"]),
};

export interface ServerPolicyView {
  circuit: CircuitView;
  bulkhead: { maxConcurrent: number; maxQueued: number; inFlight: number; queued: number } | null;
}

export class ServerPolicy {
  readonly spec: ServerSpec;
  private readonly events: EventBus;
  private readonly clock: Clock;
  private readonly circuit: Circuit | undefined;
  private readonly bulkhead: Bulkhead | undefined;
  /** The delays between attempts: jittered, growing exponentially up to the configured maximum. */
  private readonly backoff: IBackoffFactory<unknown>;

  constructor(spec: ServerSpec, events: EventBus, clock: Clock) {
    this.spec = spec;
    this.events = events;
    this.clock = clock;
    const { circuitBreaker, bulkhead: limits, retry: backoff } = spec.policies;
    if (circuitBreaker.enabled) {
      this.circuit = new Circuit(
        spec.name,
        circuitBreaker,
        (from, to) => events.emit("circuit-state", { server: spec.name, from, to }),
        clock,
      );
    }
    if (limits.maxConcurrent > 0) this.bulkhead = new Bulkhead(limits.maxConcurrent, limits.maxQueued);
    this.backoff = new ExponentialBackoff({ initialDelay: backoff.initialDelayMs, maxDelay: backoff.maxDelayMs });
  }

  /**
   * Runs a call: `attempt` is invoked once, or again after a failure `mode` allows retrying, as long as the
   * call's `deadline` has not run out nor its client cancelled. Rejects with `circuit_open` or `overloaded`
   * without running it when the server is failing or saturated.
   */
  async run<T>(method: string, mode: RetryMode, deadline: CallDeadline, attempt: () => Promise<T>): Promise<T> {
    try {
      this.circuit?.check();
      if (!this.bulkhead) return await this.attempts(method, mode, deadline, attempt);
      await this.bulkhead.enter(deadline, () => this.timedOut(method, "waiting for a free slot"));
      try {
        return await this.attempts(method, mode, deadline, attempt);
      } finally {
        this.bulkhead.leave();
      }
    } catch (error) {
      throw this.translate(method, error);
    }
  }

  /**
   * The attempts of one call: up to `maxRetries` more after a failure `mode` retries, with a backoff delay
   * before each, never after the client cancelled, and none started once the deadline ran out.
   */
  private async attempts<T>(
    method: string,
    mode: RetryMode,
    deadline: CallDeadline,
    attempt: () => Promise<T>,
  ): Promise<T> {
    let last: unknown;
    let backoff: IBackoff<unknown> | undefined;
    for (let retries = 0; ; retries++) {
      if (retries > 0) {
        const reason = last instanceof SwitchboardError ? last.code : "error";
        this.events.emit("call-retried", { server: this.spec.name, method, attempt: retries, reason });
      }
      // Backoff delays count toward the deadline too: past it, no further attempt starts (nor counts as one).
      if (deadline.expired()) {
        last = this.timedOut(method, "retrying", mayHaveRun(last));
        throw last;
      }
      try {
        return await (this.circuit ? this.circuit.execute(attempt) : attempt());
      } catch (error) {
        // The breaker opened on this call's own failures: the client learns what actually went wrong.
        if (error instanceof SwitchboardError && error.code === "circuit_open") throw last ?? error;
        last = error;
        this.noteTimeout(method, error);
        if (deadline.cancelled() || retries >= this.spec.maxRetries || !retried(mode, error)) throw error;
      }
      backoff = backoff ? backoff.next(undefined) : this.backoff.next(undefined);
      // The delay ends early when the deadline runs out or the client cancels: no further attempt starts.
      await sleep(this.clock, backoff.duration, deadline.signal);
      if (deadline.cancelled()) throw cancelled();
    }
  }

  /** `call-timed-out` for each attempt that ran out of time (the peer already sent notifications/cancelled). */
  private noteTimeout(method: string, error: unknown): void {
    if (!(error instanceof SwitchboardError) || error.code !== "timeout") return;
    const data = error.data ?? {};
    this.events.emit("call-timed-out", {
      server: this.spec.name,
      method,
      timeoutMs: Number(data.timeoutMs ?? this.spec.timeoutMs),
      hard: data.hard === true,
    });
  }

  /** The hard maximum ran out before the request was (again) sent to the server: it did not run this time. */
  private timedOut(method: string, when: string, ranBefore = false): SwitchboardError {
    const { maxCallMs } = this.spec.policies;
    const data: Record<string, unknown> = { server: this.spec.name, timeoutMs: maxCallMs, hard: true };
    // An earlier attempt that reached the server may have run.
    if (ranBefore) data.mayHaveRun = true;
    const error = new SwitchboardError(
      "timeout",
      `server ${this.spec.name} did not finish ${method} within its hard maximum of ${maxCallMs} ms (ran out ${when})`,
      { data },
    );
    this.noteTimeout(method, error);
    return error;
  }

  private translate(method: string, error: unknown): unknown {
    if (error instanceof BulkheadFullError) {
      const { maxConcurrent, maxQueued } = this.spec.policies.bulkhead;
      this.events.emit("call-rejected", { server: this.spec.name, method, kind: "overloaded" });
      return new SwitchboardError(
        "overloaded",
        `server ${this.spec.name} is saturated: ${maxConcurrent} calls in flight and ${maxQueued} queued`,
        { data: { server: this.spec.name, maxConcurrent, maxQueued } },
      );
    }
    if (error instanceof SwitchboardError && error.code === "circuit_open")
      this.events.emit("call-rejected", { server: this.spec.name, method, kind: "circuit_open" });
    return error;
  }

  view(): ServerPolicyView {
    const limits = this.spec.policies.bulkhead;
    return {
      circuit: this.circuit?.view() ?? { state: "closed" },
      bulkhead: this.bulkhead ? { ...limits, inFlight: this.bulkhead.inFlight, queued: this.bulkhead.queued } : null,
    };
  }
}

class BulkheadFullError extends Error {}

interface Waiter {
  admit(): void;
}

/**
 * At most `maxConcurrent` calls in flight and `maxQueued` waiting, in order. A waiting call whose client
 * cancels, or whose deadline passes, leaves the queue at once and frees its place.
 */
class Bulkhead {
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private running = 0;
  /** In arrival order (a Set keeps insertion order and removes in O(1)). */
  private readonly waiting = new Set<Waiter>();

  constructor(maxConcurrent: number, maxQueued: number) {
    this.maxConcurrent = maxConcurrent;
    this.maxQueued = maxQueued;
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.size;
  }

  /** Takes a slot, waiting for one when all are busy; `leave()` must follow once the call ends. */
  enter(deadline: CallDeadline, expired: () => Error): Promise<void> | undefined {
    if (deadline.cancelled()) throw cancelled();
    if (this.running < this.maxConcurrent) {
      this.running++;
      return undefined;
    }
    if (this.waiting.size >= this.maxQueued) throw new BulkheadFullError();
    if (deadline.signal.aborted) throw expired();
    const { signal } = deadline;
    return new Promise<void>((resolve, reject) => {
      const leaveQueue = (error: Error) => {
        if (!this.waiting.delete(waiter)) return;
        done();
        reject(error);
      };
      const onAbort = () => leaveQueue(deadline.cancelled() ? cancelled() : expired());
      const done = () => {
        signal.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        admit: () => {
          done();
          resolve();
        },
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.add(waiter);
    });
  }

  leave(): void {
    const next = this.waiting.values().next();
    if (next.done) {
      this.running--;
      return;
    }
    // The slot passes straight to the first waiting call.
    this.waiting.delete(next.value);
    next.value.admit();
  }
}

/** Whether `mode` retries after `error`. A hard timeout is the end of the client's call: nothing is left to retry in. */
function retried(mode: RetryMode, error: unknown): boolean {
  return error instanceof SwitchboardError && RETRIED[mode].has(error.code) && error.data?.hard !== true;
}

function mayHaveRun(error: unknown): boolean {
  return error instanceof SwitchboardError && error.data?.mayHaveRun === true;
}

function cancelled(): SwitchboardError {
  return new SwitchboardError("cancelled", "request cancelled by the client");
}

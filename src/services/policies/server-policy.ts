// The policies of one server, built once: bulkhead → retry (jittered exponential backoff) → circuit breaker →
// the attempt (whose timeout and hard maximum the upstream peer enforces). Each attempt counts in the breaker;
// an open breaker ends the retries. The hard maximum is one deadline per client call: time queued in the
// bulkhead, earlier attempts and backoff delays all count toward it, and nothing is retried after it.
import { ExponentialBackoff, handleWhen, type RetryPolicy, retry, TaskCancelledError } from "cockatiel";
import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import { Circuit, type CircuitView } from "./circuit.ts";

/** Which failures a call may be retried after. */
export type RetryMode =
  /** Only failures before the request reached the server (start failures, a write that failed). */
  | "undelivered"
  /** Also timeouts and dropped connections: for idempotent or read-only tools of trusted servers. */
  | "idempotent";

const UNDELIVERED = new Set(["upstream_unavailable"]);
const IDEMPOTENT = new Set(["upstream_unavailable", "upstream_closed", "timeout"]);

export interface ServerPolicyView {
  circuit: CircuitView;
  bulkhead: { maxConcurrent: number; maxQueued: number; inFlight: number; queued: number } | null;
}

export class ServerPolicy {
  readonly spec: ServerSpec;
  private readonly events: EventBus;
  private readonly circuit: Circuit | undefined;
  private readonly bulkhead: Bulkhead | undefined;
  private readonly retries: Record<RetryMode, RetryPolicy> | undefined;

  constructor(spec: ServerSpec, events: EventBus) {
    this.spec = spec;
    this.events = events;
    const { circuitBreaker, bulkhead: limits, retry: backoff } = spec.policies;
    if (circuitBreaker.enabled) {
      this.circuit = new Circuit(spec.name, circuitBreaker, (from, to) =>
        events.emit("circuit-state", { server: spec.name, from, to }),
      );
    }
    if (limits.maxConcurrent > 0) this.bulkhead = new Bulkhead(limits.maxConcurrent, limits.maxQueued);
    if (spec.maxRetries > 0) {
      const build = (codes: ReadonlySet<string>) =>
        retry(
          // A hard timeout is the end of the client's call: nothing is left to retry in.
          handleWhen(
            (error) => error instanceof SwitchboardError && codes.has(error.code) && error.data?.hard !== true,
          ),
          {
            maxAttempts: spec.maxRetries,
            backoff: new ExponentialBackoff({ initialDelay: backoff.initialDelayMs, maxDelay: backoff.maxDelayMs }),
          },
        );
      this.retries = { undelivered: build(UNDELIVERED), idempotent: build(IDEMPOTENT) };
    }
  }

  /**
   * Runs a call: `attempt` is invoked once, or again after a failure `mode` allows retrying, as long as the
   * call's `deadline` (epoch ms; its hard maximum counted from the client's call) has not passed. Rejects with
   * `circuit_open` or `overloaded` without running it when the server is failing or saturated.
   */
  async run<T>(
    method: string,
    mode: RetryMode,
    signal: AbortSignal,
    deadline: number,
    attempt: () => Promise<T>,
  ): Promise<T> {
    try {
      this.circuit?.check();
      if (!this.bulkhead) return await this.attempts(method, mode, signal, deadline, attempt);
      await this.bulkhead.enter(signal, deadline, () => this.timedOut(method, "waiting for a free slot"));
      try {
        return await this.attempts(method, mode, signal, deadline, attempt);
      } finally {
        this.bulkhead.leave();
      }
    } catch (error) {
      throw this.translate(method, error);
    }
  }

  private async attempts<T>(
    method: string,
    mode: RetryMode,
    signal: AbortSignal,
    deadline: number,
    attempt: () => Promise<T>,
  ): Promise<T> {
    let last: unknown;
    const once = async () => {
      // Backoff delays count toward the deadline too: past it, no further attempt starts (nor counts as one).
      if (Date.now() >= deadline) {
        last = this.timedOut(method, "retrying", mayHaveRun(last));
        throw last;
      }
      try {
        return await (this.circuit ? this.circuit.execute(attempt) : attempt());
      } catch (error) {
        if (!(error instanceof SwitchboardError && error.code === "circuit_open")) last = error;
        this.noteTimeout(method, error);
        throw error;
      }
    };
    if (!this.retries) return once();
    try {
      return await this.retries[mode].execute((context) => {
        if (context.attempt > 0) {
          const reason = last instanceof SwitchboardError ? last.code : "error";
          this.events.emit("call-retried", { server: this.spec.name, method, attempt: context.attempt, reason });
        }
        return once();
      }, signal);
    } catch (error) {
      // The breaker opened on this call's own failures: the client learns what actually went wrong.
      if (error instanceof SwitchboardError && error.code === "circuit_open" && last) throw last;
      throw error;
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
    if (error instanceof TaskCancelledError) return cancelled();
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
  enter(signal: AbortSignal, deadline: number, expired: () => Error): Promise<void> | undefined {
    if (signal.aborted) throw cancelled();
    if (this.running < this.maxConcurrent) {
      this.running++;
      return undefined;
    }
    if (this.waiting.size >= this.maxQueued) throw new BulkheadFullError();
    return new Promise<void>((resolve, reject) => {
      const leaveQueue = (error: Error) => {
        if (!this.waiting.delete(waiter)) return;
        done();
        reject(error);
      };
      const onAbort = () => leaveQueue(cancelled());
      const timer = setTimeout(() => leaveQueue(expired()), Math.max(0, deadline - Date.now()));
      const done = () => {
        clearTimeout(timer);
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

function mayHaveRun(error: unknown): boolean {
  return error instanceof SwitchboardError && error.data?.mayHaveRun === true;
}

function cancelled(): SwitchboardError {
  return new SwitchboardError("cancelled", "request cancelled by the client");
}

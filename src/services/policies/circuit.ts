// One server's circuit breaker: opens after N gateway-side failures in a row or a failure rate over a sliding
// window with a minimum of calls (cockatiel's ConsecutiveBreaker and SamplingBreaker do the counting); after the
// cooldown exactly one probe goes through while every other call still fails fast, and only the probe's own
// outcome closes or reopens it. An outcome counts only in the state its call started in: a call that was already
// in flight when the breaker opened cannot reopen it while half-open, nor discard the probe's result.
import { CircuitState as CockatielState, ConsecutiveBreaker, type IBreaker, SamplingBreaker } from "cockatiel";
import { SwitchboardError } from "../../core/errors.ts";
import type { CircuitState } from "../../core/events.ts";
import type { CircuitBreakerSpec } from "../../core/server-spec.ts";
import type { Clock } from "../../ports/clock.ts";

/** Failures that say the server (or the way to it) is broken. A server's own answers never count. */
const COUNTED = new Set(["upstream_unavailable", "upstream_closed", "upstream_overloaded", "timeout", "server_failed"]);

export interface CircuitView {
  state: CircuitState;
  /** When the breaker may let a probe through (0 once the cooldown is over); absent while closed. */
  retryAfterMs?: number;
  /** Epoch ms the breaker last opened; absent while closed. */
  openedAt?: number;
}

export class Circuit {
  private readonly server: string;
  private readonly spec: CircuitBreakerSpec;
  private readonly breaker: IBreaker;
  private readonly onChange: (from: CircuitState, to: CircuitState) => void;
  private readonly clock: Clock;
  private current: CircuitState = "closed";
  private openedAt = 0;
  /** Epoch ms from which the next call may go through as the probe (while open). */
  private probeAt = 0;
  /** Bumped on every change of state: an outcome counts only when its call started in the current one. */
  private epoch = 0;

  constructor(
    server: string,
    spec: CircuitBreakerSpec,
    onChange: (from: CircuitState, to: CircuitState) => void,
    clock: Clock,
  ) {
    this.server = server;
    this.clock = clock;
    this.spec = spec;
    this.onChange = onChange;
    this.breaker = new EitherBreaker(
      new ConsecutiveBreaker(spec.consecutiveFailures),
      new SamplingBreaker({
        threshold: spec.failureRate,
        duration: spec.windowMs,
        minimumRps: (spec.minCalls * 1000) / spec.windowMs,
      }),
    );
  }

  get state(): CircuitState {
    return this.current;
  }

  /** Throws `circuit_open` at once while open (or while the one probe is out), without queueing anywhere. */
  check(): void {
    if (this.current === "half-open") throw this.openError(0);
    if (this.current === "open") {
      const left = this.probeAt - this.clock.now();
      if (left > 0) throw this.openError(left);
    }
  }

  /** Runs one attempt through the breaker; its failure is counted when it is gateway-side. */
  async execute<T>(attempt: () => Promise<T>): Promise<T> {
    this.check();
    if (this.current === "open") return this.probe(attempt);
    const epoch = this.epoch;
    let result: T;
    try {
      result = await attempt();
    } catch (error) {
      // A client's cancellation and the gateway's own refusals are no sign of the server's health.
      if (epoch === this.epoch && counted(error) && this.breaker.failure(CockatielState.Closed)) this.open();
      throw error;
    }
    if (epoch === this.epoch) this.breaker.success(CockatielState.Closed);
    return result;
  }

  /** The one call let through after the cooldown: an answer closes the breaker, a failure reopens it. */
  private async probe<T>(attempt: () => Promise<T>): Promise<T> {
    this.move("half-open");
    let result: T;
    try {
      result = await attempt();
    } catch (error) {
      if (!counted(error)) {
        // The probe told nothing about the server (the client gave up, the request itself was at fault, e.g. it
        // could not be serialized, or the gateway could not even spawn the server): the next call probes, at once.
        this.move("open");
        this.probeAt = this.clock.now();
      } else this.open();
      throw error;
    }
    // Starts the counts over (the sampling windows too).
    this.breaker.success(CockatielState.HalfOpen);
    this.move("closed");
    return result;
  }

  view(): CircuitView {
    if (this.current === "closed") return { state: "closed" };
    return { state: this.current, retryAfterMs: this.retryAfterMs(), openedAt: this.openedAt };
  }

  private open(): void {
    this.openedAt = this.clock.now();
    this.probeAt = this.openedAt + this.spec.cooldownMs;
    this.move("open");
  }

  private move(to: CircuitState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.epoch++;
    this.onChange(from, to);
  }

  private retryAfterMs(): number {
    if (this.current !== "open") return 0;
    return Math.max(0, this.probeAt - this.clock.now());
  }

  private openError(retryAfterMs: number): SwitchboardError {
    const when = retryAfterMs > 0 ? `; a probe is allowed in ${retryAfterMs} ms` : "; a probe call is under way";
    return new SwitchboardError(
      "circuit_open",
      `server ${this.server}'s circuit breaker is open after repeated failures${when}`,
      { data: { server: this.server, retryAfterMs } },
    );
  }
}

function counted(error: unknown): boolean {
  return error instanceof SwitchboardError && COUNTED.has(error.code);
}

/** Opens when either breaker says so; both see every outcome. */
class EitherBreaker implements IBreaker {
  private readonly first: IBreaker;
  private readonly second: IBreaker;

  constructor(first: IBreaker, second: IBreaker) {
    this.first = first;
    this.second = second;
  }

  get state(): unknown {
    return [this.first.state, this.second.state];
  }

  set state(value: unknown) {
    const [first, second] = value as [unknown, unknown];
    this.first.state = first;
    this.second.state = second;
  }

  success(state: CockatielState): void {
    this.first.success(state);
    this.second.success(state);
  }

  failure(state: CockatielState): boolean {
    const first = this.first.failure(state);
    const second = this.second.failure(state);
    return first || second;
  }
}

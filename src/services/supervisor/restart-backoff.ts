// Consecutive failures of one server and the wait before its next start: a jittered exponential delay per
// failure, up to `maxRestarts` in a row (then the server is held `failed`); a run that lasted `resetAfterMs`
// starts the count over. Calls arriving during the wait wait for its end.
import type { RestartPolicy } from "../../core/server-spec.ts";
import type { TimerHandle } from "../../ports/clock.ts";
import { restartDelayMs } from "./backoff.ts";

export interface RestartBackoffDeps {
  policy: RestartPolicy;
  /** Arms a timer outside any request. */
  later(fn: () => void, ms: number): TimerHandle;
}

export class RestartBackoff {
  private readonly deps: RestartBackoffDeps;
  private count = 0;
  private timer: TimerHandle | undefined;
  private ended: Promise<void> | undefined;
  private end: (() => void) | undefined;

  constructor(deps: RestartBackoffDeps) {
    this.deps = deps;
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.count;
  }

  /** The server is started afresh by request: the count starts over. */
  reset(): void {
    this.count = 0;
  }

  /**
   * Counts a failure of a run that lasted `ranForMs` (undefined: it never became ready). Returns the delay
   * before the next start, or undefined when the failures passed the limit.
   */
  fail(ranForMs: number | undefined): number | undefined {
    if (ranForMs !== undefined && ranForMs >= this.deps.policy.resetAfterMs) this.count = 0;
    this.count++;
    if (this.count > this.deps.policy.maxRestarts) return undefined;
    this.ended = new Promise((resolve) => {
      this.end = resolve;
    });
    return restartDelayMs(this.deps.policy, this.count);
  }

  /** Waits `delay` (from `fail`), then runs `over` and lets the calls waiting on the backoff go on. */
  wait(delay: number, over: () => void): void {
    this.timer = this.deps.later(() => {
      over();
      this.end?.();
    }, delay);
  }

  /** Resolves when the backoff under way ends. */
  waitEnded(): Promise<void> {
    return this.ended ?? Promise.resolve();
  }

  /** Ends the backoff early (a stop, shutdown): no start follows from it; waiting calls go on. */
  cancel(): void {
    this.timer?.cancel();
    this.end?.();
  }
}

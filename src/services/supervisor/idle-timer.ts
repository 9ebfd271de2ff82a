// The idle stop of a running server: it fires `idleTimeoutMs` after the last client activity it knows of, and
// arms itself again when there was activity since, so calls never touch a timer. Health pings are no activity.
import type { Clock, TimerHandle } from "../../ports/clock.ts";

export interface IdleTimerDeps {
  clock: Clock;
  /** 0: never stopped for idleness (the `always` lifecycle, or idleTimeoutMs 0). */
  idleTimeoutMs: number;
  /** Arms a timer outside any request. */
  later(fn: () => void, ms: number): TimerHandle;
  /** Since when the running server has been quiet; undefined when nothing is known. */
  quietSince(): number | undefined;
  /** Whether the server is running (the timer is armed only then). */
  running(): boolean;
  /** Whether a call is in flight: the timer never stops a server then, the call's end arms it again. */
  busy(): boolean;
  /** Stops the server for idleness. */
  stop(): void;
}

export class IdleTimer {
  private readonly deps: IdleTimerDeps;
  private timer: TimerHandle | undefined;

  constructor(deps: IdleTimerDeps) {
    this.deps = deps;
  }

  /** Arms the timer unless it is armed (or the server is never stopped for idleness, or not running). */
  schedule(): void {
    const { clock, idleTimeoutMs: idle } = this.deps;
    if (this.timer || idle === 0 || !this.deps.running()) return;
    const since = this.deps.quietSince() ?? clock.now();
    this.timer = this.deps.later(
      () => {
        this.timer = undefined;
        if (this.deps.busy() || !this.deps.running()) return;
        const quietFor = clock.now() - (this.deps.quietSince() ?? 0);
        if (quietFor >= idle) this.deps.stop();
        else this.schedule();
      },
      Math.max(0, since + idle - clock.now()),
    );
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

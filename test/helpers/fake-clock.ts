// Clocks that move only when a test says so. FakeClock: `now()` stands still, timers fire in due order when the
// test advances time past them (`advance` lets the promise callbacks a timer sets off run before the next timer
// fires). SteppedClock: real timers, but `now()` moves only by the test's steps.
import { type Clock, systemClock, type TimerHandle } from "../../src/ports/clock.ts";

/**
 * More timers than this falling due in one `advance` means one re-arms itself without waiting (a delay of 0 at
 * the same instant, over and over): `advance` throws instead of spinning until the test runner's timeout.
 */
const MAX_TIMERS_PER_ADVANCE = 10_000;

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Set<Timer>();

  constructor(start = 1_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return { cancel: () => this.timers.delete(timer) };
  }

  /** Timers armed and not yet fired nor cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Milliseconds from now to the next timer; undefined when none is armed. */
  nextIn(): number | undefined {
    const next = this.next(Number.POSITIVE_INFINITY);
    return next && next.at - this.current;
  }

  /**
   * Moves time `ms` forward, firing each timer that falls due on the way at its own time, in order, and
   * letting pending promise callbacks (and what they arm) run after each one and at the end.
   */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    await settle();
    let fired = 0;
    for (let due = this.next(until); due; due = this.next(until)) {
      if (++fired > MAX_TIMERS_PER_ADVANCE)
        throw new Error(`more than ${MAX_TIMERS_PER_ADVANCE} timers fell due within ${ms} ms: one re-arms itself`);
      this.timers.delete(due);
      this.current = due.at;
      due.fn();
      await settle();
    }
    this.current = until;
    await settle();
  }

  private next(until: number): Timer | undefined {
    let first: Timer | undefined;
    for (const timer of this.timers)
      if (timer.at <= until && (!first || timer.at < first.at || (timer.at === first.at && timer.seq < first.seq)))
        first = timer;
    return first;
  }
}

/** Lets every promise callback already queued (and those they queue) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock for a whole gateway under test: timers are real (servers start, calls time out as usual), but `now()`
 * moves only when the test steps it, so every duration the gateway measures is the sum of the steps taken.
 */
export class SteppedClock implements Clock {
  private current = 1_700_000_000_000;

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return systemClock.setTimeout(fn, ms);
  }

  step(ms: number): void {
    this.current += ms;
  }
}

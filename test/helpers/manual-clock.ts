// A Clock that stands still until a test moves it: timers fire, in order of due time, only inside advance().

import type { Clock, TimerHandle } from "../../src/ports/clock.ts";

export interface ManualClock extends Clock {
  /** Moves time forward by ms, running each timer that falls due on the way (and those they set, if due too). */
  advance(ms: number): void;
  /** Timers set and neither fired nor cancelled. */
  pending(): number;
}

interface Timer {
  dueAt: number;
  seq: number;
  fn: () => void;
}

export function createManualClock(startAt = Date.parse("2026-11-01T00:00:00Z")): ManualClock {
  let current = startAt;
  let seq = 0;
  const timers = new Set<Timer>();
  const nextDue = (until: number): Timer | undefined => {
    let first: Timer | undefined;
    for (const timer of timers) {
      if (timer.dueAt > until) continue;
      if (!first || timer.dueAt < first.dueAt || (timer.dueAt === first.dueAt && timer.seq < first.seq)) first = timer;
    }
    return first;
  };
  return {
    now: () => current,
    setTimeout(fn, ms): TimerHandle {
      const timer = { dueAt: current + Math.max(0, ms), seq: seq++, fn };
      timers.add(timer);
      return { cancel: () => timers.delete(timer) };
    },
    advance(ms) {
      const until = current + ms;
      for (let timer = nextDue(until); timer; timer = nextDue(until)) {
        timers.delete(timer);
        current = timer.dueAt;
        timer.fn();
      }
      current = until;
    },
    pending: () => timers.size,
  };
}

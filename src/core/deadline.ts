// One deadline per client call: the hard maximum of the call, counted from the client's request, and the
// client's cancellation, as one AbortSignal that queueing, retries, their backoff and the upstream wait all read.
// Built once where the router takes the call; nothing below it works out the deadline again.

/** The time a deadline needs: the Clock port's shape (core imports no port). */
export interface DeadlineClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export interface CallDeadline {
  /** Aborts when the client cancels the call or its hard maximum runs out, whichever comes first. */
  readonly signal: AbortSignal;
  /** The hard maximum of the whole call, in milliseconds. */
  readonly maxCallMs: number;
  /** Milliseconds left before the hard maximum runs out (0 once it has). */
  remainingMs(): number;
  /** Whether the hard maximum has run out. */
  expired(): boolean;
  /** Whether the client cancelled the call (went away or sent notifications/cancelled). */
  cancelled(): boolean;
  /** The call is over: stops the timer and lets go of the client's signal. Idempotent. */
  end(): void;
}

/** A deadline `maxCallMs` from now on `clock`, which also aborts when `cancellation` does. */
export function callDeadline(clock: DeadlineClock, maxCallMs: number, cancellation: AbortSignal): CallDeadline {
  const endsAt = clock.now() + maxCallMs;
  const controller = new AbortController();
  // A timer may fire a little before the wall clock agrees: once it fired, the deadline has passed.
  let ranOut = false;
  const onCancel = () => controller.abort(cancellation.reason);
  const timer = clock.setTimeout(() => {
    ranOut = true;
    controller.abort(new DOMException("the call's hard maximum ran out", "TimeoutError"));
  }, maxCallMs);
  const end = () => {
    timer.cancel();
    cancellation.removeEventListener("abort", onCancel);
  };
  if (cancellation.aborted) onCancel();
  else cancellation.addEventListener("abort", onCancel, { once: true });
  const remainingMs = () => (ranOut ? 0 : Math.max(0, endsAt - clock.now()));
  return {
    signal: controller.signal,
    maxCallMs,
    remainingMs,
    expired: () => remainingMs() === 0,
    cancelled: () => cancellation.aborted,
    end,
  };
}

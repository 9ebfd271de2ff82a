// Calls in flight on one server: a count, and a promise for the moment it reaches zero (a shutdown drain waits
// on it instead of polling).

export class InFlight {
  private count = 0;
  private zero: Promise<void> | undefined;
  private reachedZero: (() => void) | undefined;

  get size(): number {
    return this.count;
  }

  enter(): void {
    this.count++;
  }

  /** One call ended; true when it was the last one. */
  leave(): boolean {
    this.count--;
    if (this.count > 0) return false;
    this.reachedZero?.();
    this.zero = undefined;
    this.reachedZero = undefined;
    return true;
  }

  /** Resolves when no call is in flight (at once when none is). */
  drained(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    this.zero ??= new Promise((resolve) => {
      this.reachedZero = resolve;
    });
    return this.zero;
  }
}

// The gateway's life: its phase, the steps start() runs in order, and the stack of closers close() runs in
// reverse. Each wiring step registers what it opened right after opening it, so what was opened last closes
// first and nothing closes while something opened after it may still use it.

import type { GatewayPhase } from "./types.ts";

/** A step of start() or a closer of close(); either may be synchronous. */
export type LifeStep = () => unknown;

export class Lifecycle {
  private current: GatewayPhase = "created";
  private readonly closers: LifeStep[] = [];
  private closing: Promise<void> | undefined;

  phase(): GatewayPhase {
    return this.current;
  }

  /** Registers what close() must close; closers run in reverse order of registration, each awaited. */
  onClose(close: LifeStep): void {
    this.closers.push(close);
  }

  /**
   * Runs the start steps in order, each awaited: `starting` while they run, then `serving` (unless close()
   * was called meanwhile: the gateway stays `draining`).
   */
  async start(steps: readonly LifeStep[]): Promise<void> {
    if (this.current === "created") this.current = "starting";
    for (const step of steps) await step();
    if (this.current === "starting") this.current = "serving";
  }

  /** `draining` while the closers run (last registered first), then `closed`. Idempotent: one run. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.current = "draining";
      while (this.closers.length > 0) await (this.closers.pop() as LifeStep)();
      this.current = "closed";
    })();
    return this.closing;
  }
}

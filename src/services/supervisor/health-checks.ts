// MCP ping health checks of a running server, every `healthCheckIntervalMs`: they never count as client
// activity and never start an asleep server; two failed pings in a row and the server is restarted.
import type { TimerHandle } from "../../ports/clock.ts";
import type { UpstreamPeer } from "../upstream/upstream-peer.ts";

/** Consecutive failed pings after which a running server is restarted. */
const HEALTH_FAILURES_BEFORE_RESTART = 2;
const MAX_PING_TIMEOUT_MS = 5_000;

export interface HealthChecksDeps {
  /** 0: no health checks. */
  intervalMs: number;
  /** Arms a timer outside any request. */
  later(fn: () => void, ms: number): TimerHandle;
  /** The server's peer, whatever its state. */
  peer(): UpstreamPeer | undefined;
  /** Whether the server is ready (only a ready server is pinged). */
  ready(): boolean;
  /** A ping failed; `failures` in a row so far. */
  failed(error: unknown, failures: number): void;
  /** Too many pings failed in a row: the server is restarted. */
  unhealthy(failures: number): Promise<void>;
  /** A check threw: nothing awaits it, so it is reported rather than lost. */
  broke(error: unknown): void;
}

export class HealthChecks {
  private readonly deps: HealthChecksDeps;
  private timer: TimerHandle | undefined;
  private failures = 0;

  constructor(deps: HealthChecksDeps) {
    this.deps = deps;
  }

  /** The server became ready: checks start over. */
  start(): void {
    this.failures = 0;
    this.schedule();
  }

  cancel(): void {
    this.timer?.cancel();
  }

  private schedule(): void {
    this.timer?.cancel();
    const interval = this.deps.intervalMs;
    if (interval === 0) return;
    this.timer = this.deps.later(() => void this.check().catch((error: unknown) => this.deps.broke(error)), interval);
  }

  /** One ping; never touches client activity, never starts an asleep server. */
  private async check(): Promise<void> {
    const { deps } = this;
    const peer = deps.peer();
    if (!deps.ready() || !peer) return;
    try {
      await peer.ping(Math.min(deps.intervalMs, MAX_PING_TIMEOUT_MS));
      this.failures = 0;
    } catch (error) {
      if (deps.peer() !== peer || !deps.ready()) return;
      this.failures++;
      deps.failed(error, this.failures);
      if (this.failures >= HEALTH_FAILURES_BEFORE_RESTART) {
        await deps.unhealthy(this.failures);
        return;
      }
    }
    if (deps.peer() === peer) this.schedule();
  }
}

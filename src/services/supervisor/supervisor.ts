// All servers' lifecycles: lookup by name, parallel eager boot bounded by each start timeout, drain and shutdown.
import { SwitchboardError } from "../../core/errors.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { TimerHandle } from "../../ports/clock.ts";
import { type ServerStatus, ServerSupervisor, type ServerSupervisorDeps } from "./server-supervisor.ts";

export type SupervisorDeps = Omit<ServerSupervisorDeps, "hooks" | "onReady"> & {
  hooksFor: (server: string) => ServerSupervisorDeps["hooks"];
  onReady: (server: string, peer: Parameters<ServerSupervisorDeps["onReady"]>[0]) => void;
};

export class Supervisor {
  private readonly servers = new Map<string, ServerSupervisor>();
  private readonly deps: SupervisorDeps;
  /** Epoch ms at which the drain stops waiting for calls in flight (set by close, shortened by a signal). */
  private drainDeadline: number | undefined;
  /** Ends the drain's wait at `drainDeadline`; armed while a drain is under way. */
  private graceTimer: TimerHandle | undefined;
  private endGrace: (() => void) | undefined;
  private cleanDrain = true;

  constructor(specs: readonly ServerSpec[], deps: SupervisorDeps) {
    this.deps = deps;
    for (const spec of specs) {
      this.servers.set(
        spec.name,
        new ServerSupervisor(spec, {
          connector: deps.connector,
          clock: deps.clock,
          events: deps.events,
          scope: deps.scope,
          hooks: deps.hooksFor(spec.name),
          onReady: (peer) => deps.onReady(spec.name, peer),
        }),
      );
    }
  }

  /** The server of that name; `server_not_found` when it is not configured. */
  get(name: string): ServerSupervisor {
    const server = this.servers.get(name);
    if (!server) throw new SwitchboardError("server_not_found", `no server named "${name}" is configured`);
    return server;
  }

  has(name: string): boolean {
    return this.servers.has(name);
  }

  all(): ServerSupervisor[] {
    return [...this.servers.values()];
  }

  enabled(): ServerSupervisor[] {
    return this.all().filter((s) => s.spec.enabled);
  }

  statuses(): ServerStatus[] {
    return this.all().map((s) => s.status());
  }

  /** Starts `eager` and `always` servers in parallel; each is bounded by its own `startTimeoutMs`. */
  async startEager(): Promise<void> {
    const eager = this.enabled().filter((s) => s.spec.lifecycle !== "on-demand");
    await Promise.all(
      eager.map((s) =>
        s.start().catch((error: unknown) => {
          const server = s.spec.name;
          this.deps.events.emit("server-problem", {
            server,
            kind: "eager-start-failed",
            message: "eager start failed",
            error,
          });
        }),
      ),
    );
  }

  inFlight(): number {
    let total = 0;
    for (const s of this.servers.values()) total += s.callsInFlight;
    return total;
  }

  /**
   * Waits until no call is in flight and `busy` (other work on running servers, such as reading a catalog that
   * would otherwise fail half-way; it returns that work, or undefined when there is none) is done, or `graceMs`
   * passed; then stops every server.
   */
  async close(graceMs: number, busy: () => Promise<unknown> | undefined = () => undefined): Promise<void> {
    for (const s of this.servers.values()) s.refuseNewCalls();
    this.drainDeadline ??= this.deps.clock.now() + graceMs;
    const graceOver = new Promise<"over">((resolve) => {
      this.endGrace = () => resolve("over");
    });
    this.armGrace();
    for (;;) {
      const work = busy();
      if (this.inFlight() === 0 && !work) break;
      const drained = Promise.all([...this.all().map((s) => s.drained()), work]);
      if ((await Promise.race([drained, graceOver])) === "over") break;
    }
    this.graceTimer?.cancel();
    this.cleanDrain = this.inFlight() === 0;
    if (!this.cleanDrain) this.deps.events.emit("drain-expired", { inFlight: this.inFlight() });
    await Promise.all(this.all().map((s) => s.close()));
  }

  /** (Re)arms the end of the drain's wait at `drainDeadline`. */
  private armGrace(): void {
    const { endGrace, drainDeadline } = this;
    if (!endGrace || drainDeadline === undefined) return;
    this.graceTimer?.cancel();
    this.graceTimer = this.deps.clock.setTimeout(endGrace, Math.max(0, drainDeadline - this.deps.clock.now()));
  }

  /** Shortens the drain under way (a second signal) to at most `ms` from now; returns the ms left of it. */
  shortenGrace(ms: number): number {
    const now = this.deps.clock.now();
    this.drainDeadline = Math.min(this.drainDeadline ?? now + ms, now + ms);
    this.armGrace();
    return Math.max(0, this.drainDeadline - now);
  }

  /** After close: whether every call in flight finished within the grace period (none had to be failed). */
  get drainedCleanly(): boolean {
    return this.cleanDrain;
  }
}

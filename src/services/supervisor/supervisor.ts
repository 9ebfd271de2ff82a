// All servers' lifecycles: lookup by name, parallel eager boot bounded by each start timeout, drain and shutdown.
import { SwitchboardError } from "../../core/errors.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { Logger } from "../../ports/logger.ts";
import { type ServerStatus, ServerSupervisor, type ServerSupervisorDeps } from "./server-supervisor.ts";

export type SupervisorDeps = Omit<ServerSupervisorDeps, "hooks" | "onReady" | "logger"> & {
  logger: Logger;
  hooksFor: (server: string) => ServerSupervisorDeps["hooks"];
  onReady: (server: string, peer: Parameters<ServerSupervisorDeps["onReady"]>[0]) => void;
};

export class Supervisor {
  private readonly servers = new Map<string, ServerSupervisor>();
  private readonly logger: Logger;
  /** Epoch ms at which the drain stops waiting for calls in flight (set by close, shortened by a signal). */
  private drainDeadline: number | undefined;
  private cleanDrain = true;

  constructor(specs: readonly ServerSpec[], deps: SupervisorDeps) {
    this.logger = deps.logger;
    for (const spec of specs) {
      this.servers.set(
        spec.name,
        new ServerSupervisor(spec, {
          connector: deps.connector,
          clock: deps.clock,
          events: deps.events,
          scope: deps.scope,
          logger: deps.logger.child({ server: spec.name }),
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
          this.logger.warn({ server: s.spec.name, err: error }, "eager start failed");
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
   * would otherwise fail half-way) says done, or `graceMs` passed; then stops every server.
   */
  async close(graceMs: number, busy: () => boolean = () => false): Promise<void> {
    for (const s of this.servers.values()) s.refuseNewCalls();
    this.drainDeadline ??= Date.now() + graceMs;
    while ((this.inFlight() > 0 || busy()) && Date.now() < this.drainDeadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    this.cleanDrain = this.inFlight() === 0;
    if (!this.cleanDrain)
      this.logger.warn({ inFlight: this.inFlight() }, "shutdown grace over; failing calls still in flight");
    await Promise.all(this.all().map((s) => s.close()));
  }

  /** Shortens the drain under way (a second signal) to at most `ms` from now; returns the ms left of it. */
  shortenGrace(ms: number): number {
    const now = Date.now();
    this.drainDeadline = Math.min(this.drainDeadline ?? now + ms, now + ms);
    return Math.max(0, this.drainDeadline - now);
  }

  /** After close: whether every call in flight finished within the grace period (none had to be failed). */
  get drainedCleanly(): boolean {
    return this.cleanDrain;
  }
}

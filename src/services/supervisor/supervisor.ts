// All servers' lifecycles: lookup by name, the instances of per-principal servers, parallel eager boot bounded by
// each start timeout, drain and shutdown.
import { SwitchboardError } from "../../core/errors.ts";
import type { Principal } from "../../core/identity.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { TimerHandle } from "../../ports/clock.ts";
import { type InstanceStatus, PrincipalInstances } from "./principal-instances.ts";
import { type ServerStatus, ServerSupervisor, type ServerSupervisorDeps } from "./server-supervisor.ts";

export type SupervisorDeps = Omit<ServerSupervisorDeps, "hooks" | "onReady" | "startSpec"> & {
  /** The hooks of a server's peers; `principal` is set for the instance of a per-principal server. */
  hooksFor: (server: string, principal?: string) => ServerSupervisorDeps["hooks"];
  onReady: (server: string, peer: Parameters<ServerSupervisorDeps["onReady"]>[0]) => void;
  /**
   * The spec a principal's instance of a per-principal server starts with (its credentials put in), read at each
   * start; rejects with `credentials_required` when a value is missing. Unset: per-principal servers cannot start.
   */
  instanceSpec?: (spec: ServerSpec, principal: string) => Promise<ServerSpec>;
};

export class Supervisor {
  private readonly servers = new Map<string, ServerSupervisor>();
  /** The instances of each per-principal server (one with `credentials` or per-principal OAuth), by server name. */
  private readonly perPrincipal = new Map<string, PrincipalInstances>();
  private readonly deps: SupervisorDeps;
  /** Set by close: no new instance is created during or after the drain. */
  private closing = false;
  /** Epoch ms at which the drain stops waiting for calls in flight (set by close, shortened by a signal). */
  private drainDeadline: number | undefined;
  /** Ends the drain's wait at `drainDeadline`; armed while a drain is under way. */
  private graceTimer: TimerHandle | undefined;
  private endGrace: (() => void) | undefined;
  private cleanDrain = true;

  constructor(specs: readonly ServerSpec[], deps: SupervisorDeps) {
    this.deps = deps;
    for (const spec of specs) {
      // Per principal: a server whose credentials (slots, or OAuth tokens) belong to each caller.
      if (!spec.credentials && !spec.oauth?.perPrincipal) {
        this.servers.set(spec.name, this.supervise(spec));
        continue;
      }
      // The shared supervisor of a per-principal server never starts (it has no principal's credentials): it
      // stands for the server in listings, and its instances, one per principal, do the work.
      const refuse = () => Promise.reject(notStartedShared(spec));
      this.servers.set(spec.name, this.supervise(spec, refuse));
      const instanceSpec = deps.instanceSpec;
      const startSpec = (principal: string) => (instanceSpec ? () => instanceSpec(spec, principal) : refuse);
      this.perPrincipal.set(
        spec.name,
        new PrincipalInstances(spec, (principal) =>
          this.supervise({ ...spec, principal }, startSpec(principal), principal),
        ),
      );
    }
  }

  private supervise(spec: ServerSpec, startSpec?: () => Promise<ServerSpec>, principal?: string): ServerSupervisor {
    const { deps } = this;
    return new ServerSupervisor(spec, {
      connector: deps.connector,
      clock: deps.clock,
      events: deps.events,
      scope: deps.scope,
      hooks: deps.hooksFor(spec.name, principal),
      onReady: (peer) => deps.onReady(spec.name, peer),
      ...(startSpec ? { startSpec } : {}),
    });
  }

  /**
   * The supervisor that serves `principal` on server `name`: the shared one of an ordinary server; for a
   * per-principal server, that principal's own instance (created on first use; its credentials are read when
   * it starts). `server_not_found` when no such server is configured; `overloaded` when the server runs its
   * maximum of instances and all are busy; `shutting_down` once the drain began.
   */
  instanceFor(name: string, principal: Principal): ServerSupervisor {
    const shared = this.get(name);
    const instances = this.perPrincipal.get(name);
    if (!instances) return shared;
    if (shared.currentState === "disabled")
      throw new SwitchboardError("server_not_found", `server ${name} is disabled`);
    if (this.closing) throw new SwitchboardError("shutting_down", "the gateway is shutting down");
    return instances.get(principal.name);
  }

  /** Whether the server runs one instance per principal. */
  isPerPrincipal(name: string): boolean {
    return this.perPrincipal.has(name);
  }

  /** The running instance of a per-principal server for that principal, if any (never creates one). */
  existingInstance(name: string, principal: string): ServerSupervisor | undefined {
    return this.perPrincipal
      .get(name)
      ?.all()
      .find((s) => s.spec.principal === principal);
  }

  /**
   * A principal's stored values of a per-principal server changed: its running instance must not go on with the
   * old ones. A revoked (deleted) value stops it at once, calls in flight included; a replaced one stops it once
   * the calls in flight are done. The next call starts it with the new values.
   */
  async credentialsChanged(name: string, principal: string, revoked: boolean): Promise<void> {
    const instance = this.existingInstance(name, principal);
    if (!instance) return;
    // Stopped synchronously when idle: a call made right after the change already finds it stopping.
    if (!revoked && instance.callsInFlight > 0) await instance.drained();
    await instance.stop("requested");
  }

  /** The instances of a per-principal server (principal, state, pid); undefined for an ordinary server. */
  instances(name: string): InstanceStatus[] | undefined {
    return this.perPrincipal.get(name)?.statuses();
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
    for (const s of this.everyInstance()) total += s.callsInFlight;
    return total;
  }

  /** Every shared supervisor and every per-principal instance. */
  private everyInstance(): ServerSupervisor[] {
    return [...this.servers.values(), ...[...this.perPrincipal.values()].flatMap((p) => p.all())];
  }

  /**
   * Waits until no call is in flight and `busy` (other work on running servers, such as reading a catalog that
   * would otherwise fail half-way; it returns that work, or undefined when there is none) is done, or `graceMs`
   * passed; then stops every server.
   */
  async close(graceMs: number, busy: () => Promise<unknown> | undefined = () => undefined): Promise<void> {
    this.closing = true;
    for (const s of this.everyInstance()) s.refuseNewCalls();
    this.drainDeadline ??= this.deps.clock.now() + graceMs;
    const graceOver = new Promise<"over">((resolve) => {
      this.endGrace = () => resolve("over");
    });
    this.armGrace();
    for (;;) {
      const work = busy();
      if (this.inFlight() === 0 && !work) break;
      const drained = Promise.all([...this.everyInstance().map((s) => s.drained()), work]);
      if ((await Promise.race([drained, graceOver])) === "over") break;
    }
    this.graceTimer?.cancel();
    this.cleanDrain = this.inFlight() === 0;
    if (!this.cleanDrain) this.deps.events.emit("drain-expired", { inFlight: this.inFlight() });
    await Promise.all([...this.all().map((s) => s.close()), ...[...this.perPrincipal.values()].map((p) => p.close())]);
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

function notStartedShared(spec: ServerSpec): SwitchboardError {
  return new SwitchboardError(
    "credentials_required",
    `server ${spec.name} runs one instance per principal, started at each principal's call with that principal's credentials; it is never started without one`,
    { data: { server: spec.name, slots: Object.keys(spec.credentials ?? {}) } },
  );
}

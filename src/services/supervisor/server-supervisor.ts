// The lifecycle of one upstream server (DESIGN.md "Server lifecycle"): single-flight start, in-flight counting,
// idle stop driven only by client activity, crash detection, jittered exponential restart backoff with a limit,
// MCP ping health checks that never keep a server awake, and graceful stop.
import { isSwitchboardError, SwitchboardError } from "../../core/errors.ts";
import type { EventBus, ServerProblemKind } from "../../core/events.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { ServerState, StopReason } from "../../core/server-state.ts";
import type { Clock, TimerHandle } from "../../ports/clock.ts";
import type { ConnectionClosed, Connector, UpstreamConnection } from "../../ports/connector.ts";
import type { CorrelationScope } from "../../ports/correlation-scope.ts";
import { type PeerHooks, UpstreamPeer } from "../upstream/upstream-peer.ts";
import { HealthChecks } from "./health-checks.ts";
import { IdleTimer } from "./idle-timer.ts";
import { InFlight } from "./in-flight.ts";
import { RestartBackoff } from "./restart-backoff.ts";
import { type ServerStatus, serverStatus } from "./server-status.ts";
import { abortable, clientCapabilities, startFailureMessage } from "./start-support.ts";

export type { SandboxSummary, ServerStatus } from "./server-status.ts";

export interface Lease {
  readonly peer: UpstreamPeer;
  /** Ends the call: counts as client activity. Idempotent. */
  release(): void;
}

export interface ServerSupervisorDeps {
  connector: Connector;
  clock: Clock;
  /** Lifecycle changes and problems (a failed start, a crash, failed health checks) go out as events. */
  events: EventBus;
  hooks: PeerHooks;
  /**
   * The request being handled. A start keeps the id of the request that caused it, but the process, its pipes,
   * the timers and the catalog refresh outlive that request and are created outside it.
   */
  scope: Pick<CorrelationScope, "detached">;
  /** Called each time the server becomes ready (catalog refresh). */
  onReady(peer: UpstreamPeer): void;
  /**
   * The spec to start with, read at each start (a per-principal instance's credentials, so a value stored since
   * the last start is used). A rejection with `credentials_required` fails the start before anything is
   * spawned and counts as no failure of the server. Unset: `spec` as it is.
   */
  startSpec?: () => Promise<ServerSpec>;
}

export class ServerSupervisor {
  readonly spec: ServerSpec;
  private readonly deps: ServerSupervisorDeps;
  private state: ServerState;
  private peer: UpstreamPeer | undefined;
  private readonly inFlight = new InFlight();
  private lastClientActivity: number | undefined;
  private startedAt: number | undefined;
  private restarts = 0;
  private readonly restart: RestartBackoff;
  private readonly idle: IdleTimer;
  private readonly health: HealthChecks;
  private lastError: string | undefined;
  private starting: Promise<UpstreamPeer> | undefined;
  /** Aborts the start in progress: a server stuck in initialize must not hold shutdown up to its start timeout. */
  private startAbort: AbortController | undefined;
  private stopping: Promise<void> | undefined;
  private shuttingDown = false;
  private knownLegacy = false;

  constructor(spec: ServerSpec, deps: ServerSupervisorDeps) {
    this.spec = spec;
    this.deps = deps;
    this.state = spec.enabled ? "asleep" : "disabled";
    const later = (fn: () => void, ms: number) => this.later(fn, ms);
    this.restart = new RestartBackoff({ policy: spec.restart, later });
    this.idle = new IdleTimer({
      clock: deps.clock,
      idleTimeoutMs: spec.lifecycle === "always" ? 0 : spec.idleTimeoutMs,
      later,
      quietSince: () => this.quietSince(),
      running: () => this.state === "ready",
      busy: () => this.inFlight.size > 0,
      stop: () => void this.stop("idle").catch((error: unknown) => this.timerFailed("idle stop", error)),
    });
    this.health = new HealthChecks({
      intervalMs: spec.healthCheckIntervalMs,
      later,
      peer: () => this.peer,
      ready: () => this.state === "ready",
      failed: (error, failures) => this.problem("health-check-failed", "health check failed", { error, failures }),
      unhealthy: async (failures) => {
        await this.stop("health-check");
        this.recordFailure(`server ${this.spec.name} failed ${failures} health checks`);
      },
      broke: (error) => this.timerFailed("health check", error),
    });
  }

  get currentState(): ServerState {
    return this.state;
  }

  get callsInFlight(): number {
    return this.inFlight.size;
  }

  /** Resolves when no call is in flight on this server. */
  drained(): Promise<void> {
    return this.inFlight.drained();
  }

  /** The running peer, if ready; used for fan-out that must not wake a server (e.g. logging/setLevel). */
  get readyPeer(): UpstreamPeer | undefined {
    return this.state === "ready" ? this.peer : undefined;
  }

  /** Starts the server if needed and counts a call in flight until the lease is released. */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    if (this.state === "disabled")
      throw new SwitchboardError("server_not_found", `server ${this.spec.name} is disabled`);
    if (this.shuttingDown) throw new SwitchboardError("shutting_down", "the gateway is shutting down");
    this.inFlight.enter();
    this.lastClientActivity = this.deps.clock.now();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.lastClientActivity = this.deps.clock.now();
      // The idle timer runs while calls come and go (it checks activity when it fires); it is armed again
      // only if it fired during a call.
      if (this.inFlight.leave()) this.idle.schedule();
    };
    try {
      const peer = this.state === "ready" && this.peer ? this.peer : await this.ensureStarted(signal);
      return { peer, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * An explicit start (admin API, eager boot): also revives a `failed` server. It is client activity: the idle
   * clock starts now, not at the last call of an earlier run.
   */
  async start(): Promise<void> {
    if (this.state === "disabled")
      throw new SwitchboardError("server_not_found", `server ${this.spec.name} is disabled`);
    this.lastClientActivity = this.deps.clock.now();
    if (this.state === "failed") {
      this.restart.reset();
      this.setState("asleep", "started by request");
    }
    await this.ensureStarted();
    this.idle.schedule();
  }

  private async ensureStarted(signal?: AbortSignal): Promise<UpstreamPeer> {
    for (;;) {
      signal?.throwIfAborted();
      switch (this.state) {
        case "ready":
          if (this.peer) return this.peer;
          break;
        case "starting":
          return abortable(this.starting as Promise<UpstreamPeer>, signal);
        case "stopping":
          await abortable(this.stopping as Promise<void>, signal);
          break;
        case "backoff":
          await abortable(this.restart.waitEnded(), signal);
          break;
        case "failed":
          throw new SwitchboardError(
            "server_failed",
            `server ${this.spec.name} failed ${this.restart.failures} times in a row and is held; start it explicitly (last error: ${this.lastError ?? "unknown"})`,
          );
        case "disabled":
          throw new SwitchboardError("server_not_found", `server ${this.spec.name} is disabled`);
        case "asleep":
          if (this.shuttingDown) throw new SwitchboardError("shutting_down", "the gateway is shutting down");
          return abortable(this.beginStart(), signal);
      }
    }
  }

  private beginStart(): Promise<UpstreamPeer> {
    // A start that follows a failure (crash, failed start, failed health checks) is a restart.
    if (this.restart.failures > 0) this.restarts++;
    this.setState("starting");
    const promise = this.runStart().finally(() => {
      if (this.starting === promise) this.starting = undefined;
    });
    this.starting = promise;
    // Waiters may all have gone; the start itself must never become an unhandled rejection.
    promise.catch(() => {});
    return promise;
  }

  private async runStart(): Promise<UpstreamPeer> {
    const { clock, connector, events } = this.deps;
    const begin = clock.now();
    const controller = new AbortController();
    this.startAbort = controller;
    const deadline = clock.setTimeout(() => controller.abort(), this.spec.startTimeoutMs);
    let connection: UpstreamConnection | undefined;
    try {
      const spec = this.deps.startSpec ? await this.deps.startSpec() : this.spec;
      // The process, its streams and their handlers must not carry the starting request's context.
      connection = await this.deps.scope.detached(() => connector.open(spec, controller.signal));
      const peer = new UpstreamPeer(this.spec.name, connection, this.deps.hooks, clock);
      connection.onClose = (closed) => {
        // Called from the connection's own exit handler: a throw here would escape into the process.
        try {
          this.connectionClosed(peer, closed);
        } catch (error) {
          this.problem("close-handler-failed", `handling the end of server ${this.spec.name} failed`, { error });
        }
      };
      const remaining = Math.max(1, this.spec.startTimeoutMs - (clock.now() - begin));
      const protocol = this.spec.protocol === "auto" && this.knownLegacy ? "legacy" : this.spec.protocol;
      // Probe once: a server that speaks only the 2025 era (or died of the probe) is not probed again.
      if (protocol === "auto") this.knownLegacy = true;
      await peer.connect(protocol, remaining, controller.signal, clientCapabilities(this.spec));
      if (protocol === "auto") this.knownLegacy = peer.era === "legacy";
      if (this.shuttingDown) throw new SwitchboardError("shutting_down", "the gateway is shutting down");
      this.peer = peer;
      this.startedAt = clock.now();
      this.setState("ready");
      events.emit("server-started", {
        server: this.spec.name,
        pid: connection.pid,
        durationMs: clock.now() - begin,
        cold: true,
      });
      this.health.start();
      this.idle.schedule();
      this.deps.scope.detached(() => this.deps.onReady(peer));
      return peer;
    } catch (error) {
      const tail = connection?.stderrTail() ?? [];
      const closing = connection?.close(Math.min(this.spec.stopGraceMs, 500)).catch(() => {});
      if (this.shuttingDown) {
        await closing; // shutdown leaves no child behind
        this.setState("asleep", "start abandoned: the gateway is shutting down");
        throw new SwitchboardError("shutting_down", "the gateway is shutting down", { cause: error });
      }
      if (isSwitchboardError(error, "resources_exhausted")) throw this.gatewayOutOfResources(error);
      if (isSwitchboardError(error, "credentials_required")) {
        // The caller's missing value, not the server's fault: no backoff; the next call (maybe with a value) starts it.
        this.setState("asleep", error.message);
        throw error;
      }
      const message = startFailureMessage(this.spec, error, controller.signal.aborted, tail);
      this.problem("start-failed", message, { error });
      this.recordFailure(message);
      events.emit("server-start-failed", { server: this.spec.name, error: message, failures: this.restart.failures });
      const data = error instanceof SwitchboardError ? { ...error.data, server: this.spec.name } : undefined;
      // A sandbox that cannot be had keeps its own code: retrying will not help, installing the backend will.
      const code = isSwitchboardError(error, "sandbox_unavailable") ? "sandbox_unavailable" : "upstream_unavailable";
      throw new SwitchboardError(code, message, { cause: error, data });
    } finally {
      deadline.cancel();
      if (this.startAbort === controller) this.startAbort = undefined;
    }
  }

  /**
   * The gateway could not spawn the server for want of its own resources (file descriptors): the server is not
   * at fault, so no failure is counted (no backoff, no `failed`); it goes back to sleep and the next call tries
   * again. The error goes up as it is, which the circuit breaker does not count either.
   */
  private gatewayOutOfResources(error: SwitchboardError): SwitchboardError {
    this.problem("out-of-resources", error.message, { error });
    this.setState("asleep", error.message);
    return error;
  }

  /** Stops the server gracefully. Calls still in flight fail; use `drain` first when that matters. */
  async stop(reason: StopReason = "requested"): Promise<void> {
    if (this.state === "starting") await this.starting?.catch(() => {});
    if (this.state === "stopping") return this.stopping;
    if (this.state === "backoff") {
      this.setState("asleep", `stopped (${reason})`);
      this.restart.cancel();
      return;
    }
    if (this.state === "failed" && reason === "requested") this.restart.reset();
    if (this.state !== "ready" || !this.peer) return;
    const peer = this.peer;
    this.setState("stopping", reason);
    this.idle.cancel();
    this.health.cancel();
    const promise = peer.connection.close(this.spec.stopGraceMs).finally(() => {
      if (this.peer === peer) this.peer = undefined;
      this.stopping = undefined;
      this.setState("asleep", reason);
      this.deps.events.emit("server-stopped", { server: this.spec.name, reason });
    });
    this.stopping = promise;
    return promise;
  }

  /** From now on, new calls are refused (shutdown drain); calls in flight go on. */
  refuseNewCalls(): void {
    this.shuttingDown = true;
  }

  /** Refuses new calls and stops the server (the supervisor drains calls before calling this). */
  async close(): Promise<void> {
    this.shuttingDown = true;
    this.startAbort?.abort();
    this.idle.cancel();
    this.health.cancel();
    this.restart.cancel();
    await this.stop("shutdown");
  }

  private connectionClosed(peer: UpstreamPeer, closed: ConnectionClosed): void {
    peer.connectionClosed(closed);
    if (closed.requested || this.peer !== peer || this.state !== "ready") return;
    // A crash: the process exited or the remote connection dropped while we considered it ready.
    this.peer = undefined;
    this.health.cancel();
    this.idle.cancel();
    const tail = closed.stderrTail.length ? ` (stderr: ${closed.stderrTail.slice(-3).join(" | ")})` : "";
    const message = `server ${this.spec.name} ${closed.reason}${tail}`;
    this.problem("crashed", message);
    const reason = closed.failure ? "overloaded" : "crashed";
    this.deps.events.emit("server-stopped", { server: this.spec.name, reason, detail: closed.reason });
    this.recordFailure(message);
  }

  /** Counts a failure and moves to `backoff` (then `asleep`, or a restart for `always`) or `failed`. */
  private recordFailure(message: string): void {
    this.lastError = message;
    const ranFor = this.startedAt === undefined ? undefined : this.deps.clock.now() - this.startedAt;
    this.startedAt = undefined;
    const delay = this.restart.fail(ranFor);
    if (delay === undefined) {
      this.setState("failed", message);
      return;
    }
    this.setState("backoff", `${message}; next start allowed in ${delay} ms`);
    this.restart.wait(delay, () => {
      if (this.state !== "backoff") return;
      this.setState("asleep", "backoff over");
      if (this.spec.lifecycle === "always" && !this.shuttingDown) this.beginStart().catch(() => {});
    });
  }

  /**
   * Since when the running server has been idle: its last client activity, but never before this run became
   * ready (activity from an earlier run, or a start that took long, must not make a fresh start look idle).
   */
  private quietSince(): number | undefined {
    const activity = this.lastClientActivity;
    const started = this.startedAt;
    if (activity === undefined || started === undefined) return activity ?? started;
    return Math.max(activity, started);
  }

  /** A timer's work failed: nothing awaits it, so it is reported here rather than lost (or left unhandled). */
  private timerFailed(what: string, error: unknown): void {
    this.problem("timer-failed", `${what} of server ${this.spec.name} failed`, { error });
  }

  private problem(kind: ServerProblemKind, message: string, more: { error?: unknown; failures?: number } = {}): void {
    this.deps.events.emit("server-problem", { server: this.spec.name, kind, message, ...more });
  }

  /**
   * A timer outside any request: the idle stop, health checks and restarts it leads to belong to no request
   * (their log lines carry no request id, their pings no trace context).
   */
  private later(fn: () => void, ms: number): TimerHandle {
    return this.deps.scope.detached(() => this.deps.clock.setTimeout(fn, ms));
  }

  private setState(to: ServerState, reason?: string): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.deps.events.emit(
      "server-state",
      reason === undefined ? { server: this.spec.name, from, to } : { server: this.spec.name, from, to, reason },
    );
  }

  status(): ServerStatus {
    return serverStatus(this.spec, {
      state: this.state,
      connection: this.peer?.connection,
      inFlight: this.inFlight.size,
      lastClientActivity: this.lastClientActivity,
      startedAt: this.startedAt,
      restarts: this.restarts,
      consecutiveFailures: this.restart.failures,
      lastError: this.lastError,
    });
  }
}

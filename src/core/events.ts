// Typed domain events. Services emit; observability (logs, later metrics and audit) subscribes.
import type { Finding, PinnedKind, PinState } from "./integrity.ts";
import type { ServerState, StopReason } from "./server-state.ts";

export interface GatewayEvents {
  "server-state": { server: string; from: ServerState; to: ServerState; reason?: string };
  "server-started": { server: string; pid: number | undefined; durationMs: number; cold: boolean };
  "server-stopped": { server: string; reason: StopReason; detail?: string };
  "server-start-failed": { server: string; error: string; failures: number };
  "catalog-changed": { server: string; kinds: readonly CatalogKind[] };
  /** A definition was held for review, changed under `warn`, or flagged by screening (docs/integrity.md). */
  "definition-reviewed": DefinitionReviewed;
  /** An operator (or the policy) approved or rejected held definitions. */
  "definition-decided": {
    server: string;
    kind: PinnedKind;
    key: string;
    decision: "approve" | "reject";
    by: string;
    hash: string;
  };
  /** Screening found something in a tool's result on the way back. */
  "result-screened": { server: string; tool: string; rules: readonly string[] };
  /** A secret was found in a call's arguments or result and redacted or blocked. */
  "secret-found": {
    server: string;
    tool: string;
    where: "arguments" | "result";
    action: "redact" | "block";
    rules: readonly string[];
  };
  /** A principal's credential for a server was stored (`revoked` false) or deleted (true); never the value. */
  "credential-changed": { server: string; principal: string; slot: string; revoked: boolean };
  /** A server's definition was cut or refused by the definition limits; once per server, item and action. */
  "definition-limited": {
    server: string;
    /** `server`: the server's own fields (instructions, serverInfo, capabilities). */
    list: "tools" | "prompts" | "resources" | "resourceTemplates" | "server";
    name: string;
    action: "cut" | "refused";
    reason: string;
  };
  "call-finished": {
    server: string;
    method: string;
    /** The tool's own name for tools/call. */
    tool?: string;
    /** Who called (logs only: metrics never label principals). */
    principal?: string;
    durationMs: number;
    outcome: "ok" | "error";
    /** Why it failed: the gateway error code, `jsonrpc_error` (the server's error reply) or `tool_error` (a tools/call result with isError). */
    errorKind?: string;
  };
  /** A server's circuit breaker changed state. */
  "circuit-state": { server: string; from: CircuitState; to: CircuitState };
  /** A call refused by a policy before it reached a server (breaker open, bulkhead full, rate limit). */
  "call-rejected": {
    server: string | undefined;
    method: string;
    kind: "circuit_open" | "overloaded" | "rate_limited";
    scope?: "client" | "global";
  };
  /** A request retried after a failure that happened before it reached the server (or an idempotent tool of a trusted server). */
  "call-retried": { server: string; method: string; attempt: number; reason: string };
  /** A call ended at its timeout; the gateway sent notifications/cancelled upstream. */
  "call-timed-out": { server: string; method: string; timeoutMs: number; hard: boolean };
  /** One per tools/call that reached routing; carries the arguments, so only the audit recorder subscribes. */
  "tool-called": ToolCalled;
  /**
   * An error nothing handled (an exception thrown from a callback, a rejected promise nobody awaited), caught
   * by the process guard of the `serve`/`stdio` commands instead of ending the process. Each one is a defect.
   */
  "internal-error": { origin: InternalErrorOrigin; message: string };
  /** A server's start, run or timer went wrong (see ServerProblemKind); `message` is the line to log. */
  "server-problem": { server: string; kind: ServerProblemKind; message: string; error?: unknown; failures?: number };
  /** The shutdown drain's grace ran out: the calls still in flight fail. */
  "drain-expired": { inFlight: number };
  /** Audit records older than the retention were deleted (only when some were). */
  "audit-pruned": { removed: number; olderThan: string };
  /** Deleting old audit records failed; the next prune interval tries again. */
  "audit-prune-failed": { error: unknown };
  /** Calls left without an audit record (the counts are also in the recorder's status). */
  "audit-dropped": AuditDropped;
  /** A call's audit record was stored in a reduced form, and why. */
  "audit-reduced": { correlationId: string; server: string; tool: string; reason: string };
  /** Writing audit records failed (once per distinct error); they stay queued and are retried. */
  "audit-write-failed": { error: unknown; pending: number };
  /** The audit store answered again after failed writes, and the queued records were written. */
  "audit-recovered": { written: number };
  /** Reading or storing a server's lists failed; the catalog keeps what it had. */
  "catalog-failed": { server: string; step: CatalogStep; error: unknown };
  /**
   * Embedding for semantic tool search failed (`what` says which work); tool search stays lexical until it
   * works. `repeated`: it had already failed and not recovered since.
   */
  "semantic-failed": { model: string; what: string; error: unknown; repeated: boolean };
  /** Embedding works again after a failure; semantic ranking resumes. */
  "semantic-recovered": { model: string };
  /** The embedding store could not be read (the texts are embedded again) or written (kept in memory only). */
  "semantic-store-failed": { model: string; op: "read" | "write"; error: unknown };
  /** A tool result was cut to fit its output budget; what was not shown is paged with read_result. */
  "result-cut": ResultCut;
  /** A request failed with an error the gateway did not expect (a defect); the client got `internal`. */
  "request-failed": { method: string; error: unknown };
  /** A request the gateway could not pass on (it could not be serialized); the client got a clean message. */
  "request-unsendable": { method: string; message: string; cause: unknown };
  /** A request (or a client's answer) refused before any work: nested deeper than `gateway.maxParamsDepth`. */
  "request-too-deep": { method: string; maxDepth: number };
  /** A server's log message dropped: not attributable to one session (`sessions` had calls in flight). */
  "log-message-dropped": { server: string; sessions: number };
  /** A server's notification not relayed to any client (it belongs to none). */
  "notification-dropped": { server: string; method: string };
  /** A server whose catalog was not known could not be started to learn it. */
  "discovery-failed": { server: string; error: unknown };
  /**
   * The egress proxy of a sandboxed server (`network: allow`) allowed or denied a connection. `reason` is why it
   * was denied: not_listed, unresolved, invalid_address, or the address range (loopback, private, metadata, …).
   */
  "sandbox-egress": { server: string; host: string; port: number; allowed: boolean; reason?: string; address?: string };
  /**
   * A request's credential was checked: accepted (`via` says how) or refused (`reason`: missing, invalid_request,
   * invalid_token, insufficient_scope, not_admin). Never carries the credential.
   */
  "auth-checked": { outcome: "accepted" | "refused"; via: string; reason?: string; principal?: string; path: string };
  /** The SessionStore failed: reading a session (`resolve`, `revalidate`), writing (`put`) or deleting its record. */
  "session-store-failed": { action: "resolve" | "revalidate" | "put" | "delete"; error: unknown };
}

export interface DefinitionReviewed {
  server: string;
  kind: PinnedKind;
  key: string;
  /** held: hidden until approved; warned: served, changed under onChange warn; flagged: served with findings. */
  outcome: "held" | "warned" | "flagged";
  state: PinState;
  /** Why: `new` (approve-new), `changed`, `identity` (the server's identity changed), `renamed`, `screening`. */
  reason: "new" | "changed" | "identity" | "renamed" | "screening";
  findings: readonly Finding[];
}

export interface ResultCut {
  server: string;
  /** The tool's own name on its server. */
  tool: string;
  /** The whole result, in estimated (o200k) tokens. */
  totalTokens: number;
  /** The part shown in the reply; `totalTokens - shownTokens` were kept out of it. */
  shownTokens: number;
}

/**
 * - `queue-full`: the queue passed `audit.maxQueued` while the store was down; the oldest were dropped.
 * - `unqueueable`: a call's record could not be queued at all.
 * - `shutdown`: records still queued when the last write before shutdown ran out of time or failed.
 */
export type AuditDropped =
  | { cause: "queue-full"; dropped: number; total: number }
  | { cause: "unqueueable"; error: unknown; correlationId: string | undefined; dropped: number }
  | { cause: "shutdown"; lost: number; error: string | undefined };

/**
 * - `refresh`: a refresh failed in a way the catalog did not expect.
 * - `fetch`: the running server's lists could not be read.
 * - `save`: the manifest could not be written to the registry (the catalog serves it from memory).
 */
export type CatalogStep = "refresh" | "fetch" | "save" | "pins";

/**
 * - `start-failed`: a start failed (it counts toward the restart limit); `out-of-resources`: the gateway itself
 *   could not spawn it (nothing counted); `eager-start-failed`: a boot-time start failed.
 * - `crashed`: it exited or dropped while ready; `health-check-failed`: a ping failed (`failures` in a row).
 * - `timer-failed`, `close-handler-failed`: a defect in the supervisor's own work, which nothing awaits.
 */
export type ServerProblemKind =
  | "start-failed"
  | "out-of-resources"
  | "eager-start-failed"
  | "crashed"
  | "health-check-failed"
  | "timer-failed"
  | "close-handler-failed";

/** Where an unhandled error surfaced: Node's `uncaughtException` or `unhandledRejection`. */
export const INTERNAL_ERROR_ORIGINS = ["uncaught-exception", "unhandled-rejection"] as const;
export type InternalErrorOrigin = (typeof INTERNAL_ERROR_ORIGINS)[number];

export interface ToolCalled {
  server: string;
  /** The tool's own name on its server. */
  tool: string;
  arguments: unknown;
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  outcome: "ok" | "error";
  /** The gateway error code, `tool_error` for a result with isError, `jsonrpc_error` for a server's error reply. */
  errorKind: string | null;
  correlationId: string;
  principal: string | null;
}

/** A circuit breaker's states (metrics export one series per state). */
export const CIRCUIT_STATES = ["closed", "open", "half-open"] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export type CatalogKind = "tools" | "prompts" | "resources";

export type EventName = keyof GatewayEvents;
export type Listener<K extends EventName> = (event: GatewayEvents[K]) => void;

export interface Disposable {
  dispose(): void;
}

export interface EventBusOptions {
  /** A subscriber threw (or its promise rejected): told here, since the emitter must not fail for it. */
  onListenerError?: (error: unknown, name: EventName) => void;
}

export class EventBus {
  private readonly listeners = new Map<EventName, Set<(event: never) => void>>();
  private readonly onListenerError: (error: unknown, name: EventName) => void;

  constructor(options: EventBusOptions = {}) {
    this.onListenerError = options.onListenerError ?? (() => {});
  }

  on<K extends EventName>(name: K, listener: Listener<K>): Disposable {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as (event: never) => void);
    return { dispose: () => set.delete(listener as (event: never) => void) };
  }

  emit<K extends EventName>(name: K, event: GatewayEvents[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      // A failing subscriber must never break the service that emitted, nor the process: an async one
      // (a void-typed listener may still return a promise) would otherwise reject with nobody to catch it.
      try {
        const result = (listener as Listener<K>)(event) as unknown;
        if (result instanceof Promise) result.catch((error: unknown) => this.reportListenerError(error, name));
      } catch (error) {
        this.reportListenerError(error, name);
      }
    }
  }

  private reportListenerError(error: unknown, name: EventName): void {
    try {
      this.onListenerError(error, name);
    } catch {
      // The report itself failed (a broken log destination): nothing more can be done here.
    }
  }
}

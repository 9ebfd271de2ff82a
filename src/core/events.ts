// Typed domain events. Services emit; observability (logs, later metrics and audit) subscribes.
import type { ServerState, StopReason } from "./server-state.ts";

export interface GatewayEvents {
  "server-state": { server: string; from: ServerState; to: ServerState; reason?: string };
  "server-started": { server: string; pid: number | undefined; durationMs: number; cold: boolean };
  "server-stopped": { server: string; reason: StopReason; detail?: string };
  "server-start-failed": { server: string; error: string; failures: number };
  "catalog-changed": { server: string; kinds: readonly CatalogKind[] };
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
  /** The SessionStore failed: reading a session (`resolve`, `revalidate`), writing (`put`) or deleting its record. */
  "session-store-failed": { action: "resolve" | "revalidate" | "put" | "delete"; error: unknown };
}

/** Where an unhandled error surfaced: Node's `uncaughtException` or `unhandledRejection`. */
export type InternalErrorOrigin = "uncaught-exception" | "unhandled-rejection";

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

export type CircuitState = "closed" | "open" | "half-open";

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

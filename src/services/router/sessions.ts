// Downstream sessions: who is connected to which endpoint, with which protocol version and capabilities,
// which of their requests are in flight (for cancellation) and where their notifications go.
import { randomBytes } from "node:crypto";
import type { JsonRpcMessage, RequestId } from "../../core/jsonrpc.ts";
import type { Clock } from "../../ports/clock.ts";

/** `aggregate`: all servers, namespaced (`/mcp`, stdio). `server`: one server under its own names (`/mcp/{server}`). */
export type Endpoint = { kind: "aggregate" } | { kind: "server"; server: string };

export interface DownstreamSession {
  readonly id: string;
  readonly endpoint: Endpoint;
  /** True for one-shot sessions of requests sent without a session id (no notifications outside a response). */
  readonly ephemeral: boolean;
  protocolVersion: string | undefined;
  clientInfo: Record<string, unknown> | undefined;
  clientCapabilities: Record<string, unknown> | undefined;
  lastSeenAt: number;
  /** Set by logging/setLevel: log messages below this level are not delivered to the session. */
  logLevel: string | undefined;
  /** Requests in flight by the client's own id: cancelling aborts the controller. */
  readonly inFlight: Map<RequestId, AbortController>;
  /** Resource URIs this session subscribed to, by server. */
  readonly subscriptions: Set<string>;
  /**
   * Delivers a message that is not tied to a request's own stream (list_changed, resource updates, or a
   * server-initiated request whose call stream is gone); false when the session has nowhere to put it.
   */
  push: (message: JsonRpcMessage) => boolean;
  /** Called once when the session ends. */
  onClose: (() => void) | undefined;
}

export function endpointServes(endpoint: Endpoint, server: string): boolean {
  return endpoint.kind === "aggregate" || endpoint.server === server;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, DownstreamSession>();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** A new session with a cryptographically random id of visible ASCII characters. */
  create(endpoint: Endpoint, ephemeral = false): DownstreamSession {
    const session: DownstreamSession = {
      id: randomBytes(18).toString("base64url"),
      endpoint,
      ephemeral,
      protocolVersion: undefined,
      clientInfo: undefined,
      clientCapabilities: undefined,
      lastSeenAt: this.clock.now(),
      logLevel: undefined,
      inFlight: new Map(),
      subscriptions: new Set(),
      push: () => false,
      onClose: undefined,
    };
    if (!ephemeral) this.sessions.set(session.id, session);
    return session;
  }

  get(id: string): DownstreamSession | undefined {
    const session = this.sessions.get(id);
    if (session) session.lastSeenAt = this.clock.now();
    return session;
  }

  /** Ends a session: its requests in flight are cancelled. */
  end(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    this.sessions.delete(id);
    for (const controller of session.inFlight.values()) controller.abort();
    session.onClose?.();
    return true;
  }

  /** Ends sessions idle for longer than `ttlMs` (clients that never sent DELETE). */
  expire(ttlMs: number): number {
    const cutoff = this.clock.now() - ttlMs;
    let ended = 0;
    for (const session of [...this.sessions.values()]) {
      if (session.lastSeenAt < cutoff && session.inFlight.size === 0 && this.end(session.id)) ended++;
    }
    return ended;
  }

  all(): IterableIterator<DownstreamSession> {
    return this.sessions.values();
  }

  get size(): number {
    return this.sessions.size;
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
  }
}

// Downstream sessions: who is connected to which endpoint, with which protocol version and capabilities,
// which of their requests are in flight (for cancellation) and where their notifications go.
import { randomBytes } from "node:crypto";
import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import { ANONYMOUS, type Principal } from "../../core/identity.ts";
import type { JsonRpcMessage, RequestId } from "../../core/jsonrpc.ts";
import type { Clock } from "../../ports/clock.ts";
import type { RateLimiter } from "../../ports/rate-limiter.ts";
import type { SessionRecord, SessionStore } from "../../ports/session-store.ts";

/** `aggregate`: all servers, namespaced (`/mcp`, stdio). `server`: one server under its own names (`/mcp/{server}`). */
export type Endpoint = { kind: "aggregate" } | { kind: "server"; server: string };

export interface DownstreamSession {
  readonly id: string;
  readonly endpoint: Endpoint;
  /** True for one-shot sessions of requests sent without a session id (no notifications outside a response). */
  readonly ephemeral: boolean;
  /**
   * Who opened the session: every request on it must come from the same principal (a session id alone never
   * lends one caller's rights to another). ANONYMOUS when authentication is off.
   */
  readonly principal: Principal;
  /** Kept in the SessionStore, so another replica can serve its requests (2025-era HTTP sessions). */
  shared: boolean;
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

export interface SessionSharing {
  store: SessionStore;
  /** A shared record expires this long after its last refresh. */
  ttlMs: number;
  /** Where the store's failures are told (`session-store-failed`). */
  events: EventBus;
  /** Whether the store is answering for itself; a miss while it is not (a memory fallback) proves nothing. */
  authoritative(): boolean;
}

/** Bounds on this replica's sessions (gateway.limits). */
export interface SessionLimits {
  /** Sessions held here at most; creating one more fails with `session_limit`. */
  maxSessions: number;
  /** One token per session a client key opens; undefined: no per-client limit. */
  creation?: RateLimiter;
}

/** Sessions refused so far (monotonic), by reason. */
export interface SessionRefusals {
  /** At `maxSessions`. */
  limit: number;
  /** The client opened sessions faster than its creation limit. */
  rate: number;
}

export interface CreateSessionOptions {
  /** A one-shot session for one request (not registered, not counted against maxSessions). */
  ephemeral?: boolean;
  /** The id (adopting a session another replica created); default: a new random one. */
  id?: string;
  /** Who opens it; default ANONYMOUS. */
  principal?: Principal;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, DownstreamSession>();
  private readonly clock: Clock;
  private readonly sharing: SessionSharing | undefined;
  private readonly limits: SessionLimits;
  private readonly refusals: SessionRefusals = { limit: 0, rate: 0 };
  /** When each shared session's record was last written or checked (see revalidate). */
  private readonly persistedAt = new Map<string, number>();

  constructor(
    clock: Clock,
    sharing?: SessionSharing,
    limits: SessionLimits = { maxSessions: Number.POSITIVE_INFINITY },
  ) {
    this.clock = clock;
    this.sharing = sharing;
    this.limits = limits;
  }

  get maxSessions(): number {
    return this.limits.maxSessions;
  }

  get refused(): Readonly<SessionRefusals> {
    return this.refusals;
  }

  /**
   * Whether `clientKey` may open one more session now: throws `rate_limited` (scope `sessions`) past its creation
   * limit, or `session_limit` when this replica holds its maximum. Takes a token when it admits.
   */
  async admit(clientKey: string): Promise<void> {
    this.checkCapacity();
    const decision = this.limits.creation ? await this.limits.creation.take(clientKey) : undefined;
    if (decision && !decision.allowed) {
      this.refusals.rate++;
      const { retryAfterMs } = decision;
      throw new SwitchboardError(
        "rate_limited",
        `this client opens sessions too fast; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
        { data: { retryAfterMs, scope: "sessions" } },
      );
    }
  }

  private checkCapacity(): void {
    if (this.sessions.size < this.limits.maxSessions) return;
    this.refusals.limit++;
    throw new SwitchboardError(
      "session_limit",
      `this gateway holds its maximum of ${this.limits.maxSessions} sessions; retry later or on another replica`,
      { data: { maxSessions: this.limits.maxSessions } },
    );
  }

  /**
   * A new session with a cryptographically random id of visible ASCII characters. A registered (not ephemeral)
   * one fails with `session_limit` at the cap, however it came (initialize, a listen stream, adoption).
   */
  create(endpoint: Endpoint, options: CreateSessionOptions = {}): DownstreamSession {
    const { ephemeral = false, id = randomBytes(18).toString("base64url"), principal = ANONYMOUS } = options;
    if (!ephemeral) this.checkCapacity();
    const session: DownstreamSession = {
      id,
      endpoint,
      ephemeral,
      principal,
      shared: false,
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
    if (session) {
      session.lastSeenAt = this.clock.now();
      const written = this.persistedAt.get(id);
      if (session.shared && this.sharing && written !== undefined && session.lastSeenAt - written > this.revalidateMs())
        this.revalidate(session);
    }
    return session;
  }

  /**
   * A session held here, or one another replica created (read from the SessionStore and adopted). A store that
   * cannot be reached counts as not knowing the session.
   */
  async resolve(id: string): Promise<DownstreamSession | undefined> {
    const local = this.get(id);
    if (local || !this.sharing) return local;
    const record = await this.sharing.store.get(id).catch((error: unknown) => {
      this.sharing?.events.emit("session-store-failed", { action: "resolve", error });
      return undefined;
    });
    if (!record) return undefined;
    const raced = this.sessions.get(id);
    if (raced) return raced;
    const endpoint: Endpoint = record.endpoint.startsWith("server:")
      ? { kind: "server", server: record.endpoint.slice("server:".length) }
      : { kind: "aggregate" };
    const session = this.create(endpoint, { id, principal: record.principal ?? ANONYMOUS });
    session.shared = true;
    session.protocolVersion = record.protocolVersion;
    session.clientInfo = record.clientInfo;
    session.clientCapabilities = record.clientCapabilities;
    session.logLevel = record.logLevel;
    this.persistedAt.set(id, this.clock.now());
    return session;
  }

  /** How often a shared session in use is checked against the store: a quarter of its TTL, at most 30 s. */
  private revalidateMs(): number {
    return Math.min(30_000, (this.sharing?.ttlMs ?? 0) / 4);
  }

  /**
   * A shared session in use here: if another replica ended it (DELETE there), it ends here too; otherwise its
   * record's TTL is refreshed. Checked rather than blindly rewritten, so an ended session is never revived.
   */
  private revalidate(session: DownstreamSession): void {
    const sharing = this.sharing as SessionSharing;
    this.persistedAt.set(session.id, this.clock.now());
    sharing.store.get(session.id).then(
      (record) => {
        if (record) this.persist(session);
        else if (sharing.authoritative()) this.drop(session.id);
      },
      (error: unknown) => sharing.events.emit("session-store-failed", { action: "revalidate", error }),
    );
  }

  /** Writes a shared session's record (after initialize, a level change, or to refresh its TTL). Never throws. */
  persist(session: DownstreamSession): void {
    if (!session.shared || !this.sharing || !this.sessions.has(session.id)) return;
    const { store, ttlMs, events } = this.sharing;
    this.persistedAt.set(session.id, this.clock.now());
    const record: SessionRecord = {
      id: session.id,
      endpoint: session.endpoint.kind === "server" ? `server:${session.endpoint.server}` : "aggregate",
      protocolVersion: session.protocolVersion,
      clientInfo: session.clientInfo,
      clientCapabilities: session.clientCapabilities,
      logLevel: session.logLevel,
      principal: session.principal,
      createdAt: new Date(this.clock.now()).toISOString(),
    };
    store.put(record, ttlMs).catch((error: unknown) => events.emit("session-store-failed", { action: "put", error }));
  }

  /** Ends a session everywhere (DELETE): its requests in flight are cancelled and its shared record removed. */
  end(id: string): boolean {
    const session = this.sessions.get(id);
    if (session?.shared && this.sharing) {
      this.sharing.store.delete(id).catch((error: unknown) => {
        this.sharing?.events.emit("session-store-failed", { action: "delete", error });
      });
    }
    return this.drop(id);
  }

  /** Forgets a session on this replica only (idle here, or shutdown): a shared record stays for the others. */
  drop(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    this.sessions.delete(id);
    this.persistedAt.delete(id);
    for (const controller of session.inFlight.values()) controller.abort();
    session.onClose?.();
    return true;
  }

  /**
   * Forgets sessions idle here for longer than `ttlMs` (clients that never sent DELETE). A shared session's
   * record is left to expire by its own TTL: the client may be talking to another replica.
   */
  expire(ttlMs: number): number {
    const cutoff = this.clock.now() - ttlMs;
    let ended = 0;
    for (const session of [...this.sessions.values()]) {
      if (session.lastSeenAt < cutoff && session.inFlight.size === 0 && this.drop(session.id)) ended++;
    }
    return ended;
  }

  all(): IterableIterator<DownstreamSession> {
    return this.sessions.values();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Shutdown: forgets every session here; shared records stay so other replicas keep serving them. */
  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.drop(id);
  }
}

// Relays what an upstream server sends on its own initiative — requests (sampling, elicitation, roots) and
// log messages — to the one downstream session it belongs to. A 2025-era stdio server says nothing on the wire
// about which call caused it, so the message is attributed to the session whose calls are in flight on that
// server; when calls of several sessions are in flight it is refused (requests) or dropped (logs), never
// guessed: a wrong guess would hand one client's data to another.
import { randomBytes } from "node:crypto";
import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, RequestId } from "../../core/jsonrpc.ts";
import { takesLogMessages } from "../../core/protocol/index.ts";
import type { Clock } from "../../ports/clock.ts";
import type { InFlightCall, ServerRequestAnswer } from "../upstream/upstream-peer.ts";
import { sessionWantsLog } from "./log-levels.ts";
import type { RequestContext } from "./request-context.ts";
import type { DownstreamSession } from "./sessions.ts";

export interface ClientRelayOptions {
  events: EventBus;
  /** Times the wait for a client's answer. */
  clock: Clock;
  /** Longest wait for a client's answer (a person may be answering it). Milliseconds. */
  answerTimeoutMs: number;
}

/** The client capability a server-initiated method needs. */
const REQUIRED_CAPABILITY: Record<string, string> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

interface Outbound {
  session: DownstreamSession;
  resolve(answer: ServerRequestAnswer): void;
  /** The gateway's own failure to get an answer (the peer turns it into the server's error reply). */
  reject(error: SwitchboardError): void;
}

export class ClientRelay {
  private readonly events: EventBus;
  private readonly clock: Clock;
  private readonly answerTimeoutMs: number;
  /** Requests sent to clients, by the id the gateway gave them (unique across sessions). */
  private readonly outbound = new Map<string, Outbound>();
  /** URL-mode elicitations in progress: `server\0elicitationId` → session, for their completion notice. */
  private readonly elicitations = new Map<string, DownstreamSession>();

  constructor(options: ClientRelayOptions) {
    this.events = options.events;
    this.clock = options.clock;
    this.answerTimeoutMs = options.answerTimeoutMs;
  }

  /** A server-initiated request: attribute, check the client's capability, ask it, hand back its answer. */
  async request(
    server: string,
    request: JsonRpcRequest,
    calls: readonly InFlightCall[],
    signal: AbortSignal,
  ): Promise<ServerRequestAnswer> {
    const { call, scope } = attribute(server, request.method, calls);
    const capability = REQUIRED_CAPABILITY[request.method];
    if (capability && !scope.session.clientCapabilities?.[capability]) {
      throw new SwitchboardError(
        "client_unavailable",
        `the client did not declare the ${capability} capability needed for ${request.method}`,
      );
    }
    const elicitationId = request.method === "elicitation/create" ? request.params?.elicitationId : undefined;
    if (typeof elicitationId === "string") this.elicitations.set(`${server}\u0000${elicitationId}`, scope.session);
    call.pauseTimeout();
    try {
      return await this.ask(scope, request, signal);
    } finally {
      call.resumeTimeout();
    }
  }

  /**
   * Asks the client of a known call (no attribution needed), checking its capability first; rejects with the
   * gateway's reason when the client could not be asked or did not answer.
   */
  askCaller(ctx: RequestContext, method: string, params: Record<string, unknown>): Promise<ServerRequestAnswer> {
    const capability = REQUIRED_CAPABILITY[method];
    if (capability && !ctx.session.clientCapabilities?.[capability]) {
      return Promise.reject(
        new SwitchboardError(
          "client_unavailable",
          `the client did not declare the ${capability} capability needed for ${method}`,
        ),
      );
    }
    return this.ask(ctx, { jsonrpc: "2.0", id: 0, method, params }, ctx.controller.signal);
  }

  private ask(scope: RequestContext, request: JsonRpcRequest, signal: AbortSignal): Promise<ServerRequestAnswer> {
    // Unguessable, so one client cannot answer a request meant for another.
    const id = `sb-${randomBytes(12).toString("base64url")}`;
    const { session } = scope;
    return new Promise<ServerRequestAnswer>((resolve, reject) => {
      const finish = () => {
        this.outbound.delete(id);
        timer.cancel();
        signal.removeEventListener("abort", onCancel);
      };
      const timer = this.clock.setTimeout(() => {
        finish();
        this.cancelAtClient(scope, id, "the client did not answer in time");
        reject(
          new SwitchboardError(
            "timeout",
            `the client did not answer ${request.method} within ${this.answerTimeoutMs} ms`,
          ),
        );
      }, this.answerTimeoutMs);
      // The server cancelled its request, or went away (the peer aborts with a string saying so).
      const onCancel = () => {
        const reason = typeof signal.reason === "string" ? signal.reason : "cancelled by the server";
        finish();
        this.cancelAtClient(scope, id, reason);
        reject(new SwitchboardError("cancelled", `the server's request was withdrawn: ${reason}`));
      };
      signal.addEventListener("abort", onCancel, { once: true });
      this.outbound.set(id, {
        session,
        resolve: (answer) => {
          finish();
          resolve(answer);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      });
      const message: JsonRpcRequest = { ...request, id };
      if (!scope.send(message) && !session.push(message)) {
        finish();
        reject(
          new SwitchboardError("client_unavailable", `the client has no open stream to receive ${request.method}`),
        );
      }
    });
  }

  private cancelAtClient(scope: RequestContext, requestId: string, reason: string): void {
    const notice: JsonRpcNotification = {
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId, reason },
    };
    if (!scope.send(notice)) scope.session.push(notice);
  }

  /**
   * A response the client sent to one of our requests; false when nothing waits for it. An answer to a
   * session's request must come from that session (a sessionless client can answer only sessionless calls).
   */
  clientResponse(session: DownstreamSession | undefined, response: JsonRpcResponse): boolean {
    const pending = this.waiting(session, response.id);
    pending?.resolve(response.error ? { error: response.error } : { result: response.result ?? {} });
    return pending !== undefined;
  }

  /** A client's answer the gateway refused (see Router.clientResponse): the server gets the reason instead. */
  clientAnswerRefused(session: DownstreamSession | undefined, id: RequestId | null, reason: SwitchboardError): boolean {
    const pending = this.waiting(session, id);
    pending?.reject(reason);
    return pending !== undefined;
  }

  private waiting(session: DownstreamSession | undefined, id: RequestId | null): Outbound | undefined {
    const pending = this.outbound.get(String(id));
    return pending && (pending.session === session || pending.session.ephemeral) ? pending : undefined;
  }

  /**
   * A client cancelled a request we sent it (it will not answer). Like an answer, a cancellation counts only
   * from the session the request was sent to: another session must not be able to withdraw it.
   */
  clientCancelled(session: DownstreamSession | undefined, requestId: RequestId): void {
    this.clientAnswerRefused(session, requestId, new SwitchboardError("cancelled", "the client cancelled the request"));
  }

  /** Log messages go to the one session with calls in flight, at or above that session's level; else dropped. */
  logMessage(server: string, notification: JsonRpcNotification, calls: readonly InFlightCall[]): void {
    const scopes = distinctSessions(calls);
    if (scopes.length !== 1) {
      this.events.emit("log-message-dropped", { server, sessions: scopes.length });
      return;
    }
    const scope = scopes[0] as RequestContext;
    // A 2026-era request receives log messages only when its envelope asked for a level.
    if (!takesLogMessages(scope.session.protocolVersion, scope.session.logLevel)) return;
    // The upstream may be more verbose than this session asked for (another session wanted more).
    if (!sessionWantsLog(scope.session, notification.params?.level)) return;
    if (!scope.send(notification)) scope.session.push(notification);
  }

  /**
   * notifications/elicitation/complete goes to the session that got the URL elicitation; from a per-principal
   * instance (`principal` set), only when that session is its principal's.
   */
  elicitationComplete(server: string, notification: JsonRpcNotification, principal?: string): void {
    const key = `${server}\u0000${String(notification.params?.elicitationId)}`;
    const session = this.elicitations.get(key);
    if (principal !== undefined && session && session.principal.name !== principal) return;
    this.elicitations.delete(key);
    session?.push(notification);
  }
}

function distinctSessions(calls: readonly InFlightCall[]): RequestContext[] {
  const bySession = new Map<DownstreamSession, RequestContext>();
  // The latest call of a session wins: its stream is the most likely to still be open.
  for (const call of calls) {
    const scope = call.caller as RequestContext;
    bySession.set(scope.session, scope);
  }
  return [...bySession.values()];
}

function attribute(
  server: string,
  method: string,
  calls: readonly InFlightCall[],
): { call: InFlightCall; scope: RequestContext } {
  const scopes = distinctSessions(calls);
  if (scopes.length === 0) {
    throw new SwitchboardError(
      "client_unavailable",
      `server ${server} sent ${method} while no client call was in flight; nobody to ask`,
    );
  }
  if (scopes.length > 1) {
    throw new SwitchboardError(
      "client_unavailable",
      `server ${server} sent ${method} while ${scopes.length} client sessions had calls in flight; the gateway cannot tell which one it belongs to`,
    );
  }
  const scope = scopes[0] as RequestContext;
  const call = [...calls].reverse().find((c) => (c.caller as RequestContext).session === scope.session) as InFlightCall;
  return { call, scope: call.caller as RequestContext };
}

// The MCP streamable HTTP endpoint (`/mcp` and `/mcp/{server}`): a lean node:http handler. Responses are plain
// JSON unless a request has something to send first (progress, a server-initiated request) or runs long, in
// which case it is upgraded to a recorded, resumable SSE stream. GET opens a session's notification stream or
// resumes a broken stream (Last-Event-ID); DELETE ends the session.
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import { ANONYMOUS, type Principal, samePrincipal } from "../../core/identity.ts";
import type { JsonRpcMessage, JsonRpcRequest } from "../../core/jsonrpc.ts";
import {
  acceptsPriming,
  acceptsVersionHeader,
  claimsModern,
  type ModernRequest,
  SUPPORTED_PROTOCOL_VERSIONS,
  takesServerRequests,
} from "../../core/protocol/index.ts";
import type { Reply } from "../../core/reply.ts";
import type { Tracer } from "../../ports/tracer.ts";
import type { RateLimitGate } from "../../services/policies/rate-limits.ts";
import type { ReplayBudget } from "../../services/router/replay-budget.ts";
import type { Router } from "../../services/router/router.ts";
import type { DownstreamSession, Endpoint, SessionRegistry } from "../../services/router/sessions.ts";
import { createModernReplyEncoder, rejectionJson, replyJson } from "../shared/reply-encoder.ts";
import { admission, parseMessage, triage } from "../shared/triage.ts";
import type { ClientKeyOf } from "./client-key.ts";
import { EventStream, parseEventId, SessionStreams } from "./event-stream.ts";
import { readBody } from "./guards.ts";
import { classifyEra, headerOf } from "./modern-era.ts";
import { sendBareError, sendJson, sendRpcError } from "./respond.ts";
import { listen } from "./subscriptions-listen.ts";

const SSE_KEEPALIVE_MS = 25_000;
/** A call still running after this long gets a resumable stream (with a priming event) instead of JSON. */
const PRIME_AFTER_MS = 1_000;

export interface McpEndpointDeps {
  router: Router;
  sessions: SessionRegistry;
  maxBodyBytes: number;
  /** The replica-wide memory budget of events recorded for resumption. */
  replay: ReplayBudget;
  /** Who a request comes from, for the rate limits and the per-client limit on opening sessions. */
  clientKeyOf: ClientKeyOf;
  /** Rate limits; undefined when no limit is set. */
  rateLimits?: RateLimitGate;
  /** Names the request's span after the MCP method and records session and request ids on it. */
  tracer?: Tracer;
}

export function createMcpEndpoint(deps: McpEndpointDeps) {
  const { router, sessions } = deps;
  const encodeModern = createModernReplyEncoder();
  /** Who each request in progress comes from (set by handle, read where sessions are opened or resolved). */
  const callers = new WeakMap<IncomingMessage, Principal>();
  const callerOf = (req: IncomingMessage): Principal => callers.get(req) ?? ANONYMOUS;
  /** Resumable streams of each HTTP session, dropped when the session ends. */
  const streamsBySession = new Map<string, SessionStreams>();

  function streamsOf(session: DownstreamSession): SessionStreams {
    let streams = streamsBySession.get(session.id);
    if (!streams) {
      streams = new SessionStreams(deps.replay);
      streamsBySession.set(session.id, streams);
    }
    return streams;
  }

  function closeStreamsOf(id: string): () => void {
    return () => {
      streamsBySession.get(id)?.closeAll();
      streamsBySession.delete(id);
    };
  }

  async function sessionFor(req: IncomingMessage, endpoint: Endpoint): Promise<DownstreamSession | undefined> {
    const id = req.headers["mcp-session-id"];
    if (typeof id !== "string") return undefined;
    const session = await sessions.resolve(id);
    // Another principal's session id is answered like an unknown one: an id is never a credential.
    if (!session || !sameEndpoint(session.endpoint, endpoint) || !samePrincipal(session.principal, callerOf(req))) {
      throw new SwitchboardError("session_not_found", "session not found or ended; initialize a new one");
    }
    session.onClose ??= closeStreamsOf(session.id); // adopted from another replica
    return session;
  }

  async function post(
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: Endpoint,
    correlationId: string,
  ): Promise<void> {
    const parsed = parseMessage(await readBody(req, deps.maxBodyBytes), "request body");
    if (!parsed.ok) {
      // As on stdio: a refused envelope keeps the id it carried, when it had a usable one.
      sendRpcError(res, parsed.error, parsed.id);
      return;
    }
    const msg = parsed.message;
    if (claimsModern(msg, headerOf(req))) {
      const verdict = await classifyEra(req, msg);
      if (verdict.kind === "reject") {
        const id = "id" in msg && msg.id !== undefined ? msg.id : null;
        sendJson(res, verdict.status, rejectionJson(id, verdict));
        return;
      }
      if (verdict.kind === "modern-notification") {
        // Cancellation in this era is closing the request's stream; other notifications have no effect here.
        res.writeHead(202).end();
        return;
      }
      if (verdict.kind === "modern")
        return respondModern(req, res, correlationId, endpoint, msg as JsonRpcRequest, verdict);
    }
    let session = await sessionFor(req, endpoint);
    const triaged = triage(msg);
    if (triaged.kind !== "request") {
      if (triaged.kind === "response") router.clientResponse(session, triaged.response);
      else if (session) router.notification(session, triaged.notification);
      res.writeHead(202).end();
      return;
    }
    const { request } = triaged;
    const headers: Record<string, string> = {};
    if (!session) {
      // initialize opens a session; any other request without one is served statelessly.
      const opens = request.method === "initialize";
      if (opens && (await sessionRefused(req, res, request))) return;
      session = sessions.create(endpoint, { ephemeral: !opens, principal: callerOf(req) });
      if (!session.ephemeral) {
        session.shared = true; // recorded in the SessionStore once initialize has filled it in
        headers["mcp-session-id"] = session.id;
        session.onClose = closeStreamsOf(session.id);
      }
    }
    await respond(req, res, correlationId, session, request, headers);
  }

  /** A 2026-era request: no session; the envelope stands in for initialize; results are encoded the 2026 way. */
  function respondModern(
    req: IncomingMessage,
    res: ServerResponse,
    correlationId: string,
    endpoint: Endpoint,
    request: JsonRpcRequest,
    era: ModernRequest,
  ) {
    if (request.method === "subscriptions/listen") return openListen(req, res, correlationId, endpoint, request, era);
    const session = sessions.create(endpoint, { ephemeral: true, principal: callerOf(req) });
    session.protocolVersion = era.revision;
    session.clientCapabilities = era.capabilities;
    session.clientInfo = era.clientInfo;
    session.logLevel = era.logLevel;
    const serverInfo = router.serverInfo(endpoint);
    return respond(req, res, correlationId, session, request, {}, (reply) =>
      encodeModern(request.method, request.id, reply, serverInfo),
    );
  }

  /** A listen stream holds a session for as long as it is open: it counts against the limits as one. */
  async function openListen(
    req: IncomingMessage,
    res: ServerResponse,
    correlationId: string,
    endpoint: Endpoint,
    request: JsonRpcRequest,
    era: ModernRequest,
  ): Promise<void> {
    if (deps.rateLimits && (await rateLimited(req, res, endpoint, request, deps, callerOf(req)))) return;
    if (await sessionRefused(req, res, request)) return;
    return listen(deps, res, endpoint, request, era, correlationId, callerOf(req));
  }

  /** Answers 503 `session_limit` or 429 `rate_limited` (with the request's id) when no session may be opened. */
  async function sessionRefused(req: IncomingMessage, res: ServerResponse, request: JsonRpcRequest): Promise<boolean> {
    const refusal = await sessions.admit(deps.clientKeyOf(req, callerOf(req))).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (refusal === undefined) return false;
    sendRpcError(res, refusal, request.id);
    return true;
  }

  /**
   * Answers with JSON unless the call has something to send before its response (progress, a server-initiated
   * request) or runs long enough to deserve a resumable stream. In a session, a broken connection does not
   * cancel the call (2025-era rule): its events are recorded and replayed on GET with Last-Event-ID.
   */
  async function respond(
    req: IncomingMessage,
    res: ServerResponse,
    correlationId: string,
    session: DownstreamSession,
    request: JsonRpcRequest,
    headers: Record<string, string>,
    encode: (reply: Reply) => { body: string; status: number } = (reply) => ({
      body: replyJson(request.id, reply),
      status: 200,
    }),
  ): Promise<void> {
    if (deps.rateLimits && (await rateLimited(req, res, session.endpoint, request, deps, session.principal))) return;
    const acceptsSse = (req.headers.accept ?? "").includes("text/event-stream");
    const resumable = !session.ephemeral;
    const takesRequests = takesServerRequests(session.protocolVersion);
    const controller = new AbortController();
    if (!resumable) {
      res.once("close", () => {
        if (!res.writableFinished) controller.abort();
      });
    }
    let stream: EventStream | undefined;
    const upgrade = (): EventStream => {
      const created = resumable ? streamsOf(session).create() : new EventStream();
      created.attach(res, headers);
      stream = created;
      return created;
    };
    const send = (message: JsonRpcMessage): boolean => {
      if (!takesRequests && "id" in message && "method" in message) return false;
      if (!stream) {
        if (!acceptsSse || res.headersSent || res.destroyed) return false;
        upgrade();
      }
      const open = stream as EventStream;
      if (open.isFinished) return false;
      open.write(JSON.stringify(message));
      return true;
    };
    const primer =
      resumable && acceptsSse && acceptsPriming(session.protocolVersion)
        ? setTimeout(() => {
            if (!stream && !res.headersSent && !res.destroyed) upgrade().prime();
          }, PRIME_AFTER_MS)
        : undefined;
    headers["x-request-id"] = correlationId;
    if (deps.tracer?.enabled) annotateRequest(deps.tracer, session, request);
    const out = encode(await router.handle(request, { session, correlationId, controller, send }));
    clearTimeout(primer);
    if (stream) stream.finish(out.body);
    else if (!res.destroyed) sendJson(res, out.status, out.body, headers);
  }

  /** GET: the session's notification stream, or the resumption of any of its streams with Last-Event-ID. */
  async function get(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint): Promise<void> {
    const session = await sessionFor(req, endpoint);
    if (!session) {
      // Without a session there is no stream to offer: 405 is how the spec says so (SDK clients then stop asking).
      res.setHeader("allow", "POST, DELETE");
      throw new SwitchboardError(
        "method_not_allowed",
        "GET needs an Mcp-Session-Id header: sessionless clients have no stream",
      );
    }
    if (!(req.headers.accept ?? "").includes("text/event-stream")) {
      sendBareError(res, "not_acceptable", "GET must accept text/event-stream");
      return;
    }
    const streams = streamsOf(session);
    const headers = { "mcp-session-id": session.id };
    const lastEventId = req.headers["last-event-id"];
    if (typeof lastEventId === "string") {
      const position = parseEventId(lastEventId);
      const stream = position && streams.get(position.key);
      if (!stream) throw new SwitchboardError("invalid_request", `unknown or expired Last-Event-ID "${lastEventId}"`);
      if (stream.attached) {
        sendBareError(res, "stream_conflict", "that stream is already being read");
        return;
      }
      stream.attach(res, headers, (position as { seq: number }).seq);
      if (stream === streams.standalone) keepAlive(stream, res);
      return;
    }
    if (streams.standalone?.attached) {
      sendBareError(res, "stream_conflict", "this session already has a stream open");
      return;
    }
    const standalone = streams.standalone ?? streams.create();
    if (!streams.standalone) {
      streams.standalone = standalone;
      // Recorded even while no client is attached, so a reconnect with Last-Event-ID misses nothing.
      session.push = (message) => {
        standalone.write(JSON.stringify(message));
        return true;
      };
    }
    standalone.attach(res, headers);
    standalone.comment("stream open");
    keepAlive(standalone, res);
  }

  async function remove(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint): Promise<void> {
    const session = await sessionFor(req, endpoint);
    if (!session) throw new SwitchboardError("invalid_request", "DELETE needs an Mcp-Session-Id header");
    sessions.end(session.id);
    res.writeHead(200).end();
  }

  return {
    /** Ends every open stream connection (shutdown). */
    closeStreams(): void {
      for (const streams of streamsBySession.values()) streams.closeAll();
    },
    /**
     * `correlationId`: the id the front minted for this request (X-Request-Id), carried to the router;
     * `principal`: who the front authenticated (sessions are opened for and bound to it).
     */
    async handle(
      req: IncomingMessage,
      res: ServerResponse,
      endpoint: Endpoint,
      correlationId: string,
      principal: Principal = ANONYMOUS,
    ): Promise<void> {
      callers.set(req, principal);
      try {
        checkProtocolVersion(req);
        if (req.method === "POST") return await post(req, res, endpoint, correlationId);
        if (req.method === "GET") return await get(req, res, endpoint);
        if (req.method === "DELETE") return await remove(req, res, endpoint);
        res.writeHead(405, { allow: "GET, POST, DELETE" }).end();
      } catch (error) {
        if (!res.headersSent) sendRpcError(res, error);
        else res.end();
      }
    },
  };
}

/** Answers 429 with Retry-After and the JSON-RPC error when the request's client or the gateway is out of tokens. */
async function rateLimited(
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: Endpoint,
  request: JsonRpcRequest,
  deps: McpEndpointDeps,
  principal: Principal,
): Promise<boolean> {
  const server = endpoint.kind === "server" ? endpoint.server : undefined;
  const gate = deps.rateLimits as RateLimitGate;
  const rejection = await admission(gate, deps.clientKeyOf(req, principal), request.method, server);
  if (!rejection) return false;
  sendRpcError(res, rejection, request.id);
  return true;
}

function keepAlive(stream: EventStream, res: ServerResponse): void {
  const timer = setInterval(() => stream.comment("keepalive"), SSE_KEEPALIVE_MS);
  timer.unref();
  res.once("close", () => clearInterval(timer));
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.kind === b.kind && (a.kind === "aggregate" || a.server === (b as { server: string }).server);
}

/** A 2025-era version header must name a revision the gateway speaks; POSTs may also name the 2026 era. */
function checkProtocolVersion(req: IncomingMessage): void {
  const version = req.headers["mcp-protocol-version"];
  if (typeof version === "string" && !acceptsVersionHeader(version, req.method)) {
    throw new SwitchboardError("invalid_request", `unsupported MCP-Protocol-Version: ${version}`, {
      data: { supported: SUPPORTED_PROTOCOL_VERSIONS },
    });
  }
}

/** The MCP attributes of a request's server span; named `{method} {tool or prompt}` as OpenTelemetry's MCP conventions do. */
function annotateRequest(tracer: Tracer, session: DownstreamSession, request: JsonRpcRequest): void {
  const target = request.params?.name;
  tracer.annotate(
    {
      "mcp.method.name": request.method,
      "mcp.session.id": session.ephemeral ? undefined : session.id,
      "mcp.protocol.version": session.protocolVersion,
      "jsonrpc.request.id": String(request.id),
      "gen_ai.tool.name": request.method === "tools/call" ? String(target) : undefined,
    },
    { name: typeof target === "string" ? `${request.method} ${target}` : request.method },
  );
}

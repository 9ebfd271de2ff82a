// The MCP streamable HTTP endpoint (`/mcp` and `/mcp/{server}`): a lean node:http handler. Responses are plain
// JSON unless a request produces notifications (progress) and the client accepts SSE, in which case that
// response is upgraded to a stream on the fly. GET opens a session's notification stream; DELETE ends it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { SwitchboardError } from "../../core/errors.ts";
import {
  envelopeProblem,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
} from "../../core/jsonrpc.ts";
import { isSupportedProtocolVersion, SUPPORTED_PROTOCOL_VERSIONS } from "../../core/protocol.ts";
import type { Router } from "../../services/router/router.ts";
import type { DownstreamSession, Endpoint, SessionRegistry } from "../../services/router/sessions.ts";
import { readBody } from "./guards.ts";
import { sendJson, sendRpcError } from "./respond.ts";

const SSE_KEEPALIVE_MS = 25_000;

export interface McpEndpointDeps {
  router: Router;
  sessions: SessionRegistry;
  maxBodyBytes: number;
}

export function createMcpEndpoint(deps: McpEndpointDeps) {
  const { router, sessions } = deps;
  /** Open GET streams, ended when the front closes. */
  const streams = new Set<ServerResponse>();

  function sessionFor(req: IncomingMessage, endpoint: Endpoint): DownstreamSession | undefined {
    const id = req.headers["mcp-session-id"];
    if (typeof id !== "string") return undefined;
    const session = sessions.get(id);
    if (!session || !sameEndpoint(session.endpoint, endpoint)) {
      throw new SwitchboardError("session_not_found", "session not found or ended; initialize a new one");
    }
    return session;
  }

  async function post(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint): Promise<void> {
    const body = await readBody(req, deps.maxBodyBytes);
    let message: unknown;
    try {
      message = JSON.parse(body);
    } catch {
      throw new SwitchboardError("parse_error", "request body is not valid JSON");
    }
    const problem = envelopeProblem(message);
    if (problem) throw new SwitchboardError("invalid_request", problem);
    const msg = message as JsonRpcMessage;
    let session = sessionFor(req, endpoint);
    if (!("method" in msg)) {
      // A client's answer to a server-initiated request: nothing is waiting for these yet.
      res.writeHead(202).end();
      return;
    }
    if (!("id" in msg) || msg.id === undefined) {
      if (session) router.notification(session, msg as JsonRpcNotification);
      res.writeHead(202).end();
      return;
    }
    const request = msg as JsonRpcRequest;
    const headers: Record<string, string> = {};
    if (!session) {
      // initialize opens a session; any other request without one is served statelessly.
      session = sessions.create(endpoint, request.method !== "initialize");
      if (!session.ephemeral) headers["mcp-session-id"] = session.id;
    }
    await respond(req, res, session, request, headers);
  }

  async function respond(
    req: IncomingMessage,
    res: ServerResponse,
    session: DownstreamSession,
    request: JsonRpcRequest,
    headers: Record<string, string>,
  ): Promise<void> {
    const acceptsSse = (req.headers.accept ?? "").includes("text/event-stream");
    const controller = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    let streaming = false;
    const notify = (notification: JsonRpcNotification) => {
      if (!acceptsSse || res.writableEnded || res.destroyed) return;
      if (!streaming) {
        streaming = true;
        res.writeHead(200, { ...headers, "content-type": "text/event-stream", "cache-control": "no-cache" });
      }
      res.write(`event: message\ndata: ${JSON.stringify(notification)}\n\n`);
    };
    const out = await router.handle(session, request, { controller, notify });
    if (res.destroyed) return;
    if (streaming) res.end(`event: message\ndata: ${out}\n\n`);
    else sendJson(res, 200, out, headers);
  }

  function get(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint): void {
    const session = sessionFor(req, endpoint);
    if (!session)
      throw new SwitchboardError("invalid_request", "GET needs an Mcp-Session-Id header (initialize first)");
    if (!(req.headers.accept ?? "").includes("text/event-stream")) {
      sendJson(
        res,
        406,
        JSON.stringify({
          jsonrpc: "2.0",
          id: null,
          error: { code: -32600, message: "GET must accept text/event-stream" },
        }),
      );
      return;
    }
    if (session.onClose) {
      sendJson(
        res,
        409,
        JSON.stringify({
          jsonrpc: "2.0",
          id: null,
          error: { code: -32600, message: "this session already has a stream open" },
        }),
      );
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "mcp-session-id": session.id,
    });
    res.write(": stream open\n\n");
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), SSE_KEEPALIVE_MS);
    keepalive.unref();
    streams.add(res);
    const detach = () => {
      clearInterval(keepalive);
      streams.delete(res);
      session.push = () => {};
      session.onClose = undefined;
    };
    session.push = (notification) => {
      res.write(`event: message\ndata: ${JSON.stringify(notification)}\n\n`);
    };
    session.onClose = () => {
      detach();
      res.end();
    };
    res.once("close", detach);
  }

  function remove(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint): void {
    const session = sessionFor(req, endpoint);
    if (!session) throw new SwitchboardError("invalid_request", "DELETE needs an Mcp-Session-Id header");
    sessions.end(session.id);
    res.writeHead(200).end();
  }

  return {
    /** Ends every open GET stream (shutdown). */
    closeStreams(): void {
      for (const res of [...streams]) res.end();
    },
    async handle(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint): Promise<void> {
      try {
        checkProtocolVersion(req);
        if (req.method === "POST") return await post(req, res, endpoint);
        if (req.method === "GET") return get(req, res, endpoint);
        if (req.method === "DELETE") return remove(req, res, endpoint);
        res.writeHead(405, { allow: "GET, POST, DELETE" }).end();
      } catch (error) {
        if (!res.headersSent) sendRpcError(res, error);
        else res.end();
      }
    },
  };
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.kind === b.kind && (a.kind === "aggregate" || a.server === (b as { server: string }).server);
}

function checkProtocolVersion(req: IncomingMessage): void {
  const version = req.headers["mcp-protocol-version"];
  if (typeof version === "string" && !isSupportedProtocolVersion(version)) {
    throw new SwitchboardError("invalid_request", `unsupported MCP-Protocol-Version: ${version}`, {
      data: { supported: SUPPORTED_PROTOCOL_VERSIONS },
    });
  }
}

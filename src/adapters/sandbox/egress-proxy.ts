// The egress proxy of one `network: allow` server: HTTP CONNECT tunnels and plain absolute-form HTTP requests,
// let through only to destinations on the server's allow-list and never to the gateway's machine or network
// unless a rule names that very address. Names are resolved once here and the connection goes to the checked
// address, so a name cannot resolve to something else between the check and the connect (DNS rebinding).
import { promises as dns } from "node:dns";
import { chmod, lstat, unlink } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { isIpLiteral } from "../../core/ip-ranges.ts";
import type { EgressRule } from "../../core/sandbox.ts";
import {
  decide,
  denialMessage,
  type EgressDenial,
  type EgressVerdict,
  matchingRule,
  parseAbsolute,
  parseAuthority,
  type Target,
} from "./egress-decision.ts";

// The decision is usable (and tested) without a socket; it is part of this module's surface.
export { decide, denialMessage, type EgressDenial, type EgressVerdict, matchingRule, parseAuthority };

export const DEFAULT_MAX_CONNECTIONS = 64;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Bound on the request line and headers of one request; over it the client gets 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface EgressDecision {
  server: string;
  host: string;
  port: number;
  allowed: boolean;
  /** Set when denied. */
  reason?: EgressDenial;
  /** The address connected to (allowed) or the one refused (denied by range). */
  address?: string;
}

export interface EgressProxyOptions {
  server: string;
  rules: readonly EgressRule[];
  /** A Unix socket (for a sandbox without network) or a loopback TCP port (0: any free port). */
  listen: { path: string } | { host: "127.0.0.1"; port: number };
  /** Resolves a name to its addresses. Default: the system resolver (dns.promises.lookup, all addresses). */
  lookup?: (host: string) => Promise<string[]>;
  /** Every decision, allowed and denied. Must not throw (an exception is swallowed). */
  onDecision?: (decision: EgressDecision) => void;
  /** Open client connections at most; one more is answered 503 and closed. Default 64. */
  maxConnections?: number;
  /** A client or upstream connection silent this long is closed, in ms. Default 60 000. */
  idleTimeoutMs?: number;
  /** Bound on resolving the name, and then on connecting to its address, in ms; past it the client gets 502. Default 10 000. */
  connectTimeoutMs?: number;
  /** Aborting closes the proxy. */
  signal?: AbortSignal;
}

export interface EgressProxy {
  /** The socket path, or the loopback host and port. */
  address: string | { host: string; port: number };
  /** Stops listening and destroys every open connection; removes the socket file. Idempotent. */
  close(): Promise<void>;
}

function plainResponse(status: number, reason: string, body: string): string {
  const length = Buffer.byteLength(body);
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`;
}

function defaultLookup(host: string): Promise<string[]> {
  return dns.lookup(host, { all: true }).then((entries) => entries.map((entry) => entry.address));
}

/** Rejects after `ms` (the proxy's connect timeout), so a slow resolver cannot hold a connection slot forever. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own; a forwarded message never carries them. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Headers to forward: without hop-by-hop ones and those the Connection header names. */
function endToEndHeaders(headers: NodeJS.Dict<string[]>): Record<string, string[]> {
  const named = new Set((headers.connection ?? []).flatMap((value) => value.toLowerCase().split(/\s*,\s*/)));
  const kept: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    if (values && !HOP_BY_HOP.has(name) && !named.has(name)) kept[name] = values;
  }
  return kept;
}

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const lookup = options.lookup ?? defaultLookup;
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();
  /** Connections answered 503, kept only so close() can end them too. */
  const rejected = new Set<Socket>();
  let closing: Promise<void> | undefined;

  const report = (decision: EgressDecision): void => {
    try {
      options.onDecision?.(decision);
    } catch {
      // An observer's bug must not break the connection it observes.
    }
  };

  /** The address to connect to, or the status and text to answer with. */
  const authorize = async (target: Target): Promise<{ address: string } | { status: number; text: string }> => {
    const { host, port } = target;
    let addresses: string[] = [];
    // The name is checked before it is resolved: names off the list are never even looked up.
    if (matchingRule(options.rules, host, port)) {
      try {
        addresses = isIpLiteral(host) ? [host] : await withTimeout(lookup(host), connectTimeoutMs);
      } catch {
        addresses = [];
      }
    }
    const verdict = decide(options.rules, host, port, addresses);
    report({ server: options.server, host, port, ...verdict });
    if (verdict.allowed) return { address: verdict.address };
    const status = verdict.reason === "unresolved" ? 502 : 403;
    return { status, text: denialMessage(host, port, verdict.reason) };
  };

  /** A connection to the checked address (an IP: no second resolution), within the connect timeout. */
  const dial = (address: string, port: number): Promise<Socket> =>
    new Promise((resolve, reject) => {
      if (closing) return reject(new Error("the egress proxy is closing"));
      const socket = connect({ host: address, port });
      upstreams.add(socket);
      socket.on("close", () => upstreams.delete(socket));
      socket.on("error", reject);
      socket.setTimeout(connectTimeoutMs, () => socket.destroy(new Error("connect timed out")));
      socket.once("connect", () => {
        socket.off("error", reject);
        socket.on("error", () => socket.destroy());
        socket.setTimeout(idleTimeoutMs, () => socket.destroy());
        resolve(socket);
      });
    });

  const tunnel = async (request: IncomingMessage, client: Duplex, head: Buffer): Promise<void> => {
    const target = request.url ? parseAuthority(request.url) : undefined;
    if (!target) return void client.end(plainResponse(400, "Bad Request", "malformed CONNECT target\n"));
    const outcome = await authorize(target);
    if ("status" in outcome) {
      return void client.end(
        plainResponse(outcome.status, outcome.status === 403 ? "Forbidden" : "Bad Gateway", outcome.text),
      );
    }
    if (client.destroyed) return;
    let upstream: Socket;
    try {
      upstream = await dial(outcome.address, target.port);
    } catch (error) {
      const text = `egress to ${request.url} failed: ${(error as Error).message}\n`;
      return void client.end(plainResponse(502, "Bad Gateway", text));
    }
    if (client.destroyed) return void upstream.destroy();
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
  };

  const forward = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const refuse = (status: number, reason: string, text: string): void => {
      response.writeHead(status, reason, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(text),
        connection: "close",
      });
      response.end(text);
    };
    const target = request.url ? parseAbsolute(request.url) : undefined;
    if (!target) return refuse(400, "Bad Request", "only absolute http:// requests and CONNECT are proxied\n");
    const outcome = await authorize(target);
    if ("status" in outcome)
      return refuse(outcome.status, outcome.status === 403 ? "Forbidden" : "Bad Gateway", outcome.text);
    if (response.destroyed) return;
    let socket: Socket;
    try {
      socket = await dial(outcome.address, target.port);
    } catch (error) {
      return refuse(502, "Bad Gateway", `egress to ${target.authority} failed: ${(error as Error).message}\n`);
    }
    if (response.destroyed) return void socket.destroy();
    relay(request, response, target, socket);
  };

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 0 });
  server.timeout = idleTimeoutMs;
  server.headersTimeout = Math.min(idleTimeoutMs, 60_000);
  server.on("connection", (socket: Socket) => {
    socket.on("error", () => socket.destroy());
    if (clients.size >= maxConnections) {
      rejected.add(socket);
      socket.on("close", () => rejected.delete(socket));
      socket.end(plainResponse(503, "Service Unavailable", "too many connections through the egress proxy\n"));
      // The client may never close its side: the answer is out, the slot is not kept.
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    clients.add(socket);
    socket.on("close", () => clients.delete(socket));
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === "ECONNRESET") return void socket.destroy();
    if (error.code === "HPE_HEADER_OVERFLOW") {
      return void socket.end(plainResponse(431, "Request Header Fields Too Large", "headers too large\n"));
    }
    socket.end(plainResponse(400, "Bad Request", "malformed request\n"));
  });
  server.on("connect", (request: IncomingMessage, client: Duplex, head: Buffer) => {
    // A connection answered 503 may still have sent a request before it was ended: it gets nothing.
    if (!clients.has(request.socket)) return void client.destroy();
    // Node stops watching a CONNECT socket once handed over: its idle timeout is ours to enforce from here.
    client.on("timeout", () => client.destroy());
    tunnel(request, client, head).catch(() => client.destroy());
  });
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    if (!clients.has(request.socket)) return void response.destroy();
    forward(request, response).catch(() => response.destroy());
  });
  server.on("upgrade", (_request: IncomingMessage, client: Duplex) => {
    client.end(plainResponse(400, "Bad Request", "protocol upgrades are not proxied; use CONNECT\n"));
  });

  options.signal?.throwIfAborted();
  const address = await listen(server, options.listen);
  // Accept failures (EMFILE) are emitted on the server; they end one connection attempt, not the gateway.
  server.on("error", () => undefined);
  const close = (): Promise<void> => {
    closing ??= (async () => {
      options.signal?.removeEventListener("abort", onAbort);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of [...clients, ...upstreams, ...rejected]) socket.destroy();
      await closed;
      if ("path" in options.listen) await unlink(options.listen.path).catch(() => undefined);
    })();
    return closing;
  };
  const onAbort = (): void => void close();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  return { address, close };
}

/** Sends the request on in origin form with end-to-end headers only, and the response back. */
function relay(
  request: IncomingMessage,
  response: ServerResponse,
  target: { path: string; authority: string },
  socket: Socket,
): void {
  const headers = { ...endToEndHeaders(request.headersDistinct), host: target.authority, connection: "close" };
  const outgoing = httpRequest({
    createConnection: () => socket,
    method: request.method,
    path: target.path,
    headers,
    setHost: false,
  });
  outgoing.on("error", () => {
    // Once the response has begun, only cutting it short tells the client it is incomplete.
    if (response.headersSent) return void response.destroy();
    const text = "the upstream connection failed\n";
    const length = Buffer.byteLength(text);
    response.writeHead(502, {
      "content-type": "text/plain; charset=utf-8",
      "content-length": length,
      connection: "close",
    });
    response.end(text);
  });
  outgoing.on("response", (incoming) => {
    incoming.on("error", () => response.destroy());
    const kept = { ...endToEndHeaders(incoming.headersDistinct), connection: "close" };
    response.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, kept);
    incoming.pipe(response);
  });
  request.on("error", () => outgoing.destroy());
  response.on("close", () => {
    outgoing.destroy();
    socket.destroy();
  });
  request.pipe(outgoing);
}

async function listen(
  server: ReturnType<typeof createServer>,
  where: EgressProxyOptions["listen"],
): Promise<EgressProxy["address"]> {
  if ("path" in where) await removeStaleSocket(where.path);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const done = (): void => {
      server.off("error", reject);
      resolve();
    };
    if ("path" in where) server.listen(where.path, done);
    else server.listen(where.port, where.host, done);
  });
  if ("path" in where) {
    // The sandboxed server may run as nobody (uid 65534); the socket is only reachable inside its sandbox.
    await chmod(where.path, 0o666);
    return where.path;
  }
  const bound = server.address();
  if (!bound || typeof bound === "string") throw new Error("the egress proxy has no TCP address");
  return { host: bound.address, port: bound.port };
}

/** A socket file left by a previous run would make listen fail with EADDRINUSE; anything else is not ours. */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!stat) return;
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket`);
  await unlink(path);
}

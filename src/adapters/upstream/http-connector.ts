// Remote upstreams over streamable HTTP, falling back to the older HTTP+SSE transport when the server answers
// the first POST with a 4xx (the fallback the MCP specification describes). Built on the SDK's client transports.
import {
  type OAuthClientProvider,
  SdkHttpError,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from "@modelcontextprotocol/client";
import { SwitchboardError } from "../../core/errors.ts";
import type { JsonRpcMessage } from "../../core/jsonrpc.ts";
import type { HttpTransportSpec, ServerSpec } from "../../core/server-spec.ts";
import { isUnserializable, unserializableRequest } from "../../core/unserializable.ts";
import type { ConnectionClosed, Connector, UpstreamConnection } from "../../ports/connector.ts";
import type { Logger } from "../../ports/logger.ts";
import type { Tracer } from "../../ports/tracer.ts";
import { authFailure, isAuthFailure } from "./oauth-errors.ts";

/** Where a server with `oauth` gets its OAuth client (tokens, registration, pending authorization). */
export interface OAuthProviders {
  providerFor(spec: ServerSpec): OAuthClientProvider | undefined;
}

/**
 * With a tracer, each POST carries the trace context of the request that caused it (`traceparent`). With
 * `oauth`, a server that has an `oauth` setting is sent its bearer token, refreshed by the SDK on a 401.
 */
export function createHttpConnector(logger: Logger, tracer?: Tracer, oauth?: OAuthProviders): Connector {
  const fetch = tracer?.enabled ? tracedFetch(tracer) : undefined;
  return {
    async open(spec, signal) {
      if (spec.transport.kind !== "http") throw new Error(`server ${spec.name} is not a remote server`);
      signal.throwIfAborted();
      const authProvider = spec.oauth ? oauth?.providerFor(spec) : undefined;
      if (spec.oauth && !authProvider)
        throw new SwitchboardError("upstream_unavailable", `server ${spec.name} needs OAuth, which is not set up here`);
      const connection = new HttpConnection(
        spec,
        spec.transport,
        logger.child({ server: spec.name }),
        fetch,
        authProvider,
      );
      await connection.start(spec.transport.mode === "sse" ? "sse" : "streamable-http");
      return connection;
    },
  };
}

class HttpConnection implements UpstreamConnection {
  readonly pid = undefined;
  onMessage: (message: JsonRpcMessage) => void = () => {};
  onClose: (closed: ConnectionClosed) => void = () => {};
  private transport!: Transport;
  private kind: "streamable-http" | "sse" = "streamable-http";
  private delivered = false;
  private closed = false;
  private closeRequested = false;
  private lastError: string | undefined;

  private readonly spec: ServerSpec;
  private readonly transportSpec: HttpTransportSpec;
  private readonly logger: Logger;
  private readonly fetch: typeof globalThis.fetch | undefined;
  private readonly authProvider: OAuthClientProvider | undefined;

  constructor(
    spec: ServerSpec,
    transportSpec: HttpTransportSpec,
    logger: Logger,
    fetch: typeof globalThis.fetch | undefined,
    authProvider: OAuthClientProvider | undefined,
  ) {
    this.spec = spec;
    this.transportSpec = transportSpec;
    this.logger = logger;
    this.fetch = fetch;
    this.authProvider = authProvider;
  }

  async start(kind: "streamable-http" | "sse"): Promise<void> {
    this.kind = kind;
    const { url, headers } = withoutUserInfo(new URL(this.transportSpec.url), this.transportSpec.headers);
    const requestInit = { headers };
    const options = {
      requestInit,
      ...(this.fetch ? { fetch: this.fetch } : {}),
      ...(this.authProvider ? { authProvider: this.authProvider } : {}),
    };
    const transport: Transport =
      kind === "sse" ? new SSEClientTransport(url, options) : new StreamableHTTPClientTransport(url, options);
    transport.onmessage = (message) => this.onMessage(message as JsonRpcMessage);
    transport.onerror = (error) => {
      this.lastError = error.message;
      this.logger.warn({ err: error, transport: kind }, "remote server transport error");
    };
    transport.onclose = () => {
      if (this.transport !== transport || this.closed) return;
      this.closed = true;
      this.onClose({ reason: this.lastError ?? "connection closed", requested: this.closeRequested, stderrTail: [] });
    };
    this.transport = transport;
    try {
      await transport.start();
    } catch (error) {
      if (error instanceof SwitchboardError) throw error;
      if (this.authProvider && isAuthFailure(error)) throw authFailure(this.spec, error);
      throw unavailable(this.spec.name, error);
    }
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed || this.closeRequested)
      throw new SwitchboardError("upstream_unavailable", `server ${this.spec.name} is not connected`);
    try {
      await this.transport.send(message as Parameters<Transport["send"]>[0]);
      this.delivered = true;
    } catch (error) {
      // Serializing the message failed before anything was sent: the request's fault, not the server's.
      if (isUnserializable(error)) throw unserializableRequest(this.spec.name, error);
      // Refused for want of authorization (a 401 is answered before anything runs): never "may have run".
      if (error instanceof SwitchboardError) throw error;
      if (this.authProvider && isAuthFailure(error)) throw authFailure(this.spec, error);
      if (this.shouldFallBack(error)) {
        this.logger.info({ url: this.transportSpec.url }, "streamable HTTP refused; falling back to HTTP+SSE");
        const old = this.transport;
        await this.start("sse");
        void old.close().catch(() => {});
        await this.send(message);
        return;
      }
      // A request whose connection broke after it was sent may have run: never treat it as undelivered.
      if (isRequest(message) && !neverConnected(error)) throw droppedAfterSend(this.spec.name, error, message);
      throw unavailable(this.spec.name, error);
    }
  }

  /** Only the very first message (initialize) of an `auto` connection may trigger the fallback. */
  private shouldFallBack(error: unknown): boolean {
    if (this.transportSpec.mode !== "auto" || this.kind !== "streamable-http" || this.delivered) return false;
    const status = error instanceof SdkHttpError ? error.status : undefined;
    return status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403;
  }

  /** Protocol version header for later requests, once initialize agreed on one. */
  setProtocolVersion(version: string): void {
    this.transport.setProtocolVersion?.(version);
  }

  stderrTail(): readonly string[] {
    return [];
  }

  async close(_graceMs: number): Promise<void> {
    if (this.closeRequested) return;
    this.closeRequested = true;
    // Ends the session on servers that keep one (DELETE), then closes the streams.
    const streamable = this.transport as Partial<StreamableHTTPClientTransport>;
    await streamable.terminateSession?.().catch(() => {});
    await this.transport.close().catch(() => {});
    if (!this.closed) {
      this.closed = true;
      this.onClose({ reason: "closed by the gateway", requested: true, stderrTail: [] });
    }
  }
}

function unavailable(name: string, error: unknown): SwitchboardError {
  const detail = error instanceof Error ? error.message : String(error);
  return new SwitchboardError("upstream_unavailable", `server ${name} is unreachable: ${detail}`, { cause: error });
}

/** Network errors that prove the request never left: nothing listened, or the name did not resolve. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function neverConnected(error: unknown): boolean {
  // A 4xx answer is a refusal of the request itself (bad request, auth, unknown session, too large, rate
  // limited): it did not run. A 5xx may come after the work started — a 500 from the tool's code, a proxy's 502
  // or 504 while the server goes on running it — so it counts as "may have run" and is never retried.
  if (error instanceof SdkHttpError) return error.status >= 400 && error.status < 500;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && NOT_CONNECTED.has(code)) return true;
  }
  return false;
}

function isRequest(message: JsonRpcMessage): boolean {
  return "method" in message && "id" in message && message.id !== undefined && message.id !== null;
}

function droppedAfterSend(name: string, error: unknown, message: JsonRpcMessage): SwitchboardError {
  // A tool call says so in data too, as calls cut short in flight do (a side-effecting tool may have run).
  const data = "method" in message && message.method === "tools/call" ? { mayHaveRun: true } : undefined;
  if (error instanceof SdkHttpError) {
    return new SwitchboardError(
      "upstream_closed",
      `server ${name} answered HTTP ${error.status} after the request was sent; it may have run`,
      { cause: error, data },
    );
  }
  const detail = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : "";
  return new SwitchboardError(
    "upstream_closed",
    `server ${name}: the connection dropped after the request was sent; it may have run (${detail || String(error)})`,
    { cause: error, data },
  );
}

/**
 * fetch refuses URLs with credentials (and they would show in every error message): `user:password@` becomes a
 * Basic Authorization header, unless the configuration sets one itself.
 */
function withoutUserInfo(
  url: URL,
  configured: Readonly<Record<string, string>>,
): { url: URL; headers: Record<string, string> } {
  const headers = { ...configured };
  if (!url.username && !url.password) return { url, headers };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "authorization")) {
    headers.Authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
  }
  const bare = new URL(url);
  bare.username = "";
  bare.password = "";
  return { url: bare, headers };
}

/** fetch with `traceparent` on POSTs (GET streams outlive any one request and carry none). */
function tracedFetch(tracer: Tracer): typeof globalThis.fetch {
  return (input, init) => {
    if (init?.method !== "POST") return globalThis.fetch(input, init);
    const headers = new Headers(init.headers);
    const trace: Record<string, string> = {};
    tracer.inject(trace);
    for (const [name, value] of Object.entries(trace)) headers.set(name, value);
    return globalThis.fetch(input, { ...init, headers });
  };
}

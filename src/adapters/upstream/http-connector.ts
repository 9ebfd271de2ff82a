// Remote upstreams over streamable HTTP, falling back to the older HTTP+SSE transport when the server answers
// the first POST with a 4xx (the fallback the MCP specification describes). Built on the SDK's client transports.
import {
  SdkHttpError,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from "@modelcontextprotocol/client";
import { SwitchboardError } from "../../core/errors.ts";
import type { JsonRpcMessage } from "../../core/jsonrpc.ts";
import type { HttpTransportSpec, ServerSpec } from "../../core/server-spec.ts";
import type { ConnectionClosed, Connector, UpstreamConnection } from "../../ports/connector.ts";
import type { Logger } from "../../ports/logger.ts";

export function createHttpConnector(logger: Logger): Connector {
  return {
    async open(spec, signal) {
      if (spec.transport.kind !== "http") throw new Error(`server ${spec.name} is not a remote server`);
      signal.throwIfAborted();
      const connection = new HttpConnection(spec, spec.transport, logger);
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

  constructor(spec: ServerSpec, transportSpec: HttpTransportSpec, logger: Logger) {
    this.spec = spec;
    this.transportSpec = transportSpec;
    this.logger = logger;
  }

  async start(kind: "streamable-http" | "sse"): Promise<void> {
    this.kind = kind;
    const url = new URL(this.transportSpec.url);
    const requestInit = { headers: { ...this.transportSpec.headers } };
    const transport: Transport =
      kind === "sse"
        ? new SSEClientTransport(url, { requestInit })
        : new StreamableHTTPClientTransport(url, { requestInit });
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
      if (this.shouldFallBack(error)) {
        this.logger.info({ url: this.transportSpec.url }, "streamable HTTP refused; falling back to HTTP+SSE");
        const old = this.transport;
        await this.start("sse");
        void old.close().catch(() => {});
        await this.send(message);
        return;
      }
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

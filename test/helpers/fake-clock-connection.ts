// An in-memory connection pair for fake-clock tests of the peer and the supervisor: the gateway's end is an
// UpstreamConnection, the server's end sees every message the gateway sends and answers (or not) as the test
// says. It answers the handshake and pings by itself unless told otherwise; nothing here reads the wall clock.
import type { JsonRpcMessage, JsonRpcRequest } from "../../src/core/jsonrpc.ts";
import type { ConnectionClosed, Connector, UpstreamConnection } from "../../src/ports/connector.ts";

export interface ServerEnd {
  /** Every message the gateway sent, in order. */
  readonly received: JsonRpcMessage[];
  /** Requests of `method` the gateway sent, in order. */
  requests(method: string): JsonRpcRequest[];
  /** Hands a message to the gateway as if the server wrote it. */
  send(message: JsonRpcMessage): void;
  /** Whether pings are answered (a hung server stops answering them). */
  answerPings: boolean;
  /** Ends the connection as a crash (the process exited) or as the gateway's own close. */
  end(closed?: Partial<ConnectionClosed>): void;
}

export interface LinkedConnection {
  /** The gateway's end. */
  readonly connection: UpstreamConnection;
  /** The server's end. */
  readonly server: ServerEnd;
}

const INITIALIZED = { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "fake", version: "1" } };

/** A linked pair; `pid` tells one connection of a supervisor from the next. */
export function linkedConnection(pid = 4242): LinkedConnection {
  let open = true;
  const received: JsonRpcMessage[] = [];
  const server: ServerEnd = {
    received,
    requests: (method) =>
      received.filter((m): m is JsonRpcRequest => "method" in m && "id" in m && m.method === method),
    send: (message) => queueMicrotask(() => open && connection.onMessage(message)),
    answerPings: true,
    end(closed = {}) {
      if (!open) return;
      open = false;
      connection.onClose({ reason: "exited with code 1", requested: false, stderrTail: [], ...closed });
    },
  };
  const connection: UpstreamConnection = {
    pid,
    onMessage: () => {},
    onClose: () => {},
    send(message) {
      if (!open) throw new Error("server fake is not running");
      received.push(message);
      if (!("method" in message) || !("id" in message)) return;
      if (message.method === "initialize") server.send({ jsonrpc: "2.0", id: message.id, result: INITIALIZED });
      if (message.method === "ping" && server.answerPings) server.send({ jsonrpc: "2.0", id: message.id, result: {} });
    },
    async close() {
      server.end({ reason: "closed", requested: true });
    },
    stderrTail: () => [],
  };
  return { connection, server };
}

/** A connector that opens linked connections, keeping their server ends for the test (the last one first). */
export function linkedConnector(): Connector & { opened: ServerEnd[]; last(): ServerEnd } {
  const opened: ServerEnd[] = [];
  return {
    opened,
    last: () => opened[opened.length - 1] as ServerEnd,
    async open() {
      const { connection, server } = linkedConnection(4242 + opened.length);
      opened.push(server);
      return connection;
    },
  };
}

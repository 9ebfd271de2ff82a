// The Connector contract: every adapter registers these tests through a factory that starts a real MCP server
// (server-everything, so each adapter is checked against the same peer) and says how it ends that server.
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { SwitchboardError } from "../../src/core/errors.ts";
import type { JsonRpcMessage } from "../../src/core/jsonrpc.ts";
import type { ServerSpec } from "../../src/core/server-spec.ts";
import type { ConnectionClosed, Connector, UpstreamConnection } from "../../src/ports/connector.ts";

export interface ConnectorFixture {
  connector: Connector;
  /** A running (or startable) server-everything. */
  spec: ServerSpec;
  /** A server nothing answers for: a command that does not exist, a port nobody listens on. */
  unreachable: ServerSpec;
  /** Ends the server behind an open connection from outside, as a crash would. */
  kill(connection: UpstreamConnection): Promise<void>;
  /**
   * How the adapter notices that its server died: the connection closes (a child process), or, where no
   * connection lasts between requests (streamable HTTP), the next request fails.
   */
  death: "close" | "send";
  cleanup(): Promise<void>;
}

export type ConnectorFactory = () => Promise<ConnectorFixture>;

const PROTOCOL_VERSION = "2025-06-18";
/** Longest wait for anything the server or the connection owes: a broken adapter fails instead of hanging. */
const WAIT_MS = 15_000;

/** `promise`, or a rejection naming `what` after WAIT_MS. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** An open connection with its messages collected: requests matched to responses by id, closes counted. */
class Peer {
  readonly messages: JsonRpcMessage[] = [];
  readonly closes: ConnectionClosed[] = [];
  readonly closed: Promise<ConnectionClosed>;
  private readonly waiting = new Map<string, (message: JsonRpcMessage) => void>();
  private readonly listeners = new Set<(message: JsonRpcMessage) => void>();
  private nextId = 1;
  readonly connection: UpstreamConnection;

  constructor(connection: UpstreamConnection) {
    this.connection = connection;
    let reportClose: (closed: ConnectionClosed) => void = () => {};
    this.closed = new Promise((resolve) => {
      reportClose = resolve;
    });
    connection.onMessage = (message) => {
      this.messages.push(message);
      const id = "id" in message && !("method" in message) ? JSON.stringify(message.id) : undefined;
      if (id !== undefined) this.waiting.get(id)?.(message);
      for (const listener of this.listeners) listener(message);
    };
    connection.onClose = (closed) => {
      this.closes.push(closed);
      reportClose(closed);
    };
  }

  /** Sends a request and resolves with the message answering it. */
  async request(method: string, params: Record<string, unknown> = {}): Promise<JsonRpcMessage> {
    const id = this.nextId++;
    const answer = new Promise<JsonRpcMessage>((resolve) => this.waiting.set(JSON.stringify(id), resolve));
    await this.connection.send({ jsonrpc: "2.0", id, method, params } as JsonRpcMessage);
    return within(answer, `answer to ${method}`);
  }

  notify(method: string, params: Record<string, unknown> = {}): void | Promise<void> {
    return this.connection.send({ jsonrpc: "2.0", method, params } as JsonRpcMessage);
  }

  /** Resolves with the first message from the server that `match` accepts. */
  next(match: (message: JsonRpcMessage) => boolean): Promise<JsonRpcMessage> {
    return new Promise<JsonRpcMessage>((resolve) => {
      const listener = (message: JsonRpcMessage) => {
        if (!match(message)) return;
        this.listeners.delete(listener);
        resolve(message);
      };
      this.listeners.add(listener);
    });
  }

  /** The close report, once the connection has ended. */
  whenClosed(): Promise<ConnectionClosed> {
    return within(this.closed, "close report");
  }

  /** The MCP handshake; `capabilities` are the client's. */
  async initialize(capabilities: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const reply = await this.request("initialize", {
      protocolVersion: PROTOCOL_VERSION,
      capabilities,
      clientInfo: { name: "connector-contract", version: "1" },
    });
    await this.notify("notifications/initialized");
    return result(reply);
  }
}

function result(message: JsonRpcMessage): Record<string, unknown> {
  assert.ok("result" in message, `a result, not ${JSON.stringify(message)}`);
  return message.result as Record<string, unknown>;
}

function firstText(message: JsonRpcMessage): string {
  const content = result(message).content as { text?: string }[];
  return String(content[0]?.text);
}

/** Resolves with the rejection of `attempt` (sync throw or async rejection); fails if it succeeds. */
async function failure(attempt: () => unknown): Promise<unknown> {
  try {
    await attempt();
  } catch (error) {
    return error;
  }
  assert.fail("expected a failure");
}

function assertUnavailable(error: unknown): void {
  assert.ok(error instanceof SwitchboardError, `a SwitchboardError, not ${String(error)}`);
  assert.equal(error.code, "upstream_unavailable", error.message);
}

export function connectorContract(name: string, factory: ConnectorFactory): void {
  const open = async (t: TestContext) => {
    const fixture = await factory();
    const connections: UpstreamConnection[] = [];
    t.after(async () => {
      await Promise.all(connections.map((connection) => connection.close(500)));
      await fixture.cleanup();
    });
    const connect = async (spec = fixture.spec, signal = new AbortController().signal) => {
      const connection = await fixture.connector.open(spec, signal);
      connections.push(connection);
      return new Peer(connection);
    };
    return { fixture, connect };
  };

  describe(`Connector contract: ${name}`, () => {
    test("requests and responses travel both ways; the server's notifications arrive before its answer", async (t) => {
      const { connect } = await open(t);
      const peer = await connect();
      const init = await peer.initialize();
      assert.equal((init.serverInfo as { name?: string }).name, "mcp-servers/everything");
      const tools = result(await peer.request("tools/list")).tools as { name: string }[];
      assert.ok(tools.some((tool) => tool.name === "echo"));

      const reply = await peer.request("tools/call", {
        name: "trigger-long-running-operation",
        arguments: { duration: 0.2, steps: 2 },
        _meta: { progressToken: "contract-progress" },
      });
      const progress = peer.messages.filter(
        (m) =>
          "method" in m && m.method === "notifications/progress" && m.params?.progressToken === "contract-progress",
      );
      assert.deepEqual(
        progress.map((m) => ("params" in m ? m.params?.progress : undefined)),
        [1, 2],
      );
      assert.ok(peer.messages.indexOf(reply) > peer.messages.indexOf(progress[1] as JsonRpcMessage));
    });

    test("concurrent requests are each answered under their own id", async (t) => {
      const { connect } = await open(t);
      const peer = await connect();
      await peer.initialize();
      const messages = Array.from({ length: 12 }, (_, i) => `message ${i}`);
      const replies = await Promise.all(
        messages.map((message) => peer.request("tools/call", { name: "echo", arguments: { message } })),
      );
      assert.deepEqual(
        replies.map(firstText),
        messages.map((message) => `Echo: ${message}`),
      );
    });

    test("a request from the server reaches the client, and the client's answer reaches the server", async (t) => {
      const { connect } = await open(t);
      const peer = await connect();
      await peer.initialize({ sampling: {} });
      const asked = peer.next((m) => "method" in m && m.method === "sampling/createMessage" && "id" in m);
      const call = peer.request("tools/call", {
        name: "trigger-sampling-request",
        arguments: { prompt: "contract", maxTokens: 5 },
      });
      const question = await within(asked, "sampling request from the server");
      assert.ok("id" in question);
      await peer.connection.send({
        jsonrpc: "2.0",
        id: question.id,
        result: {
          role: "assistant",
          model: "contract-model",
          content: { type: "text", text: "answered by the client" },
        },
      } as JsonRpcMessage);
      assert.match(firstText(await call), /answered by the client/);
    });

    test("close reports a requested close exactly once; later sends fail; close again is a no-op", async (t) => {
      const { connect } = await open(t);
      const peer = await connect();
      await peer.initialize();
      await peer.connection.close(2_000);
      const closed = await peer.whenClosed();
      assert.equal(closed.requested, true);
      await peer.connection.close(2_000);
      assertUnavailable(await failure(() => peer.request("ping")));
      assert.equal(peer.closes.length, 1);
    });

    test("an aborted signal rejects open", async (t) => {
      const { connect } = await open(t);
      const controller = new AbortController();
      controller.abort(new Error("contract abort"));
      const error = await failure(() => connect(undefined, controller.signal));
      assert.equal((error as Error).message, "contract abort");
    });

    test("a server nothing answers for fails open or the first request with upstream_unavailable", async (t) => {
      const { connect, fixture } = await open(t);
      const error = await failure(async () => {
        const peer = await connect(fixture.unreachable);
        await peer.initialize();
      });
      assertUnavailable(error);
    });

    test("a server that dies is noticed: its connection closes unrequested, or the next request fails", async (t) => {
      const { connect, fixture } = await open(t);
      const peer = await connect();
      await peer.initialize();
      await fixture.kill(peer.connection);
      if (fixture.death === "close") {
        const closed = await peer.whenClosed();
        assert.equal(closed.requested, false);
        assert.match(closed.reason, /killed|exited/);
      } else {
        const error = await failure(() => peer.request("ping"));
        assert.ok(error instanceof SwitchboardError, String(error));
        assert.equal(peer.closes.filter((closed) => closed.requested).length, 0);
      }
      assertUnavailable(await failure(() => peer.request("ping")));
    });
  });
}

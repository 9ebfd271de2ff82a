// Attacks on the front's connections (file descriptors): a body trickled slower than the request timeout gets
// 408 and its connection closed; more slow connections than the cap cannot lock out a liveness probe, since
// slow senders are the first to make room; the cap and what it did are reported in /health.
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { fixtureServer, startTestGateway, type TestGateway } from "../helpers/gateway.ts";

const MAX_CONNECTIONS = 8;

interface SlowSender {
  socket: Socket;
  /** Everything the gateway sent back. */
  readonly received: string;
  /** Resolves when the gateway closed the connection. */
  closed: Promise<void>;
}

/** Opens a connection, sends a POST's headers declaring a 1 MB body and the first bytes of it, then stalls. */
async function slowSender(url: string): Promise<SlowSender> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await once(socket, "connect");
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  socket.on("error", () => {});
  const closed = once(socket, "close").then(() => undefined);
  socket.write(
    `POST /mcp HTTP/1.1\r\nHost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{"jsonrpc":"2.0",`,
  );
  return {
    socket,
    get received() {
      return received;
    },
    closed,
  };
}

describe("slow clients and the connection cap", () => {
  let t: TestGateway;
  const senders: SlowSender[] = [];
  before(async () => {
    t = await startTestGateway(
      { fx: fixtureServer() },
      { gateway: { limits: { maxConnections: MAX_CONNECTIONS, headersTimeoutMs: 1_000, requestTimeoutMs: 3_000 } } },
    );
  });
  after(async () => {
    for (const sender of senders) sender.socket.destroy();
    await t?.close();
  });

  it("answers a body slower than requestTimeoutMs with 408 and closes the connection", async () => {
    const sender = await slowSender(t.url);
    senders.push(sender);
    await sender.closed;
    assert.match(sender.received, /^HTTP\/1\.1 408 /);
  });

  it("keeps /health/live answering while more slow connections than the cap are open", async () => {
    for (let i = 0; i < MAX_CONNECTIONS * 4; i++) senders.push(await slowSender(t.url));
    const live = await fetch(`${t.url}/health/live`);
    assert.equal(live.status, 200);
    assert.deepEqual(await live.json(), { status: "alive" });
    const health = (await (await fetch(`${t.url}/health`)).json()) as { limits: { connections: any } };
    const { connections } = health.limits;
    assert.equal(connections.max, MAX_CONNECTIONS);
    assert.ok(connections.open <= MAX_CONNECTIONS, `open connections within the cap: ${connections.open}`);
    // Each newcomer past the cap closed an older slow sender (unless that one had already timed out).
    assert.ok(connections.evicted > 0, `slow senders made room: ${connections.evicted}`);
    assert.equal(connections.refused, 0);
    // Every slow sender is gone in the end: made room for a newer one, or timed out.
    await Promise.all(senders.map((sender) => sender.closed));
  });

  it("lets a call run longer than requestTimeoutMs once its request has arrived", async () => {
    const reply = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "fx__sleep", arguments: { ms: 4_000 } },
      }),
    });
    assert.equal(reply.status, 200);
    assert.ok(((await reply.json()) as { result?: unknown }).result);
  });

  it("serves MCP again once the slow senders are gone", async () => {
    const reply = await fetch(`${t.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(reply.status, 200);
  });
});

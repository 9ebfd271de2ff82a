// One session must not withdraw a request the gateway relayed to another: a `notifications/cancelled` naming
// session A's relayed request id, sent by session B, has no effect; A's own cancellation still works.
// Real in-process gateway, real HTTP, the misbehaving fixture server as a real child process.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fixtureServer, post, request, startTestGateway, type TestGateway, waitUntil } from "../helpers/gateway.ts";
import { openEventStream } from "../helpers/raw-http.ts";

const ROOTS = { roots: [{ uri: "file:///a", name: "A's root" }] };

async function session(mcp: string): Promise<string> {
  const reply = await post(
    mcp,
    request("initialize", {
      protocolVersion: "2025-11-25",
      capabilities: { roots: {} },
      clientInfo: { name: "relay-cancel", version: "1" },
    }),
  );
  const id = reply.headers.get("mcp-session-id") as string;
  await post(mcp, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": id });
  return id;
}

const cancel = (mcp: string, sessionId: string, requestId: string) =>
  post(
    mcp,
    { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId, reason: "not yours" } },
    { "mcp-session-id": sessionId },
  );

/** Starts fx__ask (roots/list) for a session; resolves once the relayed request reached the session. */
async function askRoots(mcp: string, sessionId: string, callId: string) {
  const stream = await openEventStream(mcp, {
    method: "POST",
    headers: { "mcp-session-id": sessionId },
    body: JSON.stringify(request("tools/call", { name: "fx__ask", arguments: { method: "roots/list" } }, callId)),
  });
  await waitUntil(() => stream.events.some((e) => e.data.method === "roots/list"));
  const asked = stream.events.find((e) => e.data.method === "roots/list")?.data;
  /** What the server received as the answer (fx__ask returns it as JSON text). */
  const answered = async () => {
    await waitUntil(() => stream.ended);
    const response = stream.events.find((e) => e.data.id === callId && !e.data.method)?.data;
    return JSON.parse(String(response?.result?.content?.[0]?.text));
  };
  return { asked, answered };
}

describe("cancelling a relayed request from another session", () => {
  let t: TestGateway;
  let mcp: string;
  let a: string;
  let b: string;
  before(async () => {
    t = await startTestGateway({ fx: fixtureServer() });
    mcp = `${t.url}/mcp`;
    a = await session(mcp);
    b = await session(mcp);
  });
  after(() => t.close());

  it("session B's cancel of A's relayed request id has no effect: A's answer still reaches the server", async () => {
    const { asked, answered } = await askRoots(mcp, a, "a-ask-1");
    const forged = await cancel(mcp, b, asked.id);
    assert.equal(forged.status, 202);
    await post(mcp, { jsonrpc: "2.0", id: asked.id, result: ROOTS }, { "mcp-session-id": a });
    assert.deepEqual((await answered()).result, ROOTS);
  });

  it("session A's own cancel withdraws it: the server gets a cancelled error", async () => {
    const { asked, answered } = await askRoots(mcp, a, "a-ask-2");
    await cancel(mcp, a, asked.id);
    const answer = await answered();
    assert.equal(answer.result, undefined);
    assert.match(answer.error.message, /the client cancelled the request/);
  });
});

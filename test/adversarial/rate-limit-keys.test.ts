// Attacks on the per-client rate limit: a new Authorization value per request does not buy a fresh bucket (the
// default key is the address, since no authentication verified the header), and 2026-era subscriptions/listen
// streams take tokens like any other request instead of being free to open without end.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { callTool, fixtureServer, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { type EventStreamReader, openEventStream, rawRequest } from "../helpers/raw-http.ts";

const MODERN = "2026-07-28";

function listenRequest(id: number, headers: Record<string, string> = {}) {
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN,
      "mcp-method": "subscriptions/listen",
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "subscriptions/listen",
      params: {
        notifications: { toolsListChanged: true },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }),
  };
}

describe("per-client rate-limit keys", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ fx: fixtureServer() }, { gateway: { rateLimit: { perMinute: 1, burst: 3 } } });
  });
  after(() => t?.close());

  it("a different Authorization on every request shares the address's bucket", async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await callTool(t.url, "fx__echo", { message: "x" }, { authorization: `Bearer forged-${i}` });
      assert.equal(ok.status, 200, ok.text);
    }
    const refused = await callTool(t.url, "fx__echo", {}, { authorization: "Bearer forged-new" });
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.body.error.data.scope, "client");
  });

  it("subscriptions/listen takes a token: an exhausted client cannot open listen streams", async () => {
    const refused = await rawRequest(`${t.url}/mcp`, listenRequest(7));
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.body.error.data.kind, "rate_limited");
    assert.equal(refused.body.id, 7);
    assert.equal(t.gateway.sessions.size, 0, "no session was held for it");
  });
});

describe("listen streams under a per-client limit", () => {
  let t: TestGateway;
  const streams: EventStreamReader[] = [];
  after(async () => {
    for (const stream of streams) stream.close();
    await t?.close();
  });

  it("each listen stream spends one token; past the burst they are refused while the open ones stay open", async () => {
    t = await startTestGateway({ fx: fixtureServer() }, { gateway: { rateLimit: { perMinute: 1, burst: 2 } } });
    for (let i = 0; i < 2; i++) {
      const stream = await openEventStream(`${t.url}/mcp`, listenRequest(i));
      streams.push(stream);
      assert.equal(stream.status, 200);
    }
    const refused = await rawRequest(`${t.url}/mcp`, listenRequest(3));
    assert.equal(refused.status, 429, refused.text);
    assert.equal(t.gateway.sessions.size, 2);
    assert.ok(streams.every((stream) => !stream.ended));
  });
});

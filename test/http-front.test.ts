// The HTTP front over a real gateway and a real fixture server: every kind of bad input gets a clear error
// (right HTTP status, right JSON-RPC code) and the gateway keeps serving afterwards; progress upgrades a
// response to SSE only for clients that accept it; the GET notification stream of a session.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  fixtureServer,
  openSession,
  post,
  request,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from "./helpers/gateway.ts";
import { openSse, rawRequest, type SseStream } from "./helpers/raw-http.ts";

const MAX_BODY = 2048;

describe("HTTP front: bad input gets a clear error and the gateway keeps serving", () => {
  let t: TestGateway;
  let mcp: string;
  let session: string;
  let okCalls = 0;

  /** A good tools/call on an existing session: proves the gateway still serves after a bad request. */
  async function assertStillServes(): Promise<void> {
    const tag = `still serving ${++okCalls}`;
    const reply = await post(mcp, request("tools/call", { name: "fx__echo", arguments: { message: tag } }), {
      "mcp-session-id": session,
    });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.result.content[0].text, tag);
  }

  before(async () => {
    t = await startTestGateway(
      { fx: fixtureServer() },
      {
        gateway: {
          maxBodyBytes: MAX_BODY,
          allowedHosts: ["gateway.test"],
          allowedOrigins: ["https://app.example.com"],
        },
      },
    );
    mcp = `${t.url}/mcp`;
    session = await openSession(mcp);
    await assertStillServes(); // starts the fixture and learns its catalog
  });
  after(() => t.close());

  it("answers invalid JSON with 400 and a parse error (-32700)", async () => {
    const reply = await post(mcp, '{"jsonrpc":"2.0","id":1,"method":', { "mcp-session-id": session });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.jsonrpc, "2.0");
    assert.equal(reply.body.id, null);
    assert.equal(reply.body.error.code, -32700);
    await assertStillServes();
  });

  it("refuses a JSON-RPC batch with 400 and -32600 naming batches", async () => {
    const batch = [request("ping"), request("tools/list")];
    const reply = await post(mcp, JSON.stringify(batch), { "mcp-session-id": session });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error.code, -32600);
    assert.match(reply.body.error.message, /batch/i);
    await assertStillServes();
  });

  it("refuses messages that are not objects with 400 and -32600", async () => {
    for (const body of ["42", '"hello"', "null", "true"]) {
      const reply = await post(mcp, body, { "mcp-session-id": session });
      assert.equal(reply.status, 400, `body ${body}`);
      assert.equal(reply.body.error.code, -32600, `body ${body}`);
    }
    const wrongVersion = await post(mcp, { jsonrpc: "1.0", id: 1, method: "ping" }, { "mcp-session-id": session });
    assert.equal(wrongVersion.status, 400);
    assert.equal(wrongVersion.body.error.code, -32600);
    assert.equal(wrongVersion.body.id, 1, "an invalid envelope keeps its id, as on stdio");
    await assertStillServes();
  });

  it("refuses a body over maxBodyBytes with 413 when a content-length announces it", async () => {
    const big = JSON.stringify(
      request("tools/call", { name: "fx__echo", arguments: { message: "x".repeat(MAX_BODY * 2) } }),
    );
    const reply = await rawRequest(mcp, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "mcp-session-id": session },
      body: big,
    });
    assert.equal(reply.status, 413);
    assert.equal(reply.body.error.code, -32600);
    assert.match(reply.body.error.message, new RegExp(String(MAX_BODY)));
    await assertStillServes();
  });

  it("refuses a chunked body over maxBodyBytes with 413 (no content-length)", async () => {
    const big = JSON.stringify(
      request("tools/call", { name: "fx__echo", arguments: { message: "y".repeat(MAX_BODY * 2) } }),
    );
    const chunks: string[] = [];
    for (let i = 0; i < big.length; i += 512) chunks.push(big.slice(i, i + 512));
    const reply = await rawRequest(mcp, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "mcp-session-id": session },
      chunks,
      chunkDelayMs: 5,
    });
    assert.equal(reply.status, 413);
    assert.equal(reply.body.error.code, -32600);
    await assertStillServes();
  });

  it("accepts a chunked body under the cap", async () => {
    const body = JSON.stringify(request("tools/call", { name: "fx__echo", arguments: { message: "chunked ok" } }));
    const chunks = [body.slice(0, 10), body.slice(10, 40), body.slice(40)];
    const reply = await rawRequest(mcp, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "mcp-session-id": session },
      chunks,
      chunkDelayMs: 5,
    });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.result.content[0].text, "chunked ok");
  });

  it("answers 404 for an unknown server endpoint /mcp/{server}", async () => {
    const reply = await post(`${t.url}/mcp/nope`, request("tools/list"));
    assert.equal(reply.status, 404);
    assert.equal(reply.body.error.data.kind, "server_not_found");
    assert.match(reply.body.error.message, /nope/);
    await assertStillServes();
  });

  it("answers a malformed percent-encoded server name with a client error, not a 500", async () => {
    const reply = await post(`${t.url}/mcp/%E0%A4%A`, request("tools/list"));
    assert.ok(reply.status === 400 || reply.status === 404, `status ${reply.status}: ${reply.text}`);
    assert.notEqual(reply.body?.error?.code, -32603);
    await assertStillServes();
  });

  it("answers an unknown tool with JSON-RPC error -32602 naming the tool", async () => {
    const reply = await post(mcp, request("tools/call", { name: "fx__no_such_tool", arguments: {} }), {
      "mcp-session-id": session,
    });
    assert.equal(reply.body.error.code, -32602);
    assert.match(reply.body.error.message, /fx__no_such_tool/);
    assert.equal(reply.body.result, undefined);
    await assertStillServes();
  });

  it("refuses a foreign Host header with 403 on /mcp and on the admin API", async () => {
    const headers = { host: "evil.example.com", "content-type": "application/json", accept: "application/json" };
    const onMcp = await rawRequest(mcp, {
      method: "POST",
      headers: { ...headers, "mcp-session-id": session },
      body: JSON.stringify(request("tools/call", { name: "fx__echo", arguments: { message: "rebound" } })),
    });
    assert.equal(onMcp.status, 403);
    assert.match(onMcp.text, /evil\.example\.com/);
    assert.doesNotMatch(onMcp.text, /rebound/);

    const onServers = await rawRequest(`${t.url}/servers`, { headers: { host: "evil.example.com" } });
    assert.equal(onServers.status, 403);
    const onHealth = await rawRequest(`${t.url}/health`, { headers: { host: "evil.example.com:80" } });
    assert.equal(onHealth.status, 403);

    // The same requests with a loopback Host go through.
    const port = new URL(t.url).port;
    const good = await rawRequest(`${t.url}/servers`, { headers: { host: `localhost:${port}` } });
    assert.equal(good.status, 200);
    // So does a host named in gateway.allowedHosts.
    const listed = await rawRequest(`${t.url}/servers`, { headers: { host: `gateway.test:${port}` } });
    assert.equal(listed.status, 200);
    await assertStillServes();
  });

  it('refuses a DNS-rebinding Host that merely starts with "127."', async () => {
    const port = new URL(t.url).port;
    const rebound = await rawRequest(mcp, {
      method: "POST",
      headers: {
        host: `127.evil.example.com:${port}`,
        "content-type": "application/json",
        accept: "application/json",
        "mcp-session-id": session,
      },
      body: JSON.stringify(request("tools/call", { name: "fx__echo", arguments: { message: "rebound" } })),
    });
    assert.equal(rebound.status, 403, rebound.text);
    const admin = await rawRequest(`${t.url}/servers`, { headers: { host: "127.0.0.1.evil.example.com" } });
    assert.equal(admin.status, 403);
    // A real 127.x.y.z literal stays accepted.
    const literal = await rawRequest(`${t.url}/servers`, { headers: { host: `127.0.0.2:${port}` } });
    assert.equal(literal.status, 200);
    await assertStillServes();
  });

  it('refuses an Origin whose host name merely starts with "127."', async () => {
    const reply = await rawRequest(mcp, {
      method: "POST",
      headers: {
        origin: "http://127.evil.example.com",
        "content-type": "application/json",
        accept: "application/json",
        "mcp-session-id": session,
      },
      body: JSON.stringify(request("tools/call", { name: "fx__echo", arguments: { message: "cross-site" } })),
    });
    assert.equal(reply.status, 403, reply.text);
    await assertStillServes();
  });

  it("refuses a foreign Origin with 403 and accepts a localhost Origin", async () => {
    const call = (origin: string, message: string) =>
      rawRequest(mcp, {
        method: "POST",
        headers: {
          origin,
          "content-type": "application/json",
          accept: "application/json",
          "mcp-session-id": session,
        },
        body: JSON.stringify(request("tools/call", { name: "fx__echo", arguments: { message } })),
      });
    const evil = await call("https://evil.example.com", "from evil");
    assert.equal(evil.status, 403);
    assert.doesNotMatch(evil.text, /from evil/);

    const local = await call("http://localhost:3000", "from localhost");
    assert.equal(local.status, 200, local.text);
    assert.equal(local.body.result.content[0].text, "from localhost");

    const configured = await call("https://app.example.com", "from the configured origin");
    assert.equal(configured.status, 200, configured.text);
    assert.equal(configured.body.result.content[0].text, "from the configured origin");

    const evilAdmin = await rawRequest(`${t.url}/servers`, { headers: { origin: "https://evil.example.com" } });
    assert.equal(evilAdmin.status, 403);
    await assertStillServes();
  });

  it("answers an unknown session id with 404", async () => {
    const reply = await post(mcp, request("tools/call", { name: "fx__echo", arguments: { message: "x" } }), {
      "mcp-session-id": "no-such-session",
    });
    assert.equal(reply.status, 404);
    assert.equal(reply.body.error.code, -32001);
    await assertStillServes();
  });

  it("ends a session on DELETE: reusing it gets 404", async () => {
    const doomed = await openSession(mcp);
    const before = await post(mcp, request("tools/call", { name: "fx__echo", arguments: { message: "alive" } }), {
      "mcp-session-id": doomed,
    });
    assert.equal(before.body.result.content[0].text, "alive");

    const deleted = await fetch(mcp, { method: "DELETE", headers: { "mcp-session-id": doomed } });
    assert.equal(deleted.status, 200);
    await deleted.arrayBuffer();

    const reused = await post(mcp, request("tools/call", { name: "fx__echo", arguments: { message: "again" } }), {
      "mcp-session-id": doomed,
    });
    assert.equal(reused.status, 404);
    assert.equal(reused.body.error.code, -32001);
    const deletedAgain = await fetch(mcp, { method: "DELETE", headers: { "mcp-session-id": doomed } });
    assert.equal(deletedAgain.status, 404);
    await deletedAgain.arrayBuffer();
    await assertStillServes();
  });

  it("does not accept a session on another endpoint than the one it was opened on", async () => {
    const reply = await post(`${t.url}/mcp/fx`, request("tools/list"), { "mcp-session-id": session });
    assert.equal(reply.status, 404);
    await assertStillServes();
  });

  it("answers an unsupported method with 405 and an Allow header", async () => {
    const reply = await fetch(mcp, { method: "PUT", body: "{}", headers: { "mcp-session-id": session } });
    assert.equal(reply.status, 405);
    assert.match(reply.headers.get("allow") ?? "", /POST/);
    await reply.arrayBuffer();
    await assertStillServes();
  });

  it("refuses an unsupported MCP-Protocol-Version with 400 and accepts a supported one", async () => {
    const bad = await post(mcp, request("tools/call", { name: "fx__echo", arguments: { message: "v" } }), {
      "mcp-session-id": session,
      "mcp-protocol-version": "1999-01-01",
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, -32600);
    assert.match(bad.body.error.message, /1999-01-01/);

    const good = await post(mcp, request("tools/call", { name: "fx__echo", arguments: { message: "v" } }), {
      "mcp-session-id": session,
      "mcp-protocol-version": "2025-11-25",
    });
    assert.equal(good.status, 200);
    assert.equal(good.body.result.content[0].text, "v");
    await assertStillServes();
  });

  it("refuses an unsupported MCP-Protocol-Version on GET and DELETE too", async () => {
    const other = await openSession(mcp);
    const get = await rawRequest(mcp, {
      headers: { accept: "text/event-stream", "mcp-session-id": other, "mcp-protocol-version": "1999-01-01" },
      timeoutMs: 1_000,
    });
    assert.equal(get.status, 400);
    const del = await rawRequest(mcp, {
      method: "DELETE",
      headers: { "mcp-session-id": other, "mcp-protocol-version": "1999-01-01" },
    });
    assert.equal(del.status, 400);
    await assertStillServes();
  });

  it("answers a GET without a session with 405 (no stream) and refuses a GET that does not accept SSE", async () => {
    const noSession = await rawRequest(mcp, { headers: { accept: "text/event-stream" } });
    assert.equal(noSession.status, 405);
    const noSse = await rawRequest(mcp, { headers: { accept: "application/json", "mcp-session-id": session } });
    assert.equal(noSse.status, 406);
    await assertStillServes();
  });
});

describe("HTTP front: progress and streaming", () => {
  let t: TestGateway;
  let mcp: string;
  before(async () => {
    t = await startTestGateway({ fx: fixtureServer() });
    mcp = `${t.url}/mcp`;
  });
  after(() => t.close());

  it("streams progress as SSE on the response when the client accepts it", async () => {
    const session = await openSession(mcp);
    const reply = await post(
      mcp,
      request(
        "tools/call",
        { name: "fx__progress", arguments: { steps: 3, delayMs: 5, tag: "s" }, _meta: { progressToken: "tok" } },
        7,
      ),
      { "mcp-session-id": session, accept: "application/json, text/event-stream" },
    );
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get("content-type") ?? "", /text\/event-stream/);
    const messages = reply.messages;
    const progress = messages.filter((m) => m.method === "notifications/progress");
    assert.deepEqual(
      progress.map((m) => [m.params.progressToken, m.params.progress, m.params.total]),
      [
        ["tok", 1, 3],
        ["tok", 2, 3],
        ["tok", 3, 3],
      ],
    );
    const last = messages.at(-1);
    assert.equal(last.id, 7);
    assert.equal(last.result.content[0].text, "done s");
  });

  it("answers a progress call with plain JSON when the client accepts only application/json", async () => {
    const session = await openSession(mcp);
    const reply = await post(
      mcp,
      request(
        "tools/call",
        { name: "fx__progress", arguments: { steps: 3, delayMs: 5, tag: "json" }, _meta: { progressToken: "tok" } },
        8,
      ),
      { "mcp-session-id": session, accept: "application/json" },
    );
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(reply.body.id, 8);
    assert.equal(reply.body.error, undefined);
    assert.equal(reply.body.result.content[0].text, "done json");
  });

  it("serves a request without a session statelessly, with no session id handed out", async () => {
    const reply = await post(mcp, request("tools/call", { name: "fx__echo", arguments: { message: "stateless" } }));
    assert.equal(reply.status, 200);
    assert.equal(reply.body.result.content[0].text, "stateless");
    assert.equal(reply.headers.get("mcp-session-id"), null);
  });
});

describe("HTTP front: the GET notification stream", () => {
  let t: TestGateway;
  let mcp: string;
  const streams: SseStream[] = [];
  before(async () => {
    // Fresh state: fx's catalog is unknown until it first starts, so starting it changes the tool list.
    t = await startTestGateway({ fx: fixtureServer() });
    mcp = `${t.url}/mcp`;
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await t.close();
  });

  it("opens with 200 text/event-stream, refuses a second stream with 409, and delivers list_changed", async () => {
    const session = await openSession(mcp);
    const stream = await openSse(mcp, { "mcp-session-id": session });
    streams.push(stream);
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers["content-type"]), /text\/event-stream/);
    assert.equal(stream.headers["mcp-session-id"], session);
    await waitUntil(() => stream.raw.includes("stream open"));

    const second = await rawRequest(mcp, { headers: { accept: "text/event-stream", "mcp-session-id": session } });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, -32600);

    // The first start of fx teaches the gateway its tools: the aggregate's tool list changed.
    const started = await fetch(`${t.url}/servers/fx/start`, { method: "POST" });
    assert.equal(started.status, 200);
    await started.arrayBuffer();
    await waitUntil(() => stream.messages.some((m) => m.method === "notifications/tools/list_changed"));
    assert.ok(!stream.ended, "the stream stays open");

    // The new tools are listed on the same session.
    const list = await post(mcp, request("tools/list"), { "mcp-session-id": session });
    assert.ok(list.body.result.tools.some((tool: { name: string }) => tool.name === "fx__echo"));
  });

  it("delivers list_changed when a running server announces a new tool", async () => {
    const session = await openSession(mcp);
    const stream = await openSse(mcp, { "mcp-session-id": session });
    streams.push(stream);
    assert.equal(stream.status, 200);
    const added = await post(mcp, request("tools/call", { name: "fx__add-tool", arguments: {} }), {
      "mcp-session-id": session,
    });
    const name = `fx__${added.body.result.content[0].text}`;
    await waitUntil(() => stream.messages.some((m) => m.method === "notifications/tools/list_changed"));
    const list = await post(mcp, request("tools/list"), { "mcp-session-id": session });
    assert.ok(
      list.body.result.tools.some((tool: { name: string }) => tool.name === name),
      `${name} is listed after the change`,
    );
    const call = await post(mcp, request("tools/call", { name, arguments: {} }), { "mcp-session-id": session });
    assert.match(call.body.result.content[0].text, /called/);
  });

  it("lets a session open a new stream once its previous one closed", async () => {
    const session = await openSession(mcp);
    const first = await openSse(mcp, { "mcp-session-id": session });
    streams.push(first);
    assert.equal(first.status, 200);
    first.close();
    let reopened: SseStream | undefined;
    await waitUntil(async () => {
      const attempt = await openSse(mcp, { "mcp-session-id": session });
      if (attempt.status === 200) {
        reopened = attempt;
        return true;
      }
      attempt.close();
      return false;
    });
    assert.ok(reopened);
    streams.push(reopened);
    assert.equal(reopened.status, 200);
  });

  it("ends the stream when the session is deleted", async () => {
    const session = await openSession(mcp);
    const stream = await openSse(mcp, { "mcp-session-id": session });
    streams.push(stream);
    assert.equal(stream.status, 200);
    const deleted = await fetch(mcp, { method: "DELETE", headers: { "mcp-session-id": session } });
    assert.equal(deleted.status, 200);
    await deleted.arrayBuffer();
    await waitUntil(() => stream.ended, 5_000);
  });
});

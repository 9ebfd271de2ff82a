// Server-initiated traffic relayed to the right downstream session: sampling, elicitation and roots requests
// issued by an upstream during a call reach the client that made the call (never another session) and the
// answer flows back; log messages likewise; cancellation in both directions; a broken 2025-era stream resumes
// with Last-Event-ID with no gaps and no foreign events.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  fixtureServer,
  post,
  request,
  resultText,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from "./helpers/gateway.ts";
import { type EventStreamReader, openEventStream, openSse, type SseStream } from "./helpers/raw-http.ts";

const CAPABILITIES = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } };

async function session(mcp: string, capabilities: Record<string, unknown> = CAPABILITIES): Promise<string> {
  const reply = await post(
    mcp,
    request("initialize", { protocolVersion: "2025-11-25", capabilities, clientInfo: { name: "t", version: "1" } }),
  );
  const id = reply.headers.get("mcp-session-id") as string;
  await post(mcp, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": id });
  return id;
}

function callStream(
  mcp: string,
  sessionId: string,
  id: string | number,
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>,
) {
  const params: Record<string, unknown> = { name, arguments: args };
  if (meta) params._meta = meta;
  return openEventStream(mcp, {
    method: "POST",
    headers: { "mcp-session-id": sessionId },
    body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params }),
  });
}

const responseOf = (stream: EventStreamReader, id: string | number) =>
  stream.events.find((e) => e.data.id === id && !e.data.method)?.data;

describe("relay of server-initiated requests (fixture server, raw HTTP)", () => {
  let t: TestGateway;
  let mcp: string;
  let a: string;
  let b: string;
  let bStream: SseStream;
  before(async () => {
    t = await startTestGateway({ fx: fixtureServer({}, { relay: { roots: true } }) });
    mcp = `${t.url}/mcp`;
    a = await session(mcp);
    b = await session(mcp);
    await post(mcp, request("tools/list"), { "mcp-session-id": a }); // discover fx before B listens
    bStream = await openSse(mcp, { "mcp-session-id": b });
    await waitUntil(() => bStream.raw.includes("stream open"));
  });
  after(async () => {
    bStream.close();
    await t.close();
  });

  for (const [method, params, answer] of [
    [
      "sampling/createMessage",
      { messages: [{ role: "user", content: { type: "text", text: "hi" } }], maxTokens: 5 },
      { role: "assistant", content: { type: "text", text: "from A" }, model: "m" },
    ],
    [
      "elicitation/create",
      { mode: "form", message: "name?", requestedSchema: { type: "object", properties: { n: { type: "string" } } } },
      { action: "accept", content: { n: "A" } },
    ],
    ["roots/list", {}, { roots: [{ uri: "file:///a", name: "A's root" }] }],
  ] as const) {
    it(`${method} reaches the calling session only, and its answer flows back`, async () => {
      const stream = await callStream(mcp, a, `call-${method}`, "fx__ask", { method, params });
      await waitUntil(() => stream.events.some((e) => e.data.method === method));
      const asked = stream.events.find((e) => e.data.method === method)?.data;
      assert.deepEqual(asked.params, params);
      // Another session cannot answer it...
      const forged = await post(
        mcp,
        { jsonrpc: "2.0", id: asked.id, result: { forged: true } },
        { "mcp-session-id": b },
      );
      assert.equal(forged.status, 202);
      // ...the caller can.
      await post(mcp, { jsonrpc: "2.0", id: asked.id, result: answer }, { "mcp-session-id": a });
      await waitUntil(() => stream.ended);
      const result = responseOf(stream, `call-${method}`);
      assert.deepEqual(JSON.parse(result.result.content[0].text).result, answer);
      assert.ok(!bStream.messages.some((m) => m.method === method || m.id === asked.id), "nothing leaked to session B");
    });
  }

  it("refuses a request the calling client has no capability for", async () => {
    const bare = await session(mcp, {});
    const reply = await post(
      mcp,
      request("tools/call", { name: "fx__ask", arguments: { method: "sampling/createMessage", params: {} } }),
      { "mcp-session-id": bare },
    );
    const answer = JSON.parse(resultText(reply));
    assert.equal(answer.error.code, -31009);
    assert.match(answer.error.message, /sampling capability/);
  });

  it("refuses to guess when calls of two sessions are in flight on the server", async () => {
    const busy = post(mcp, request("tools/call", { name: "fx__sleep", arguments: { ms: 600 } }), {
      "mcp-session-id": b,
    });
    await new Promise((r) => setTimeout(r, 100));
    const reply = await post(
      mcp,
      request("tools/call", { name: "fx__ask", arguments: { method: "roots/list", params: {} } }),
      { "mcp-session-id": a },
    );
    const answer = JSON.parse(resultText(reply));
    assert.equal(answer.error.code, -31009);
    assert.match(answer.error.message, /2 client sessions/);
    await busy;
  });

  it("relays the server's cancellation of its request to the client", async () => {
    const stream = await callStream(mcp, a, "cancel-1", "fx__ask-then-cancel", {
      method: "sampling/createMessage",
      params: { messages: [], maxTokens: 1 },
      afterMs: 100,
    });
    await waitUntil(() => stream.ended);
    const asked = stream.events.find((e) => e.data.method === "sampling/createMessage")?.data;
    const cancelled = stream.events.find((e) => e.data.method === "notifications/cancelled")?.data;
    assert.ok(asked && cancelled);
    assert.equal(cancelled.params.requestId, asked.id);
  });

  it("cancels upstream what the client cancels", async () => {
    const hanging = post(mcp, request("tools/call", { name: "fx__hang", arguments: {} }, "hang-1"), {
      "mcp-session-id": a,
    });
    await new Promise((r) => setTimeout(r, 150));
    await post(
      mcp,
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "hang-1" } },
      { "mcp-session-id": a },
    );
    const reply = await hanging;
    assert.equal(reply.body.error.data.kind, "cancelled");
    const seen = JSON.parse(
      resultText(await post(mcp, request("tools/call", { name: "fx__cancellations", arguments: {} }))),
    );
    assert.equal(seen.length, 1, `the server saw one cancellation: ${JSON.stringify(seen)}`);
    assert.equal(typeof seen[0], "number", "under the gateway's own upstream id");
  });

  it("delivers log messages to the calling session only, at or above its level", async () => {
    const loud = await callStream(mcp, a, "log-1", "fx__log", { level: "warning", message: "for A" });
    await waitUntil(() => loud.ended);
    assert.ok(loud.events.some((e) => e.data.method === "notifications/message" && e.data.params.data === "for A"));
    await post(mcp, request("logging/setLevel", { level: "error" }), { "mcp-session-id": a });
    const quiet = await callStream(mcp, a, "log-2", "fx__log", { level: "warning", message: "filtered" });
    await waitUntil(() => quiet.ended);
    assert.ok(!quiet.events.some((e) => e.data.method === "notifications/message"));
    assert.ok(!bStream.messages.some((m) => m.method === "notifications/message"), "no log reached session B");
  });
});

describe("resumability of a 2025-era stream", () => {
  it("resumes a broken stream with Last-Event-ID: no gaps, no duplicates, no foreign events, call not cancelled", async () => {
    const t = await startTestGateway({ fx: fixtureServer() });
    try {
      const mcp = `${t.url}/mcp`;
      const a = await session(mcp);
      const b = await session(mcp);
      const steps = 12;
      const first = await callStream(
        mcp,
        a,
        1,
        "fx__progress",
        { steps, delayMs: 40, tag: "A" },
        { progressToken: "p" },
      );
      const foreign = callStream(mcp, b, 1, "fx__progress", { steps, delayMs: 30, tag: "B" }, { progressToken: "p" });
      await waitUntil(() => first.events.length >= 3);
      first.close(); // the network drops
      const seenBefore = first.events.map((e) => e.data.params.progress as number);
      await new Promise((r) => setTimeout(r, 150));
      const resumed = await openEventStream(mcp, {
        headers: { "mcp-session-id": a, "last-event-id": first.lastEventId as string },
      });
      assert.equal(resumed.status, 200);
      await waitUntil(() => resumed.ended, 5_000);
      const progress = [
        ...seenBefore,
        ...resumed.events.filter((e) => e.data.method).map((e) => e.data.params.progress as number),
      ];
      assert.deepEqual(
        progress,
        Array.from({ length: steps }, (_, i) => i + 1),
        "every step exactly once, in order",
      );
      assert.ok(
        resumed.events.every((e) => !e.data.method || e.data.params.message === "A"),
        "no events of session B",
      );
      const final = resumed.events.at(-1)?.data;
      assert.equal(final.id, 1);
      assert.equal(final.result.content[0].text, "done A");
      const other = await foreign;
      await waitUntil(() => other.ended);
      assert.ok(other.events.filter((e) => e.data.method).every((e) => e.data.params.message === "B"));
      // An unknown event id is refused; another session cannot resume A's stream.
      const bogus = await openEventStream(mcp, { headers: { "mcp-session-id": a, "last-event-id": "nope_3" } });
      assert.equal(bogus.status, 400);
      const stolen = await openEventStream(mcp, {
        headers: { "mcp-session-id": b, "last-event-id": first.lastEventId as string },
      });
      assert.equal(stolen.status, 400);
    } finally {
      await t.close();
    }
  });
});

describe("relay with the official everything server and the SDK v2 client", () => {
  it("answers the server's sampling and elicitation requests from the calling client", async () => {
    const t = await startTestGateway({
      everything: { package: "@modelcontextprotocol/server-everything", args: ["stdio"] },
    });
    const clients: Client[] = [];
    try {
      const connect = async (name: string) => {
        const client = new Client(
          { name, version: "1" },
          { capabilities: { sampling: {}, elicitation: { form: {} } } },
        );
        const seen: string[] = [];
        client.setRequestHandler("sampling/createMessage", async () => {
          seen.push("sampling");
          return { role: "assistant", content: { type: "text", text: `sampled by ${name}` }, model: "test-model" };
        });
        client.setRequestHandler("elicitation/create", async () => {
          seen.push("elicitation");
          return { action: "accept", content: { color: "green" } };
        });
        await client.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`)));
        clients.push(client);
        return { client, seen };
      };
      const a = await connect("A");
      const b = await connect("B");
      const tools = (await a.client.listTools()).tools.map((tool) => tool.name);
      assert.ok(tools.includes("everything__trigger-sampling-request"), tools.join(", "));
      const sampled = await a.client.callTool({
        name: "everything__trigger-sampling-request",
        arguments: { prompt: "hello", maxTokens: 5 },
      });
      assert.match(JSON.stringify(sampled.content), /sampled by A/);
      const elicited = await a.client.callTool({ name: "everything__trigger-elicitation-request", arguments: {} });
      assert.match(JSON.stringify(elicited.content), /green/);
      assert.deepEqual(a.seen, ["sampling", "elicitation"]);
      assert.deepEqual(b.seen, [], "session B was never asked");
    } finally {
      for (const client of clients) await client.close();
      await t.close();
    }
  });
});

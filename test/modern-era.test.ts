// The 2026-07-28 (stateless) protocol era on the same endpoints as the 2025 era: the SDK v2 client pinned to
// it, header/body validation with the revision's error codes, 2026-encoded results, and closing a response
// stream cancelling the request upstream.
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  fixtureServer,
  openSession,
  post,
  referenceServers,
  request,
  resultText,
  startTestGateway,
  type TestGateway,
  tempDir,
  waitUntil,
} from "./helpers/gateway.ts";
import { openEventStream, rawRequest } from "./helpers/raw-http.ts";

const MODERN = "2026-07-28";
const envelope = (extra: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
  ...extra,
});

function modernRequest(
  method: string,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
  id: string | number = 1,
) {
  const name = (params.name ?? params.uri) as string | undefined;
  return {
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN,
      "mcp-method": method,
      ...(name ? { "mcp-name": name } : {}),
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method,
      params: { ...params, _meta: { ...envelope(), ...(params._meta as object) } },
    }),
  };
}

describe("2026-07-28 clients", () => {
  let t: TestGateway;
  before(async () => {
    // Over 50 tools: auto would list progressively; these tests are about the era, on the full listing.
    t = await startTestGateway(
      { ...referenceServers(tempDir()), fx: fixtureServer() },
      { gateway: { discovery: { mode: "full" } } },
    );
  });
  after(() => t.close());

  for (const [path, echo, prompt] of [
    ["/mcp", "everything__echo", "everything__simple-prompt"],
    ["/mcp/everything", "echo", "simple-prompt"],
  ] as const) {
    it(`the SDK v2 client pinned to ${MODERN} lists, calls, reads and gets prompts on ${path}`, async () => {
      const client = new Client({ name: "modern", version: "1" }, { versionNegotiation: { mode: { pin: MODERN } } });
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(`${t.url}${path}`)));
        assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
        const names = (await client.listTools()).tools.map((tool) => tool.name);
        assert.ok(names.includes(echo));
        const called = await client.callTool({ name: echo, arguments: { message: "stateless" } });
        assert.deepEqual(called.content, [{ type: "text", text: "Echo: stateless" }]);
        const uri = (await client.listResources()).resources[0]?.uri as string;
        assert.equal((await client.readResource({ uri })).contents[0]?.uri, uri);
        assert.ok((await client.getPrompt({ name: prompt })).messages.length > 0);
      } finally {
        await client.close();
      }
    });
  }

  it("negotiates 2026 with an `auto` client while a 2025 session uses the same endpoint", async () => {
    const legacy = await openSession(`${t.url}/mcp`, "2025-06-18");
    const client = new Client({ name: "auto", version: "1" }, { versionNegotiation: { mode: "auto" } });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`)));
      assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
      const reply = await post(
        `${t.url}/mcp`,
        request("tools/call", { name: "fx__echo", arguments: { message: "old" } }),
        { "mcp-session-id": legacy },
      );
      assert.equal(resultText(reply), "old");
      assert.equal(reply.body.result.resultType, undefined, "2025 results are not 2026-encoded");
    } finally {
      await client.close();
    }
  });

  it("encodes results the 2026 way", async () => {
    const reply = await rawRequest(`${t.url}/mcp`, { method: "POST", ...modernRequest("tools/list", {}) });
    assert.equal(reply.status, 200);
    const result = reply.body.result;
    assert.equal(result.resultType, "complete");
    assert.equal(result.ttlMs, 0);
    assert.equal(result.cacheScope, "private");
    assert.equal(result._meta["io.modelcontextprotocol/serverInfo"].name, "switchboard");
    assert.ok(result.tools.every((tool: Record<string, unknown>) => !("execution" in tool)));
    const discover = await rawRequest(`${t.url}/mcp/everything`, {
      method: "POST",
      ...modernRequest("server/discover", {}),
    });
    assert.deepEqual(discover.body.result.supportedVersions, [MODERN]);
    assert.equal(discover.body.result.capabilities.tasks, undefined);
    assert.equal(discover.body.result._meta["io.modelcontextprotocol/serverInfo"].name, "mcp-servers/everything");
  });

  it("rejects header/body disagreements and unsupported versions with the revision's codes", async () => {
    const cases: [string, ReturnType<typeof modernRequest>, number, number][] = [
      [
        "Mcp-Method differs from the body",
        modernRequest("tools/list", {}, { "mcp-method": "prompts/list" }),
        400,
        -32020,
      ],
      [
        "Mcp-Name missing",
        (() => {
          const r = modernRequest("tools/call", { name: "fx__echo", arguments: {} });
          delete (r.headers as Record<string, string>)["mcp-name"];
          return r;
        })(),
        400,
        -32020,
      ],
      [
        "Mcp-Name differs",
        modernRequest("tools/call", { name: "fx__echo", arguments: {} }, { "mcp-name": "fx__sleep" }),
        400,
        -32020,
      ],
      [
        "unsupported revision",
        {
          ...modernRequest("tools/list", {}, { "mcp-protocol-version": "2027-01-01" }),
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/list",
            params: { _meta: envelope({ "io.modelcontextprotocol/protocolVersion": "2027-01-01" }) },
          }),
        },
        400,
        -32022,
      ],
      [
        "no client capabilities",
        {
          ...modernRequest("tools/list", {}),
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/list",
            params: { _meta: { "io.modelcontextprotocol/protocolVersion": MODERN } },
          }),
        },
        400,
        -32602,
      ],
      [
        "a modern header without an envelope",
        {
          ...modernRequest("tools/list", {}),
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
        },
        400,
        -32602,
      ],
      ["a method the revision removed (ping)", modernRequest("ping", {}), 404, -32601],
    ];
    for (const [what, req, status, code] of cases) {
      const reply = await rawRequest(`${t.url}/mcp`, { method: "POST", ...req });
      assert.equal(reply.status, status, `${what}: ${reply.text}`);
      assert.equal(reply.body.error.code, code, `${what}: ${reply.text}`);
    }
    const unsupported = await rawRequest(`${t.url}/mcp`, { method: "POST", ...cases[3]![1] });
    assert.deepEqual(unsupported.body.error.data.supported, [MODERN]);
  });

  it("subscriptions/listen: acknowledged, then only the notifications its filter asked for, tagged", async () => {
    await post(`${t.url}/mcp`, request("tools/list")); // discover everything first: no list_changed later
    const listen = (notifications: Record<string, unknown>, id: string) =>
      openEventStream(`${t.url}/mcp`, {
        method: "POST",
        ...modernRequest("subscriptions/listen", { notifications }, {}, id),
      });
    const tools = await listen({ toolsListChanged: true }, "L1");
    const prompts = await listen({ promptsListChanged: true }, "L2");
    await waitUntil(() => tools.events.length >= 1 && prompts.events.length >= 1);
    assert.equal(tools.events[0]?.data.method, "notifications/subscriptions/acknowledged");
    assert.deepEqual(tools.events[0]?.data.params.notifications.toolsListChanged, true);
    await post(`${t.url}/mcp`, request("tools/call", { name: "fx__add-tool", arguments: {} }));
    await waitUntil(() => tools.events.some((e) => e.data.method === "notifications/tools/list_changed"));
    const changed = tools.events.find((e) => e.data.method === "notifications/tools/list_changed")?.data;
    assert.equal(changed.params._meta["io.modelcontextprotocol/subscriptionId"], "L1");
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!prompts.events.some((e) => e.data.method === "notifications/tools/list_changed"), "filtered out");
    tools.close();
    prompts.close();
  });

  it("cancels the request upstream when a 2026 client closes its response stream", async () => {
    const cancellations = async () =>
      JSON.parse(
        resultText(await post(`${t.url}/mcp`, request("tools/call", { name: "fx__cancellations", arguments: {} }))),
      ).length;
    const before = await cancellations();
    const target = new URL(`${t.url}/mcp`);
    const req = modernRequest("tools/call", { name: "fx__hang", arguments: {} });
    const pending = httpRequest({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: "POST",
      headers: req.headers,
      agent: false,
    });
    pending.on("error", () => {});
    pending.end(req.body);
    await waitUntil(() => t.gateway.supervisor.get("fx").callsInFlight > 0);
    pending.destroy(); // the client goes away: in this era that is the cancellation
    await waitUntil(async () => (await cancellations()) === before + 1, 5_000);
  });
});

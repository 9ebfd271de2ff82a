// Aggregation over real reference servers: namespaced listing, routing, transparent per-server endpoint,
// and listing an asleep server's tools from the manifest cache without starting it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  openSession,
  post,
  referenceServers,
  request,
  startTestGateway,
  type TestGateway,
  tempDir,
} from "./helpers/gateway.ts";

describe("aggregated endpoint over reference servers", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway(referenceServers(tempDir()));
  });
  after(() => t.close());

  it("lists the tools of all servers, namespaced", async () => {
    const session = await openSession(`${t.url}/mcp`);
    const reply = await post(`${t.url}/mcp`, request("tools/list"), { "mcp-session-id": session });
    // Starting four servers can take long enough for the answer to come as a stream; `body` is its response.
    const names: string[] = reply.body.result.tools.map((tool: { name: string }) => tool.name);
    for (const expected of [
      "everything__echo",
      "memory__read_graph",
      "filesystem__list_allowed_directories",
      "thinking__sequentialthinking",
    ]) {
      assert.ok(names.includes(expected), `${expected} missing from ${names.join(", ")}`);
    }
    assert.equal(new Set(names).size, names.length, "names are unique");
  });

  it("routes calls to the right server", async () => {
    const session = await openSession(`${t.url}/mcp`);
    const echo = await post(
      `${t.url}/mcp`,
      request("tools/call", { name: "everything__echo", arguments: { message: "routed" } }),
      { "mcp-session-id": session },
    );
    assert.equal(echo.body.result.content[0].text, "Echo: routed");
    const graph = await post(`${t.url}/mcp`, request("tools/call", { name: "memory__read_graph", arguments: {} }), {
      "mcp-session-id": session,
    });
    assert.match(graph.body.result.content[0].text, /entities/);
    const sum = await post(
      `${t.url}/mcp`,
      request("tools/call", { name: "everything__get-sum", arguments: { a: 2, b: 3 } }),
      { "mcp-session-id": session },
    );
    assert.match(sum.body.result.content[0].text, /5/);
  });

  it("serves one server under its original names at /mcp/{server}", async () => {
    const endpoint = `${t.url}/mcp/memory`;
    const session = await openSession(endpoint);
    const reply = await post(endpoint, request("tools/list"), { "mcp-session-id": session });
    // Starting four servers can take long enough for the answer to come as a stream; `body` is its response.
    const names: string[] = reply.body.result.tools.map((tool: { name: string }) => tool.name);
    assert.ok(names.includes("read_graph"));
    assert.ok(!names.some((n) => n.includes("__")));
    const call = await post(endpoint, request("tools/call", { name: "read_graph", arguments: {} }), {
      "mcp-session-id": session,
    });
    assert.match(call.body.result.content[0].text, /entities/);
  });

  it("reads prompts and resources through the aggregate", async () => {
    const session = await openSession(`${t.url}/mcp`);
    const prompt = await post(`${t.url}/mcp`, request("prompts/get", { name: "everything__simple-prompt" }), {
      "mcp-session-id": session,
    });
    assert.ok(prompt.body.result.messages.length > 0);
    const resources = await post(`${t.url}/mcp`, request("resources/list"), { "mcp-session-id": session });
    const uri = resources.body.result.resources[0].uri;
    const read = await post(`${t.url}/mcp`, request("resources/read", { uri }), { "mcp-session-id": session });
    assert.equal(read.body.result.contents[0].uri, uri);
  });
});

describe("manifest cache", () => {
  it("lists an asleep server's tools without starting it", async () => {
    const stateDir = tempDir();
    const servers = { memory: referenceServers(stateDir).memory };
    const first = await startTestGateway(servers, { stateDir });
    await post(`${first.url}/mcp`, request("tools/list"));
    await first.close();

    const second = await startTestGateway(servers, { stateDir });
    try {
      const reply = await post(`${second.url}/mcp`, request("tools/list"));
      assert.ok(reply.body.result.tools.some((tool: { name: string }) => tool.name === "memory__read_graph"));
      assert.equal(second.gateway.supervisor.get("memory").currentState, "asleep");
      const statuses = (await (await fetch(`${second.url}/servers`)).json()) as { status: string; tools: number }[];
      assert.equal(statuses[0]?.status, "asleep");
      assert.equal(statuses[0]?.tools, 9);
    } finally {
      await second.close();
    }
  });
});

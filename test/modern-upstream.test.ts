// Upstream servers spoken to in the 2026-07-28 era (`protocol: "modern"`): each client's own envelope goes
// upstream, `input_required` results pass through to 2026-era clients and are turned into real requests for
// 2025-era clients; `auto` falls back to the 2025 era for servers that do not speak 2026.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { fixtureServer, post, request, resultText, startTestGateway, type TestGateway } from "./helpers/gateway.ts";

const CONFORMANCE_FIXTURE = fileURLToPath(new URL("./fixtures/conformance-server.ts", import.meta.url));
const TOOL = "dual__test_input_required_result_elicitation";

async function connect(t: TestGateway, mode: "legacy" | { pin: string }): Promise<{ client: Client; asked: string[] }> {
  const client = new Client(
    { name: "c", version: "1" },
    { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode } },
  );
  const asked: string[] = [];
  client.setRequestHandler("elicitation/create", async (req) => {
    asked.push(String(req.params.message));
    return { action: "accept", content: { name: "Ada" } };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`)));
  return { client, asked };
}

describe("2026-era upstream", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      dual: { command: process.execPath, args: [CONFORMANCE_FIXTURE, "stdio"], protocol: "modern" },
      legacyOnly: fixtureServer({}, { protocol: "auto" }),
    });
  });
  after(() => t.close());

  it("turns input_required into a real elicitation for a 2025-era client, then retries with its answer", async () => {
    const { client, asked } = await connect(t, "legacy");
    try {
      const result = await client.callTool({ name: TOOL, arguments: {} });
      assert.deepEqual(result.content, [{ type: "text", text: "Hello, Ada!" }]);
      assert.deepEqual(asked, ["What is your name?"]);
      assert.equal(t.gateway.supervisor.get("dual").readyPeer?.era, "modern");
    } finally {
      await client.close();
    }
  });

  it("passes input_required through to a 2026-era client, which answers it itself", async () => {
    const { client, asked } = await connect(t, { pin: "2026-07-28" });
    try {
      const result = await client.callTool({ name: TOOL, arguments: {} });
      assert.deepEqual(result.content, [{ type: "text", text: "Hello, Ada!" }]);
      assert.deepEqual(asked, ["What is your name?"]);
    } finally {
      await client.close();
    }
  });

  it("sends the client's own capabilities upstream: the server itself refuses a client without elicitation", async () => {
    const reply = await post(`${t.url}/mcp`, request("tools/call", { name: TOOL, arguments: {} }));
    assert.equal(reply.body.error.code, -32021, reply.text);
    assert.deepEqual(reply.body.error.data.requiredCapabilities, { elicitation: { form: {} } });
  });

  it("`auto` falls back to the 2025 era for a server that does not speak 2026", async () => {
    const reply = await post(
      `${t.url}/mcp`,
      request("tools/call", { name: "legacyOnly__echo", arguments: { message: "old" } }),
    );
    assert.equal(resultText(reply), "old");
    assert.equal(t.gateway.supervisor.get("legacyOnly").readyPeer?.era, "legacy");
  });
});

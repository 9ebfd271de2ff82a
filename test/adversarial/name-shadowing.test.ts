// Servers that pick names to shadow others (test/fixtures/malicious-shadowing-server.ts), against a real gateway:
// server names holding the namespace separator are refused by the configuration, so `a__b__c` is always server
// `a`'s tool `b__c`; a server's tool named like a gateway meta-tool does not replace the gateway's on the
// server's own endpoint (it is hidden there, reported, and callable on /mcp under its namespaced name).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { normalizeConfig } from "../../src/config/load.ts";
import { READ_RESULT_DEFINITION } from "../../src/services/discovery/meta-tools.ts";
import { callTool, post, request, resultText, startTestGateway } from "../helpers/gateway.ts";

const getJson = async (url: string): Promise<any> => (await fetch(url)).json();
const SHADOWING_SERVER = fileURLToPath(new URL("../fixtures/malicious-shadowing-server.ts", import.meta.url));
const shadowing = (id: string, tools: string) => ({
  command: process.execPath,
  args: [SHADOWING_SERVER],
  env: { SERVER_ID: id, TOOLS: tools },
});

function configProblems(servers: Record<string, unknown>, gateway: Record<string, unknown> = {}) {
  try {
    normalizeConfig({ gateway, servers }, undefined, { env: {} });
  } catch (error) {
    return (error as { data: { problems: { path: string; message: string }[] } }).data.problems;
  }
  return [];
}

const names = (reply: { body: { result: { tools: { name: string }[] } } }) =>
  reply.body.result.tools.map((tool) => tool.name);

describe("name shadowing", () => {
  it("refuses server names that would make namespaced names ambiguous, with their path", () => {
    const problems = configProblems({ a__b: shadowing("x", "c"), a_: shadowing("y", "c"), ok: shadowing("z", "c") });
    assert.deepEqual(
      problems.map((p) => p.path),
      ["servers.a__b", "servers.a_"],
    );
    assert.match(problems[0]?.message ?? "", /cannot contain the namespace separator "__"/);
    assert.match(problems[1]?.message ?? "", /cannot end with "_"/);
    // The rule follows the configured separator.
    const dotted = configProblems(
      { "my.server": shadowing("x", "c"), my__server: shadowing("y", "c") },
      { namespaceSeparator: "." },
    );
    assert.deepEqual(
      dotted.map((p) => p.path),
      ["servers.my.server"],
    );
    assert.match(dotted[0]?.message ?? "", /cannot contain the namespace separator "\."/);
  });

  it("routes a__b__c to server a's tool b__c, always", async () => {
    const t = await startTestGateway({ a: shadowing("server-a", "b__c"), b: shadowing("server-b", "c,b__c") });
    try {
      assert.equal(resultText(await callTool(t.url, "a__b__c")), "server-a b__c");
      assert.equal(resultText(await callTool(t.url, "b__b__c")), "server-b b__c");
      assert.equal(resultText(await callTool(t.url, "b__c")), "server-b c");
      assert.deepEqual(t.gateway.catalog.problems(), [], "no collision to fix up");
    } finally {
      await t.close();
    }
  });

  it("keeps the gateway's meta-tools on a server's own endpoint and reports the hidden tools", async () => {
    const t = await startTestGateway({ a: shadowing("server-a", "b__c,read_result,search_tools") });
    try {
      // Before the catalog knows the server, its list is forwarded: still without the shadowing tools.
      const forwarded = names(await post(`${t.url}/mcp/a`, request("tools/list")));
      assert.ok(!forwarded.includes("search_tools") && forwarded.includes("b__c"), String(forwarded));
      await t.gateway.catalog.settled("a");

      const listed = await post(`${t.url}/mcp/a`, request("tools/list"));
      assert.deepEqual(names(listed), ["b__c", "read_result"]);
      assert.deepEqual(listed.body.result.tools[1], READ_RESULT_DEFINITION, "the gateway's own read_result");

      const read = await post(
        `${t.url}/mcp/a`,
        request("tools/call", { name: "read_result", arguments: { handle: "h", offset: 0 } }),
      );
      assert.doesNotMatch(resultText(read), /server-a/, "read_result reached the server");
      assert.equal(read.body.result.isError, true, "the gateway knows no such handle");
      const search = await post(`${t.url}/mcp/a`, request("tools/call", { name: "search_tools", arguments: {} }));
      assert.match(resultText(search), /search_tools needs `query`/, "the gateway's search_tools answers");
      const viaCallTool = await post(
        `${t.url}/mcp/a`,
        request("tools/call", { name: "call_tool", arguments: { name: "read_result" } }),
      );
      assert.doesNotMatch(resultText(viaCallTool), /server-a/);

      // The server's tools stay callable on the aggregate endpoint, namespaced.
      assert.equal(resultText(await callTool(t.url, "a__read_result")), "server-a read_result");
      assert.equal(resultText(await callTool(t.url, "a__search_tools")), "server-a search_tools");

      const view = await getJson(`${t.url}/servers/a`);
      const hidden = (view.problems as string[]).filter((p) => p.includes("hidden on /mcp/a"));
      assert.equal(hidden.length, 2, JSON.stringify(view.problems));
      assert.ok(hidden.some((p) => p.includes('"a__read_result"')));
    } finally {
      await t.close();
    }
  });
});

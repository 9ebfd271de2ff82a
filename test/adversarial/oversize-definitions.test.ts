// A server that offers a tool with a 20 MB description, a tool with a huge input schema, too many tools and a
// prompt with a huge description (test/fixtures/malicious-huge-tool-server.ts), against a real gateway: the
// listings stay small, GET /tokens answers, what was cut or refused is listed in GET /servers/{name}, logged and
// counted once, and the manifest the gateway stores is the bounded one.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { descriptionMarker } from "../../src/services/catalog/definition-limits.ts";
import { callTool, post, request, startTestGateway, tempDir } from "../helpers/gateway.ts";
import { parseExposition, value } from "../helpers/prom-text.ts";

const getJson = async (url: string): Promise<any> => (await fetch(url)).json();
const HUGE_SERVER = fileURLToPath(new URL("../fixtures/malicious-huge-tool-server.ts", import.meta.url));
const HUGE_CHARS = 20 * 1024 * 1024;
const servers = {
  huge: {
    command: process.execPath,
    args: [HUGE_SERVER],
    env: { HUGE_DESCRIPTION_CHARS: String(HUGE_CHARS), EXTRA_TOOLS: "4" },
  },
};
// huge_description, huge_schema, ok_0 … ok_3: the first five are considered, ok_3 is past maxItems.
const limits = { maxItems: 5, maxDescriptionChars: 4096, maxDefinitionBytes: 16_384 };

interface Limited {
  list: string;
  name: string;
  action: string;
}

describe("oversize definitions", () => {
  it("cuts and refuses what passes the limits, reports it once and stores the bounded manifest", async () => {
    const stateDir = tempDir();
    const t = await startTestGateway(servers, { stateDir, gateway: { definitionLimits: limits } });
    try {
      // The first listing on the server's own endpoint is the server's reply, forwarded: bounded as well.
      const forwarded = await post(`${t.url}/mcp/huge`, request("tools/list"));
      assert.ok(forwarded.text.length < 64 * 1024, `forwarded tools/list is ${forwarded.text.length} bytes`);
      assert.equal(forwarded.body.result.tools[0].description.length, limits.maxDescriptionChars);
      await t.gateway.catalog.settled("huge");

      const listed = await post(`${t.url}/mcp`, request("tools/list"));
      assert.ok(listed.text.length < 64 * 1024, `tools/list is ${listed.text.length} bytes`);
      const tools = listed.body.result.tools as { name: string; description: string }[];
      const names = tools.map((tool) => tool.name);
      for (const name of ["huge__huge_description", "huge__ok_0", "huge__ok_1", "huge__ok_2"])
        assert.ok(names.includes(name), `${name} missing from ${names}`);
      assert.ok(!names.includes("huge__huge_schema"), "the over-size definition is refused");
      assert.ok(!names.includes("huge__ok_3"), "items past maxItems are refused");
      const cut = tools.find((tool) => tool.name === "huge__huge_description")?.description ?? "";
      assert.equal(cut.length, limits.maxDescriptionChars);
      assert.ok(cut.endsWith(descriptionMarker(HUGE_CHARS)), "the cut description says it was cut");
      const prompts = await post(`${t.url}/mcp`, request("prompts/list"));
      assert.ok(prompts.text.length < 64 * 1024, `prompts/list is ${prompts.text.length} bytes`);

      // The server's own endpoint serves the same bounded manifest, and answers as the server, bounded too.
      const own = await post(`${t.url}/mcp/huge`, request("tools/list"));
      assert.ok(own.text.length < 64 * 1024, `tools/list on /mcp/huge is ${own.text.length} bytes`);
      const init = await post(
        `${t.url}/mcp/huge`,
        request("initialize", {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "t", version: "1" },
        }),
      );
      assert.ok(init.text.length < 64 * 1024, `initialize on /mcp/huge is ${init.text.length} bytes`);
      assert.equal(init.body.result.serverInfo.name, "malicious-huge-tool-server");
      assert.equal(init.body.result.instructions.length, limits.maxDefinitionBytes);

      const report = await getJson(`${t.url}/tokens`);
      assert.ok(report.full.servers.huge > 0 && report.full.servers.huge < 64 * 1024, JSON.stringify(report.full));

      const view = await getJson(`${t.url}/servers/huge`);
      const limited = (view.limitedDefinitions as Limited[]).map((e) => `${e.list}/${e.name}/${e.action}`);
      assert.deepEqual(limited.sort(), [
        "prompts/huge_prompt/cut",
        "server/instructions/cut",
        "server/serverInfo/cut",
        "tools/(past the first 5)/refused",
        "tools/huge_description/cut",
        "tools/huge_schema/refused",
      ]);

      // A restart of the server reads the same definitions again: nothing is announced twice.
      await fetch(`${t.url}/servers/huge/stop`, { method: "POST" });
      const called = await callTool(t.url, "huge__ok_0");
      assert.equal(called.body.result.content[0].text, "huge-fixture ok_0");
      await t.gateway.catalog.settled("huge");
      const metrics = parseExposition(await (await fetch(`${t.url}/metrics`)).text());
      const count = (list: string, action: string) =>
        value(metrics, "switchboard_definitions_limited_total", { server: "huge", list, action });
      assert.equal(count("tools", "cut"), 1);
      assert.equal(count("tools", "refused"), 2);
      assert.equal(count("prompts", "cut"), 1);
    } finally {
      await t.close();
    }

    // A gateway with far wider limits reads the stored manifest: it was stored bounded.
    const wide = { maxItems: 1000, maxDescriptionChars: HUGE_CHARS * 2 };
    const again = await startTestGateway(servers, { stateDir, gateway: { definitionLimits: wide } });
    try {
      const manifest = again.gateway.catalog.manifest("huge");
      assert.ok(manifest, "the manifest was stored");
      assert.equal(again.gateway.supervisor.get("huge").currentState, "asleep");
      const description = String(manifest.tools.find((tool) => tool.name === "huge_description")?.description);
      assert.equal(description.length, limits.maxDescriptionChars);
      assert.ok(JSON.stringify(manifest).length < 64 * 1024, "the stored manifest is bounded");
    } finally {
      await again.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("refuses definitions past the per-server byte bound, in listing order", async () => {
    const env = { HUGE_DESCRIPTION_CHARS: "100", HUGE_SCHEMA_BYTES: "40000", HUGE_SCHEMA_TOOLS: "2", EXTRA_TOOLS: "2" };
    const t = await startTestGateway(
      { huge: { ...servers.huge, env } },
      { gateway: { definitionLimits: { maxManifestBytes: 65_536 } } },
    );
    try {
      const listed = await post(`${t.url}/mcp`, request("tools/list"));
      const names = listed.body.result.tools.map((tool: { name: string }) => tool.name);
      assert.deepEqual(names, [
        "huge__huge_description",
        "huge__huge_schema",
        "huge__ok_0",
        "huge__ok_1",
        "read_result",
      ]);
      const view = await getJson(`${t.url}/servers/huge`);
      assert.equal(view.limitedDefinitions.length, 1);
      assert.equal(view.limitedDefinitions[0].name, "huge_schema_1");
      assert.match(view.limitedDefinitions[0].reason, /maxManifestBytes/);
    } finally {
      await t.close();
    }
  });
});

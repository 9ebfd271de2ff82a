// Progressive discovery end to end, with real upstreams: a client finds, describes and calls a tool of an
// asleep server (which starts only at the call); the index follows list_changed; auto mode, per-client modes,
// pinned tools and a progressive per-server endpoint.
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { catalogUpstreams } from "./helpers/catalog-upstreams.ts";
import {
  callTool,
  openSession,
  post,
  referenceServers,
  request,
  resultText,
  startTestGateway,
  tempDir,
  waitUntil,
} from "./helpers/gateway.ts";

const SLICE = new URL("./fixtures/livemcpbench-slice.jsonl", import.meta.url).pathname;

const toolNames = (reply: { body: { result: { tools: { name: string }[] } } }) =>
  reply.body.result.tools.map((t) => t.name);
const json = (reply: Parameters<typeof resultText>[0]) => JSON.parse(resultText(reply));

describe("progressive discovery", () => {
  it("finds, describes and calls a tool of an asleep server; the server starts only at the call", async () => {
    const stateDir = tempDir();
    const servers = { memory: referenceServers(stateDir).memory };
    const first = await startTestGateway(servers, { stateDir });
    await post(`${first.url}/mcp`, request("tools/list")); // learns the manifest
    await first.close();

    const t = await startTestGateway(servers, { stateDir, gateway: { discovery: { mode: "progressive" } } });
    try {
      const memory = t.gateway.supervisor.get("memory");
      const listing = toolNames(await post(`${t.url}/mcp`, request("tools/list")));
      assert.deepEqual(listing, ["search_tools", "describe_tools", "call_tool", "read_result"]);

      const found = json(await callTool(t.url, "search_tools", { query: "add observations to entities in the graph" }));
      const names = found.tools.map((h: { name: string }) => h.name);
      assert.ok(names.includes("memory__add_observations"), `not found: ${names}`);
      assert.ok(found.tools.length <= 5, "default limit is 5");
      assert.equal(typeof found.tools[0].description, "string");

      const described = json(await callTool(t.url, "describe_tools", { names: ["memory__create_entities"] }));
      assert.equal(described.tools[0].name, "memory__create_entities");
      assert.ok(described.tools[0].inputSchema.properties.entities, "full input schema");
      assert.equal(memory.currentState, "asleep", "searching and describing never start a server");

      const entity = { name: "switchboard", entityType: "project", observations: ["routes calls"] };
      const created = await callTool(t.url, "call_tool", {
        name: "memory__create_entities",
        arguments: { entities: [entity] },
      });
      assert.equal(created.body.result.isError, undefined, resultText(created));
      assert.equal(memory.currentState, "ready", "the call started the server");
      const graph = await callTool(t.url, "call_tool", { name: "memory__read_graph" });
      assert.match(resultText(graph), /routes calls/);
    } finally {
      await t.close();
    }
  });

  it("answers bad meta-tool calls with tool errors the model can act on", async () => {
    const t = await startTestGateway(catalogUpstreams(SLICE, { only: ["MCP Yahoo Finance"] }), {
      gateway: { discovery: { mode: "progressive" } },
    });
    try {
      for (const [name, args, pattern] of [
        ["search_tools", {}, /needs `query`/],
        ["search_tools", { query: "stock", detail: "everything" }, /detail/],
        ["search_tools", { query: "stock", server: "nope" }, /no server named nope/],
        ["call_tool", { arguments: {} }, /needs `name`/],
        ["call_tool", { name: "search_tools" }, /not a gateway tool/],
        ["describe_tools", { names: [] }, /needs `names`/],
        ["read_result", { handle: 3 }, /handle/],
      ] as const) {
        const reply = await callTool(t.url, name, args);
        assert.equal(reply.body.result?.isError, true, `${name} ${JSON.stringify(args)}`);
        assert.match(resultText(reply), pattern);
      }
      const unknown = await callTool(t.url, "call_tool", { name: "MCP_Yahoo_Finance__no_such_tool" });
      assert.equal(unknown.body.error?.code, -32602, "an unknown tool is an invalid-params error, as a direct call");
    } finally {
      await t.close();
    }
  });

  it("keeps the index in step with list_changed: added, changed and removed tools", async () => {
    const dir = tempDir();
    const catalog = join(dir, "catalog.jsonl");
    const rows = readFileSync(SLICE, "utf8")
      .split("\n")
      .filter((l) => l.includes('"server": "MCP Yahoo Finance"'));
    writeFileSync(catalog, `${rows.join("\n")}\n`);
    // Changed definitions are accepted here (the integrity gate would hold them: test/integrity.test.ts).
    const t = await startTestGateway(catalogUpstreams(catalog, { fixtureArgs: ["--watch"] }), {
      gateway: { discovery: { mode: "progressive" }, serverDefaults: { onChange: "accept" } },
    });
    const search = async (query: string) =>
      json(await callTool(t.url, "search_tools", { query, limit: 10, detail: "summary" })).tools as {
        name: string;
        description: string;
      }[];
    try {
      await post(`${t.url}/mcp`, request("tools/list"));
      await waitUntil(async () => (await search("stock price")).length > 0);
      const server = "MCP_Yahoo_Finance";
      const added = JSON.stringify({
        server: "MCP Yahoo Finance",
        name: "convert_currency_quote",
        description: "Convert an amount between currencies at the latest exchange rate.",
        input_schema: { type: "object", properties: { amount: { type: "number" } } },
      });
      const first = JSON.parse(rows[0] as string) as { name: string; description: string };
      const changed = JSON.stringify({ ...JSON.parse(rows[0] as string), description: "Zebra migration tracker." });
      const removed = JSON.parse(rows[1] as string) as { name: string };
      writeFileSync(catalog, `${[changed, ...rows.slice(2), added].join("\n")}\n`);
      await waitUntil(async () =>
        (await search("exchange rate currencies")).some((h) => h.name.endsWith("convert_currency_quote")),
      );
      const zebra = await search("zebra migration");
      assert.equal(zebra[0]?.name, `${server}__${first.name}`, "changed description is indexed");
      const gone = await search(removed.name.replace(/_/g, " "));
      assert.ok(!gone.some((h) => h.name === `${server}__${removed.name}`), "removed tool is gone");
    } finally {
      await t.close();
    }
  });

  it("auto mode switches at the threshold; clients, pinned tools and server endpoints choose their own", async () => {
    const dir = tempDir();
    const catalog = join(dir, "catalog.jsonl");
    copyFileSync(SLICE, catalog);
    const servers = catalogUpstreams(catalog);
    const [firstServer] = Object.keys(servers);
    servers[firstServer as string] = { ...servers[firstServer as string], discovery: "progressive" };
    const t = await startTestGateway(servers, {
      gateway: {
        discovery: {
          mode: "auto",
          autoThreshold: 10,
          pinned: [],
          clients: [
            { name: "full-*", mode: "full" },
            { name: "pinning-client", pinned: ["MCP_Yahoo_Finance__get_news"] },
          ],
        },
      },
    });
    try {
      const all = toolNames(
        await post(`${t.url}/mcp`, request("tools/list"), {
          "mcp-session-id": await openSession(`${t.url}/mcp`, "2025-11-25", "full-listing"),
        }),
      );
      assert.ok(all.length > 10, "full listing for a client matched as full");
      assert.ok(all.includes("read_result"), "read_result is listed where budgets can cut");
      const progressive = toolNames(await post(`${t.url}/mcp`, request("tools/list")));
      assert.deepEqual(progressive, ["search_tools", "describe_tools", "call_tool", "read_result"]);
      const pinned = toolNames(
        await post(`${t.url}/mcp`, request("tools/list"), {
          "mcp-session-id": await openSession(`${t.url}/mcp`, "2025-11-25", "pinning-client"),
        }),
      );
      assert.ok(pinned.includes("MCP_Yahoo_Finance__get_news"), `pinned tool listed: ${pinned}`);
      const own = toolNames(await post(`${t.url}/mcp/${firstServer}`, request("tools/list")));
      assert.ok(own.includes("search_tools"), "the server's endpoint is progressive as configured");
      const hits = json(
        await post(
          `${t.url}/mcp/${firstServer}`,
          request("tools/call", { name: "search_tools", arguments: { query: "search", detail: "name" } }),
        ),
      );
      assert.ok(
        hits.tools.every((name: string) => !name.includes("__")),
        "a server endpoint speaks its own names",
      );
    } finally {
      await t.close();
    }
  });
});

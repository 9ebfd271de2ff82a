// search_tools with semantic retrieval on, through a real gateway: the fixture embeddings server on 127.0.0.1
// (hashing-trick vectors over words and character trigrams; named as a fixture, not a model) embeds the catalog's
// tools in the background at start, and search_tools fuses its ranking with the lexical one. A misspelt query the
// lexical index cannot match finds its tool; the tools are embedded once (not again per search); with the
// endpoint failing, search_tools answers from the lexical index alone.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type FixtureEmbeddingServer, startFixtureEmbeddingServer } from "./fixtures/fixture-embedding-server.ts";
import { catalogUpstreams } from "./helpers/catalog-upstreams.ts";
import {
  callTool,
  post,
  request,
  resultText,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from "./helpers/gateway.ts";

const SLICE = new URL("./fixtures/livemcpbench-slice.jsonl", import.meta.url).pathname;
const KEY = "sk-fixture-fused-0123456789";
const FINANCE = "MCP_Yahoo_Finance";

const names = (reply: Parameters<typeof resultText>[0]): string[] =>
  (JSON.parse(resultText(reply)).tools as { name: string }[]).map((t) => t.name);

describe("fused tool search through the gateway", () => {
  let embeddings: FixtureEmbeddingServer;
  let lexical: TestGateway;
  let fused: TestGateway;
  const servers = catalogUpstreams(SLICE, { only: ["MCP Yahoo Finance", "Time MCP Server"] });

  before(async () => {
    embeddings = await startFixtureEmbeddingServer({ apiKey: KEY });
    lexical = await startTestGateway(servers, { gateway: { discovery: { mode: "progressive" } } });
    fused = await startTestGateway(servers, {
      gateway: {
        discovery: {
          mode: "progressive",
          search: { semantic: { enabled: true, url: embeddings.url, model: "fixture-model", apiKey: KEY } },
        },
      },
    });
  });
  after(async () => {
    await lexical?.close();
    await fused?.close();
    await embeddings?.close();
  });

  it("embeds every tool once and finds a tool by a misspelt word the lexical index misses", async () => {
    // A progressive tools/list starts the servers not known yet; their tools are embedded as they arrive.
    for (const t of [lexical, fused]) await post(`${t.url}/mcp`, request("tools/list"));
    await waitUntil(async () => embeddings.stats.texts.filter((t) => t.startsWith("get ")).length >= 10);
    await waitUntil(async () => names(await callTool(lexical.url, "search_tools", { query: "dividends" })).length > 0);
    const query = { query: "dividnds payed out", limit: 3 };
    const alone = names(await callTool(lexical.url, "search_tools", query));
    assert.ok(!alone.includes(`${FINANCE}__get_dividends`), `lexical alone: ${alone.join(", ")}`);
    await waitUntil(async () =>
      names(await callTool(fused.url, "search_tools", query)).includes(`${FINANCE}__get_dividends`),
    );
    assert.equal(names(await callTool(fused.url, "search_tools", query))[0], `${FINANCE}__get_dividends`);
    // A query the lexical index answers well keeps its best hit in the fused ranking. The time server's tools are
    // embedded in the background like the rest: wait until a misspelt query only the vectors can answer finds one.
    const misspelt = { query: "convrt tmezone", limit: 3 };
    assert.ok(!names(await callTool(lexical.url, "search_tools", misspelt)).includes("Time_MCP_Server__convert_time"));
    await waitUntil(async () =>
      names(await callTool(fused.url, "search_tools", misspelt)).includes("Time_MCP_Server__convert_time"),
    );
    const time = names(await callTool(fused.url, "search_tools", { query: "convert time between timezones" }));
    assert.equal(time[0], "Time_MCP_Server__convert_time");
    const embedded = embeddings.stats.texts.filter((t) => t.startsWith("get dividends:"));
    assert.deepEqual(embedded, ["get dividends: Get dividends for a given stock symbol."], "embedded once");
  });

  it("answers from the lexical index alone while the embeddings endpoint fails", async () => {
    embeddings.fail(500, '{"error":{"message":"down"}}', 1_000);
    try {
      const query = { query: "stock price on a specific date" };
      const asked = embeddings.stats.requests;
      const hits = names(await callTool(fused.url, "search_tools", query));
      assert.ok(embeddings.stats.requests > asked, "the query was sent to the failing endpoint");
      assert.equal(hits[0], `${FINANCE}__get_stock_price_by_date`);
      assert.deepEqual(hits, names(await callTool(lexical.url, "search_tools", query)), "the lexical ranking");
    } finally {
      embeddings.fail(500, "", 0);
    }
  });
});

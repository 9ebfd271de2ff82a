// Token accounting with real upstreams (the catalog fixture serving a slice of the LiveMCPBench catalog, and the
// reference memory server): GET /tokens and `switchboard tools tokens` (--json and table, against the running
// gateway and straight from the manifest cache) agree; per-server counts add up to the total; the counts equal
// an independent count of the same serialized tools; a catalog that changes is counted again. Also the catalog
// fixture's options (--limit, --replicate, --page-size) through the gateway.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadTokenCounter } from "../src/adapters/tokens/tiktoken-counter.ts";
import { PROGRESSIVE_META_TOOLS } from "../src/services/discovery/meta-tools.ts";
import type { TokenReport } from "../src/services/tokens/token-accounting.ts";
import { CATALOG_SERVER, catalogUpstreams, readCatalogServers } from "./helpers/catalog-upstreams.ts";
import { describeRun, runCli, writeConfig } from "./helpers/cli.ts";
import {
  callTool,
  referenceServers,
  startTestGateway,
  type TestGateway,
  tempDir,
  waitUntil,
} from "./helpers/gateway.ts";

const SLICE = fileURLToPath(new URL("./fixtures/livemcpbench-slice.jsonl", import.meta.url));
const PINNED = "Time_MCP_Server__get_current_time";

const counter = await loadTokenCounter();
const tokensOf = (items: readonly unknown[]) =>
  items.reduce<number>((n, item) => n + counter.count(JSON.stringify(item)), 0);

/** Each catalog server's tools as the gateway lists them (namespaced), counted without the gateway's code. */
function independentCounts(catalogFile: string): Record<string, number> {
  return Object.fromEntries(
    readCatalogServers(catalogFile).map((server) => [
      server.name,
      tokensOf(server.tools.map((tool) => ({ ...tool, name: `${server.name}__${tool.name}` }))),
    ]),
  );
}

async function getTokens(url: string): Promise<TokenReport> {
  const response = await fetch(`${url}/tokens`);
  assert.equal(response.status, 200);
  return (await response.json()) as TokenReport;
}

/** Starts every server at boot and waits until each one's manifest is read and stored. */
async function startWithManifests(servers: Record<string, Record<string, unknown>>, stateDir: string, gateway = {}) {
  const eager = Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, { ...s, lifecycle: "eager" }]));
  const t = await startTestGateway(eager, { stateDir, gateway: { stateDir, ...gateway } });
  await waitUntil(() => t.gateway.catalog.unknownServers().length === 0, 30_000);
  await Promise.all(Object.keys(servers).map((name) => t.gateway.catalog.settled(name)));
  return t;
}

/** The CLI table's server rows (name → tokens) and its full-listing total. */
function parseTable(text: string): { servers: Record<string, number>; total: number } {
  const [header, ...rows] = text.split("\n\n")[0]?.split("\n") ?? [];
  assert.match(header ?? "", /^SERVER\s+TOKENS\s+SHARE$/);
  const cells = rows.map((row) => row.split(/\s{2,}/));
  const totalRow = cells.find(([name]) => name === "(full listing)");
  assert.ok(totalRow, text);
  return {
    servers: Object.fromEntries(cells.filter((c) => c !== totalRow).map(([name, tokens]) => [name, Number(tokens)])),
    total: Number(totalRow[1]),
  };
}

describe("token accounting with real upstreams", () => {
  let t: TestGateway;
  let stateDir: string;
  let configPath: string;
  let rest: TokenReport;
  const expected = independentCounts(SLICE);

  before(async () => {
    stateDir = tempDir();
    const servers: Record<string, Record<string, unknown>> = {
      ...catalogUpstreams(SLICE),
      memory: referenceServers(stateDir).memory as Record<string, unknown>,
    };
    servers.Time_MCP_Server = { ...servers.Time_MCP_Server, maxResultTokens: 50 }; // its echo of long arguments is cut
    const gateway = { stateDir, discovery: { pinned: [PINNED, "no_such__tool"] } };
    configPath = writeConfig(stateDir, { gateway, servers });
    t = await startWithManifests(servers, stateDir, gateway);
    rest = await getTokens(t.url);
  });
  after(async () => {
    await t?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  test("GET /tokens: per-server counts add up and equal an independent count of the listed tools", async () => {
    assert.equal(rest.encoding, "o200k_base");
    assert.equal(rest.estimate, true);
    const servers = Object.keys(rest.full.servers).sort();
    assert.deepEqual(servers, [...Object.keys(expected), "memory"].sort());
    const sum = Object.values(rest.full.servers).reduce((a, b) => a + b, 0);
    assert.equal(rest.full.total, sum);
    for (const [name, tokens] of Object.entries(expected)) assert.equal(rest.full.servers[name], tokens, name);
    // The whole listing as the gateway keeps it, counted tool by tool.
    assert.equal(rest.full.total, tokensOf(t.gateway.catalog.tools().items));
    assert.equal(rest.full.tools, t.gateway.catalog.tools().items.length);
    assert.ok((rest.full.servers.memory ?? 0) > 0);
  });

  test("the progressive listing: meta-tools plus the pinned tools that exist, and the reduction", async () => {
    const pinned = t.gateway.catalog.tools().items.find((item) => item.name === PINNED);
    assert.ok(pinned);
    assert.equal(rest.progressive.metaTools, tokensOf(PROGRESSIVE_META_TOOLS));
    assert.equal(rest.progressive.pinned, tokensOf([pinned]));
    assert.equal(rest.progressive.total, rest.progressive.metaTools + rest.progressive.pinned);
    const reduction = Math.round((1 - rest.progressive.total / rest.full.total) * 10_000) / 100;
    assert.equal(rest.reductionPercent, reduction);
    assert.ok(rest.reductionPercent > 0);
    assert.deepEqual(rest.budgets, { cutResults: 0, tokensSaved: 0 }, "nothing was cut yet");
  });

  test("a result cut by its output budget shows in the budgets' savings", async () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
    const reply = await callTool(t.url, "Time_MCP_Server__get_current_time", { timezone: words });
    assert.equal(reply.body.result.isError, undefined);
    const report = await getTokens(t.url);
    assert.equal(report.budgets?.cutResults, 1);
    assert.ok((report.budgets?.tokensSaved ?? 0) > 500, JSON.stringify(report.budgets));
    assert.deepEqual({ ...report, budgets: null }, { ...rest, budgets: null }, "the listing counts are unchanged");
  });

  test("other methods are refused", async () => {
    const post = await fetch(`${t.url}/tokens`, { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET");
  });

  test("switchboard tools tokens --url: the same numbers as JSON and as a table", async () => {
    const current = await getTokens(t.url);
    const json = await runCli(["tools", "tokens", "--url", t.url, "--json"]);
    assert.equal(json.code, 0, describeRun(json));
    assert.deepEqual(JSON.parse(json.stdout), current);
    const table = await runCli(["tools", "tokens", "--url", t.url]);
    assert.equal(table.code, 0, describeRun(table));
    assert.deepEqual(parseTable(table.stdout), { servers: rest.full.servers, total: rest.full.total });
    assert.match(table.stdout, new RegExp(`progressive listing: ${rest.progressive.total} tokens`));
    assert.match(table.stdout, new RegExp(`reduction: +${rest.reductionPercent}%`));
    assert.match(table.stdout, /estimates, o200k_base/);
    const { cutResults, tokensSaved } = current.budgets ?? { cutResults: -1, tokensSaved: -1 };
    assert.match(table.stdout, new RegExp(`budgets: +${cutResults} results cut, ${tokensSaved} tokens saved`));
  });

  test("switchboard tools tokens --config: the same listing counts from the manifest cache, no gateway running", async () => {
    await t.close(); // the manifests stay in the state directory's registry
    const json = await runCli(["tools", "tokens", "--config", configPath, "--json"]);
    assert.equal(json.code, 0, describeRun(json));
    const local = JSON.parse(json.stdout) as TokenReport;
    assert.deepEqual({ ...local, budgets: null }, { ...rest, budgets: null });
    assert.equal(local.budgets, null, "no gateway running: no budget statistics");
    const table = await runCli(["tools", "tokens", "--config", configPath]);
    assert.equal(table.code, 0, describeRun(table));
    assert.deepEqual(parseTable(table.stdout), { servers: rest.full.servers, total: rest.full.total });
    assert.match(table.stdout, /budgets: +not available/);
  });
});

describe("token accounting follows catalog changes", () => {
  let t: TestGateway;
  let dir: string;
  let catalogFile: string;
  const lines = readFileSync(SLICE, "utf8").trim().split("\n");

  before(async () => {
    dir = tempDir();
    catalogFile = join(dir, "catalog.jsonl");
    writeFileSync(catalogFile, `${lines.slice(0, 3).join("\n")}\n`);
    const server = { command: process.execPath, args: [CATALOG_SERVER, "--catalog", catalogFile, "--watch"] };
    t = await startWithManifests({ watched: server }, dir);
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a tool added upstream (list_changed) is counted in the next report", async () => {
    const before = await getTokens(t.url);
    assert.equal(before.full.tools, 3);
    writeFileSync(catalogFile, `${lines.slice(0, 4).join("\n")}\n`);
    await waitUntil(() => t.gateway.catalog.tools().items.length === 4, 15_000);
    const afterChange = await getTokens(t.url);
    const added = t.gateway.catalog.tools().items[3];
    assert.equal(afterChange.full.tools, 4);
    assert.equal(afterChange.full.total, before.full.total + tokensOf([added]));
    assert.equal(afterChange.full.servers.watched, afterChange.full.total);
  });
});

describe("catalog fixture options", () => {
  test("--limit, --replicate and --page-size: the gateway follows the pages and lists every copy", async () => {
    const dir = tempDir();
    const server = {
      command: process.execPath,
      args: [CATALOG_SERVER, "--catalog", SLICE, "--limit", "2", "--replicate", "3", "--page-size", "4"],
    };
    const t = await startWithManifests({ big: server }, dir);
    try {
      const [first, second] = readCatalogServers(SLICE).flatMap((s) => s.tools.map((tool) => tool.name));
      const names = t.gateway.catalog.tools().items.map((item) => item.name);
      const copies = ["", "-r2", "-r3"].flatMap((suffix) => [`big__${first}${suffix}`, `big__${second}${suffix}`]);
      assert.deepEqual(names, copies);
      const report = await getTokens(t.url);
      assert.equal(report.full.tools, 6);
      assert.equal(report.full.total, tokensOf(t.gateway.catalog.tools().items));
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

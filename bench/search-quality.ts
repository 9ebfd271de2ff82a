// Tool-search quality benchmark (`npm run bench:search`).
//
//   npm run bench:search                       scores the two shared sets and prints the metrics
//   npm run bench:search -- --json             the same, as JSON
//   npm run bench:search -- --catalog FILE.jsonl --queries FILE.jsonl --out FILE.jsonl
//                                              ranks any queries ({id, query} lines) against any catalog in
//                                              the LiveMCPBench format; writes {id, ranked: [top 20 ids]} lines
//   --server-weight X, --k1 X                  ablations of the ranking (defaults are the gateway's)
//   --data DIR                                 where the shared sets are (default ../shared/tool-retrieval)
//
// Scoring follows the sets' READMEs: LiveMCPBench tool-level Recall@1/5/10 (gold names found among the top-k
// tool names / resolvable gold names, macro-averaged over queries with a resolvable gold) and all-gold@10;
// MetaTool Hit@1/5 over the single-tool queries and Recall@5 over the two-tool queries.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Bm25fIndex, DEFAULT_BM25F } from "../src/adapters/search/bm25f-index.ts";
import type { SearchIndex, ToolDocument } from "../src/ports/search-index.ts";
import { toolDocument } from "../src/services/search/tool-documents.ts";

interface CatalogLine {
  id: string;
  server: string;
  server_description?: string;
  name: string;
  description?: string;
  input_schema?: Record<string, unknown>;
}

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    catalog: { type: "string" },
    queries: { type: "string" },
    out: { type: "string" },
    data: { type: "string", default: resolve(here, "../../shared/tool-retrieval") },
    "server-weight": { type: "string" },
    k1: { type: "string" },
    weights: { type: "string" },
    b: { type: "string" },
    json: { type: "boolean", default: false },
  },
});

const options = {
  ...DEFAULT_BM25F,
  ...(args["server-weight"] !== undefined ? { serverWeight: Number(args["server-weight"]) } : {}),
  ...(args.k1 !== undefined ? { k1: Number(args.k1) } : {}),
  ...(args.weights !== undefined ? { weights: fieldValues(args.weights) } : {}),
  ...(args.b !== undefined ? { b: fieldValues(args.b) } : {}),
};

/** `name,description,parameters,server` numbers. */
function fieldValues(list: string) {
  const [name, description, parameters, server] = list.split(",").map(Number) as number[];
  return { name: name ?? 0, description: description ?? 0, parameters: parameters ?? 0, server: server ?? 0 };
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

/** Indexes catalog lines the way the gateway indexes manifests (one replaceServer per server). */
function buildIndex(lines: readonly CatalogLine[]): SearchIndex {
  const index = new Bm25fIndex(options);
  const byServer = new Map<string, ToolDocument[]>();
  for (const line of lines) {
    const doc = toolDocument(
      line.id,
      line.server,
      { name: line.name, description: line.description ?? "", inputSchema: line.input_schema ?? {} },
      line.server_description ?? "",
    );
    byServer.set(line.server, [...(byServer.get(line.server) ?? []), doc]);
  }
  for (const [server, docs] of byServer) index.replaceServer(server, docs);
  return index;
}

const rank = (index: SearchIndex, text: string, k: number) => index.search({ text, limit: k }).map((h) => h.id);
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
const round = (x: number) => Math.round(x * 1000) / 1000;

function liveMcpBench(dir: string) {
  const catalog = readJsonl<CatalogLine>(resolve(dir, "catalog.jsonl"));
  const nameOf = new Map(catalog.map((line) => [line.id, line.name]));
  const queries = readJsonl<{ id: string; query: string; gold_tool_ids: string[]; gold_tool_names: string[] }>(
    resolve(dir, "queries.jsonl"),
  );
  const index = buildIndex(catalog);
  const recall = { 1: [] as number[], 5: [] as number[], 10: [] as number[] };
  const allGold: number[] = [];
  for (const q of queries) {
    const gold = new Set(q.gold_tool_ids.map((id) => nameOf.get(id) as string));
    if (gold.size === 0) continue;
    const ranked = rank(index, q.query, 10).map((id) => nameOf.get(id));
    for (const k of [1, 5, 10] as const) {
      const found = new Set(ranked.slice(0, k).filter((name) => name !== undefined && gold.has(name)));
      recall[k].push(found.size / gold.size);
    }
    allGold.push(recall[10][recall[10].length - 1] === 1 ? 1 : 0);
  }
  return {
    queries: recall[1].length,
    tools: catalog.length,
    "R@1": round(mean(recall[1])),
    "R@5": round(mean(recall[5])),
    "R@10": round(mean(recall[10])),
    "all-gold@10": round(mean(allGold)),
  };
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

function metaTool(dir: string) {
  const descriptions = JSON.parse(readFileSync(resolve(dir, "plugin_des.json"), "utf8")) as Record<string, string>;
  const lines: CatalogLine[] = Object.entries(descriptions).map(([name, description]) => ({
    id: name,
    server: name,
    name,
    description,
  }));
  // One tool per "server": the server share would only repeat the tool's own score.
  const index = buildIndex(lines);
  const rows = parseCsv(readFileSync(resolve(dir, "all_clean_data.csv"), "utf8")).slice(1);
  const hit1: number[] = [];
  const hit5: number[] = [];
  for (const [query, tool] of rows) {
    if (!query || !tool) continue;
    const ranked = rank(index, query, 5);
    hit1.push(ranked[0] === tool ? 1 : 0);
    hit5.push(ranked.includes(tool) ? 1 : 0);
  }
  const multi = JSON.parse(readFileSync(resolve(dir, "multi_tool_query_golden.json"), "utf8")) as {
    query: string;
    tool: string[];
  }[];
  const recall5 = multi.map((q) => {
    const ranked = new Set(rank(index, q.query, 5));
    return q.tool.filter((t) => ranked.has(t)).length / q.tool.length;
  });
  return {
    queries: hit1.length,
    tools: lines.length,
    "Hit@1": round(mean(hit1)),
    "Hit@5": round(mean(hit5)),
    "multi R@5": round(mean(recall5)),
    "multi queries": multi.length,
  };
}

/** Search latency over the LiveMCPBench catalog repeated to `size` tools, with its queries (limit 5). */
function latency(dir: string, size: number) {
  const base = readJsonl<CatalogLine>(resolve(dir, "catalog.jsonl"));
  const copies = Math.ceil(size / base.length);
  const lines = Array.from({ length: copies }, (_, copy) =>
    base.map((line) => ({ ...line, id: `${line.id}#${copy}`, server: `${line.server}#${copy}` })),
  )
    .flat()
    .slice(0, size);
  const started = performance.now();
  const index = buildIndex(lines);
  const buildMs = performance.now() - started;
  const queries = readJsonl<{ query: string }>(resolve(dir, "queries.jsonl")).map((q) => q.query);
  for (const q of queries) rank(index, q, 5); // warm-up
  const samples: number[] = [];
  for (let round = 0; round < 20; round++) {
    for (const q of queries) {
      const t0 = performance.now();
      rank(index, q, 5);
      samples.push(performance.now() - t0);
    }
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => round(samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] as number);
  return { tools: index.size, searches: samples.length, buildMs: Math.round(buildMs), p50Ms: at(0.5), p99Ms: at(0.99) };
}

if (args.catalog || args.queries || args.out) {
  if (!args.catalog || !args.queries) throw new Error("--catalog and --queries go together");
  const index = buildIndex(readJsonl<CatalogLine>(args.catalog));
  const out = readJsonl<{ id: string; query: string }>(args.queries).map((q) =>
    JSON.stringify({ id: q.id, ranked: rank(index, q.query, 20) }),
  );
  if (args.out) writeFileSync(args.out, `${out.join("\n")}\n`);
  else process.stdout.write(`${out.join("\n")}\n`);
} else {
  const data = resolve(args.data as string);
  const results = {
    ranking: options,
    livemcpbench: liveMcpBench(resolve(data, "livemcpbench")),
    metatool: metaTool(resolve(data, "metatool")),
    latency: latency(resolve(data, "livemcpbench"), 10_000),
  };
  if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else {
    console.log(`LiveMCPBench (${results.livemcpbench.queries} queries, ${results.livemcpbench.tools} tools)`);
    for (const key of ["R@1", "R@5", "R@10", "all-gold@10"] as const)
      console.log(`  ${key.padEnd(12)} ${results.livemcpbench[key].toFixed(3)}`);
    console.log(`MetaTool (${results.metatool.queries} queries, ${results.metatool.tools} tools)`);
    for (const key of ["Hit@1", "Hit@5", "multi R@5"] as const)
      console.log(`  ${key.padEnd(12)} ${results.metatool[key].toFixed(3)}`);
    const l = results.latency;
    console.log(`Search latency (${l.tools} tools, ${l.searches} LiveMCPBench queries, limit 5, one core)`);
    console.log(`  p50 ${l.p50Ms} ms   p99 ${l.p99Ms} ms   index build ${l.buildMs} ms`);
  }
}

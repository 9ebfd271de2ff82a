// Entry point of `npm run bench:tokens`: what tool listings and tool search cost a model, measured through a real
// gateway serving the LiveMCPBench catalog (one catalog-fixture upstream per catalog server): tokens of the full
// and the progressive tools/list reply, the reduction, and the reply of a 5-hit `detail: "summary"` search_tools
// call. Token counts are o200k_base estimates (js-tiktoken). A table on stdout, or one JSON object with --json.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadTokenCounter } from "../src/adapters/tokens/tiktoken-counter.ts";
import type { TokenReport } from "../src/services/tokens/token-accounting.ts";
import { catalogUpstreams } from "../test/helpers/catalog-upstreams.ts";
import { freePort } from "./ports.ts";
import { installCleanupHandlers, sleep, start, stop, trackTree } from "./processes.ts";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_CATALOG = resolve(REPO_ROOT, "../shared/tool-retrieval/livemcpbench/catalog.jsonl");
const GOALS = { reductionPercent: 98.5, searchReplyTokens: 600 };
const log = (text: string) => process.stderr.write(`${text}\n`);

const USAGE = `Usage: npm run bench:tokens -- [options]

  --catalog FILE   Catalog (JSON lines of server, name, description, input_schema); default the LiveMCPBench
                   catalog at ../shared/tool-retrieval/livemcpbench/catalog.jsonl from the repository root
  --queries N      search_tools calls, with the first N queries of queries.jsonl beside the catalog (default 10)
  --replicate N    Serve every catalog server's tools N times (scale runs; default 1)
  --json           One JSON object on stdout instead of the table`;

interface Options {
  catalog: string;
  queries: number;
  replicate: number;
  json: boolean;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      catalog: { type: "string" },
      queries: { type: "string", default: "10" },
      replicate: { type: "string", default: "1" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;
  return {
    catalog: resolve(values.catalog ?? DEFAULT_CATALOG),
    queries: Number(values.queries),
    replicate: Number(values.replicate),
    json: values.json,
  };
}

/** One MCP session over HTTP (2025 era), announcing itself with the given client name. */
async function openSession(url: string, clientName: string) {
  let id = 0;
  let sessionId: string | undefined;
  const post = async (body: Record<string, unknown>) => {
    const response = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(sessionId ? { "mcp-session-id": sessionId } : {}),
      },
      body: JSON.stringify(body),
    });
    sessionId ??= response.headers.get("mcp-session-id") ?? undefined;
    const text = await response.text();
    if (!(response.headers.get("content-type") ?? "").includes("text/event-stream"))
      return text ? JSON.parse(text) : {};
    const events = text.split("\n").filter((line) => line.startsWith("data: "));
    return JSON.parse((events.at(-1) ?? "data: {}").slice(6));
  };
  const request = (method: string, params: Record<string, unknown> = {}) =>
    post({ jsonrpc: "2.0", id: ++id, method, params });
  await request("initialize", {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: clientName, version: "1" },
  });
  await post({ jsonrpc: "2.0", method: "notifications/initialized" });
  return { request };
}

/** All pages of tools/list. */
async function listTools(session: Awaited<ReturnType<typeof openSession>>): Promise<Record<string, unknown>[]> {
  const tools: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  do {
    const reply = await session.request("tools/list", cursor ? { cursor } : {});
    if (reply.error) throw new Error(`tools/list failed: ${JSON.stringify(reply.error)}`);
    tools.push(...(reply.result.tools as Record<string, unknown>[]));
    cursor = reply.result.nextCursor;
  } while (cursor);
  return tools;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

function readQueries(catalog: string, n: number): string[] {
  const file = join(dirname(catalog), "queries.jsonl");
  if (!existsSync(file)) return ["get the current stock price of a company"];
  const lines = readFileSync(file, "utf8").trim().split("\n").slice(0, n);
  return lines.map((line) => String((JSON.parse(line) as { query: string }).query));
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
};

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!existsSync(options.catalog)) throw new Error(`${options.catalog} not found (pass --catalog FILE)`);
  installCleanupHandlers();
  const counter = await loadTokenCounter();
  const workDir = mkdtempSync(join(tmpdir(), "switchboard-bench-tokens-"));
  const servers = catalogUpstreams(options.catalog, {
    fixtureArgs: options.replicate > 1 ? ["--replicate", String(options.replicate)] : [],
    // Started once at boot to read their tools, then asleep: the listing comes from the manifest cache.
    settings: { lifecycle: "eager", idleTimeoutMs: 3_000, healthCheckIntervalMs: 0 },
  });
  const config = {
    gateway: {
      stateDir: join(workDir, "state"),
      logLevel: "warn",
      discovery: { mode: "progressive", clients: [{ name: "bench-full", mode: "full" }] },
    },
    servers,
  };
  const configPath = join(workDir, "switchboard.json");
  writeFileSync(configPath, JSON.stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cli = join(REPO_ROOT, "src/fronts/cli/main.ts");
  log(`starting a gateway with ${Object.keys(servers).length} catalog upstreams on ${url}`);
  const gateway = start(process.execPath, [cli, "serve", "--config", configPath, "--port", String(port)]);
  try {
    const upAt = Date.now();
    await waitFor("gateway health", async () => ((await fetch(`${url}/health`)).ok ? true : undefined), 30_000);
    const known = await waitFor(
      "every server's tools",
      async () => {
        trackTree(gateway);
        const rows = (await (await fetch(`${url}/servers`)).json()) as { tools: number | null; status: string }[];
        const failed = rows.filter((r) => r.status === "failed").length;
        if (failed > 0) throw new Error(`${failed} upstreams failed`);
        return rows.every((r) => r.tools !== null) ? rows.reduce((n, r) => n + (r.tools ?? 0), 0) : undefined;
      },
      180_000,
    );
    log(`${known} tools known after ${((Date.now() - upAt) / 1000).toFixed(1)} s`);
    const result = await measure(url, counter, readQueries(options.catalog, options.queries), known);
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${table(result)}\n`);
    return 0;
  } catch (error) {
    log(gateway.tail());
    throw error;
  } finally {
    await stop(gateway, 10_000);
    rmSync(workDir, { recursive: true, force: true });
  }
}

interface TokenCounterLike {
  count(text: string): number;
  encoding: string;
}

async function measure(url: string, counter: TokenCounterLike, queries: readonly string[], upstreamTools: number) {
  const full = await listTools(await openSession(url, "bench-full"));
  const progressiveSession = await openSession(url, "bench-progressive");
  const progressive = await listTools(progressiveSession);
  const fullTokens = counter.count(JSON.stringify({ tools: full }));
  const progressiveTokens = counter.count(JSON.stringify({ tools: progressive }));
  const isProgressive = progressive.some((tool) => tool.name === "search_tools");
  const search = await measureSearch(progressiveSession, counter, queries, isProgressive);
  const first = await timedReport(url, progressiveSession);
  const cached = await timedReport(url, progressiveSession);
  return {
    encoding: counter.encoding,
    estimate: true,
    full: { tools: full.length, upstreamTools, tokens: fullTokens },
    progressive: isProgressive
      ? { tools: progressive.length, tokens: progressiveTokens }
      : { unavailable: "the gateway listed every tool to a progressive client" },
    reductionPercent: isProgressive ? Math.round((1 - progressiveTokens / fullTokens) * 10_000) / 100 : null,
    searchTools: search,
    report: {
      ...first.report,
      firstRequestMs: first.ms,
      cachedRequestMs: cached.ms,
      slowestPingDuringFirstMs: first.slowestPingMs,
    },
    goals: GOALS,
  };
}

/**
 * GET /tokens, timed, while the session pings the gateway back to back: the slowest ping says how long the
 * count held up the gateway's event loop.
 */
async function timedReport(url: string, session: Awaited<ReturnType<typeof openSession>>) {
  const startedAt = performance.now();
  let done = false;
  const pending = fetch(`${url}/tokens`)
    .then((r) => r.json() as Promise<TokenReport>)
    .finally(() => {
      done = true;
    });
  let slowestPingMs = 0;
  while (!done) {
    const pingAt = performance.now();
    await session.request("ping");
    slowestPingMs = Math.max(slowestPingMs, performance.now() - pingAt);
  }
  const report = await pending;
  return { report, ms: Math.round(performance.now() - startedAt), slowestPingMs: Math.round(slowestPingMs) };
}

type SearchMeasure =
  | { queries: number; limit: number; detail: string; fewestHits: number; medianTokens: number; maxTokens: number }
  | { unavailable: string };

async function measureSearch(
  session: Awaited<ReturnType<typeof openSession>>,
  counter: TokenCounterLike,
  queries: readonly string[],
  isProgressive: boolean,
): Promise<SearchMeasure> {
  if (!isProgressive) return { unavailable: "no search_tools in the progressive listing" };
  const sizes: number[] = [];
  const hits: number[] = [];
  for (const query of queries) {
    const reply = await session.request("tools/call", {
      name: "search_tools",
      arguments: { query, limit: 5, detail: "summary" },
    });
    const result = reply.result as { content?: { type: string; text?: string }[]; isError?: boolean } | undefined;
    if (reply.error || !result || result.isError) {
      return { unavailable: `search_tools failed: ${JSON.stringify(reply.error ?? result).slice(0, 300)}` };
    }
    const text = (result.content ?? []).map((block) => (block.type === "text" ? block.text : "")).join("");
    sizes.push(counter.count(text));
    hits.push(hitCount(text));
  }
  return {
    queries: sizes.length,
    limit: 5,
    detail: "summary",
    fewestHits: Math.min(...hits),
    medianTokens: median(sizes),
    maxTokens: Math.max(...sizes),
  };
}

/** Tools in a search reply's JSON text (`{"tools": [...]}`); -1 when the text is not that shape. */
function hitCount(text: string): number {
  try {
    const parsed = JSON.parse(text) as { tools?: unknown };
    return Array.isArray(parsed.tools) ? parsed.tools.length : -1;
  } catch {
    return -1;
  }
}

type Measured = Awaited<ReturnType<typeof measure>>;

function table(m: Measured): string {
  const rows: [string, string, string][] = [];
  const goal = (ok: boolean, text: string) => `${text} ${ok ? "met" : "MISSED"}`;
  const own = m.full.tools - m.full.upstreamTools;
  const gatewayTools = own > 0 ? ` + ${own} of the gateway` : "";
  rows.push([`full listing (tools/list: ${m.full.upstreamTools} tools${gatewayTools})`, String(m.full.tokens), ""]);
  if ("tokens" in m.progressive) {
    rows.push([`progressive listing (tools/list, ${m.progressive.tools} tools)`, String(m.progressive.tokens), ""]);
    const r = m.reductionPercent ?? 0;
    rows.push(["reduction", `${r}%`, goal(r >= GOALS.reductionPercent, `>= ${GOALS.reductionPercent}%`)]);
  } else rows.push(["progressive listing", "unavailable", m.progressive.unavailable]);
  if ("maxTokens" in m.searchTools) {
    const s = m.searchTools;
    rows.push([
      `search_tools reply (limit 5, summary; median of ${s.queries} queries, >= ${s.fewestHits} hits each)`,
      String(s.medianTokens),
      "",
    ]);
    rows.push([
      `search_tools reply (limit 5, summary; max of ${s.queries} queries)`,
      String(s.maxTokens),
      goal(s.maxTokens <= GOALS.searchReplyTokens, `<= ${GOALS.searchReplyTokens}`),
    ]);
  } else rows.push(["search_tools reply (limit 5, summary)", "unavailable", m.searchTools.unavailable]);
  rows.push(["GET /tokens: full / progressive", `${m.report.full.total} / ${m.report.progressive.total}`, ""]);
  rows.push(["GET /tokens: reduction", `${m.report.reductionPercent}%`, ""]);
  rows.push(["GET /tokens: first / cached request", `${m.report.firstRequestMs} / ${m.report.cachedRequestMs} ms`, ""]);
  rows.push(["slowest ping during the first GET /tokens", `${m.report.slowestPingDuringFirstMs} ms`, ""]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === 1 ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [...rows.map(line), `(tokens are ${m.encoding} estimates)`].join("\n");
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench:tokens: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

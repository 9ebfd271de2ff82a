// Entry point of `npm run bench:secrets`: how often secret detection (secretlint's recommended preset through the
// secret guard) fires on benign text, and which planted credentials it catches. Benign text: the LiveMCPBench and
// MetaTool tool catalogs, and real results of the reference servers (server-everything's tools, server-filesystem
// reading this repository). Test sources hold planted keys on purpose and are counted apart. Findings per MB of
// scanned text, each finding listed (masked), throughput and the memory secretlint costs once loaded.
import { execFileSync } from "node:child_process";
import { createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createSecretlintScanner } from "../src/adapters/secrets/secret-scanner.ts";
import { createSecretGuard, DEFAULT_MAX_SCAN_BYTES } from "../src/services/integrity/secret-guard.ts";
import { installCleanupHandlers, start, stop } from "./processes.ts";
import { initializeParams, type Json, PROTOCOL_VERSION } from "./rpc.ts";
import { StdioChannel } from "./stdio-client.ts";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const log = (text: string) => process.stderr.write(`${text}\n`);

const USAGE = `Usage: npm run bench:secrets -- [options]

  --data DIR   Where the tool-retrieval sets are (livemcpbench/, metatool/); default ../shared/tool-retrieval
               from the repository root
  --json       One JSON object on stdout instead of the report`;

/** One message as the guard sees it: a tool definition, a server record or a tools/call result. */
interface Message {
  item: string;
  value: unknown;
}

interface Source {
  name: string;
  /** Whether the text is benign by construction (counted in the false-positive rate). */
  benign: boolean;
  messages: Message[];
}

// ---- benign corpora -------------------------------------------------------------------------------------------

function catalogs(data: string): Source[] {
  const live = join(data, "livemcpbench");
  const tools = readFileSync(join(live, "catalog.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { id: string })
    .map((tool) => ({ item: tool.id, value: tool }));
  const servers = (JSON.parse(readFileSync(join(live, "tools.json"), "utf8")) as Json[]).map(
    ({ tools: _tools, ...server }) => ({ item: String(server.name), value: server }),
  );
  const meta = join(data, "metatool");
  const plugins = (JSON.parse(readFileSync(join(meta, "plugin_info.json"), "utf8")) as Json[]).map((plugin) => ({
    item: String(plugin.name_for_model),
    value: plugin,
  }));
  const descriptions = ["plugin_des.json", "big_tool_des.json"].flatMap((file) =>
    Object.entries(JSON.parse(readFileSync(join(meta, file), "utf8")) as Record<string, string>).map(
      ([name, description]) => ({ item: name, value: { name, description } }),
    ),
  );
  return [
    { name: "LiveMCPBench tool definitions (527)", benign: true, messages: tools },
    { name: "LiveMCPBench server records (70, with config)", benign: true, messages: servers },
    { name: "MetaTool plugins and tool descriptions", benign: true, messages: [...plugins, ...descriptions] },
  ];
}

/** A reference server on stdio, initialized; `call` returns the JSON-RPC result (or error) of a request. */
async function openServer(script: string, args: string[]) {
  const started = start(process.execPath, [join(REPO_ROOT, "node_modules", script), ...args], {
    stdoutIsChannel: true,
  });
  const channel = new StdioChannel(started);
  await channel.request("initialize", initializeParams(PROTOCOL_VERSION));
  await channel.notify("notifications/initialized");
  const call = async (method: string, params: unknown) => {
    const reply = await channel.request(method, JSON.stringify(params));
    return (reply.result ?? reply.error) as unknown;
  };
  return { call, close: () => stop(started) };
}

// get-env is left out: it returns the environment of the machine running the benchmark, which is not benign by
// construction and must not be printed. gzip-file-as-resource fetches from the network; the rest only wait.
const EVERYTHING_CALLS: [string, Json][] = [
  ["echo", { message: "The quick brown fox jumps over the lazy dog." }],
  ["get-sum", { a: 40, b: 2 }],
  ["get-tiny-image", {}],
  ["get-resource-links", { count: 10 }],
  ["get-resource-reference", { resourceType: "Text", resourceId: 1 }],
  ["get-resource-reference", { resourceType: "Blob", resourceId: 2 }],
  ...["error", "success", "debug"].map((messageType): [string, Json] => [
    "get-annotated-message",
    { messageType, includeImage: true },
  ]),
  ...["New York", "Chicago", "Los Angeles"].map((location): [string, Json] => ["get-structured-content", { location }]),
];

async function everythingResults(): Promise<Source> {
  const server = await openServer("@modelcontextprotocol/server-everything/dist/index.js", ["stdio"]);
  try {
    const messages: Message[] = [];
    for (const method of ["tools/list", "prompts/list", "resources/list", "resources/templates/list"])
      messages.push({ item: method, value: await server.call(method, {}) });
    for (const [name, args] of EVERYTHING_CALLS)
      messages.push({
        item: `${name} ${JSON.stringify(args)}`,
        value: await server.call("tools/call", { name, arguments: args }),
      });
    return { name: "server-everything results", benign: true, messages };
  } finally {
    await server.close();
  }
}

/** server-filesystem reading the repository's tracked files: documentation, sources, and tests apart. */
async function filesystemResults(): Promise<Source[]> {
  const server = await openServer("@modelcontextprotocol/server-filesystem/dist/index.js", [REPO_ROOT]);
  const tracked = execFileSync("git", ["ls-files"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\n");
  const isTest = (f: string) => /\.test\.ts$/.test(f) || /^test\/.*\.ts$/.test(f);
  const docs = tracked.filter((f) => /^(docs\/.*|README|CHANGELOG|SECURITY)\.md$|^docs\/.*\.md$/.test(f));
  const sources = tracked.filter((f) => /^src\/.*\.ts$/.test(f) && !isTest(f));
  const tests = tracked.filter(isTest);
  const read = async (files: string[]) => {
    const messages: Message[] = [];
    for (const file of files)
      messages.push({
        item: file,
        value: await server.call("tools/call", { name: "read_text_file", arguments: { path: join(REPO_ROOT, file) } }),
      });
    return messages;
  };
  try {
    const listings: Message[] = [];
    for (const [name, args] of [
      ["directory_tree", { path: join(REPO_ROOT, "src") }],
      ["list_directory_with_sizes", { path: REPO_ROOT }],
      ["search_files", { path: REPO_ROOT, pattern: "**/*.md", excludePatterns: ["node_modules/**"] }],
      ["get_file_info", { path: join(REPO_ROOT, "package.json") }],
    ] as const)
      listings.push({ item: name, value: await server.call("tools/call", { name, arguments: args }) });
    return [
      {
        name: "server-filesystem: docs (README, docs/*.md, …)",
        benign: true,
        messages: [...(await read(docs)), ...listings],
      },
      { name: "server-filesystem: src/**/*.ts without tests", benign: true, messages: await read(sources) },
      { name: "server-filesystem: tests (hold planted keys)", benign: false, messages: await read(tests) },
    ];
  } finally {
    await server.close();
  }
}

// ---- planted credentials ------------------------------------------------------------------------------------------

function randomOf(alphabet: string, length: number): string {
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join("");
}
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL = `${ALNUM}_-`;

/** Realistic credentials made at run time, each in a sentence as a tool might return it. */
function planted(): { name: string; secret: string; text: string }[] {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const jwtBody = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "user-42", iat: 1_700_000_000 })}`;
  const jwt = `${jwtBody}.${createHmac("sha256", randomBytes(32)).update(jwtBody).digest("base64url")}`;
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" });
  const ed = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" });
  const awsSecret = randomOf(`${ALNUM}/+`, 39) + randomOf(ALNUM, 1);
  const samples: [string, string, (s: string) => string][] = [
    ["AWS access key id (AWS's documented example)", "AKIAIOSFODNN7EXAMPLE", (s) => `key id ${s}`],
    ["AWS access key id", `AKIA${randomOf("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`, (s) => `key id ${s}`],
    ["AWS secret access key after its keyword", awsSecret, (s) => `aws_secret_access_key = ${s}`],
    ["AWS secret access key in JSON", awsSecret, (s) => `{"AWS_SECRET_ACCESS_KEY": "${s}"}`],
    ["AWS secret access key ending in '/'", `${awsSecret.slice(0, 39)}/`, (s) => `aws_secret_access_key = ${s}\n`],
    ["AWS secret access key alone", awsSecret, (s) => `the secret is ${s}`],
    ["GitHub classic token", `ghp_${randomOf(ALNUM, 36)}`, (s) => `token ${s}`],
    ["GitHub fine-grained token", `github_pat_${randomOf(`${ALNUM}_`, 82)}`, (s) => `token ${s}`],
    [
      "Slack bot token",
      `xoxb-${randomOf("0123456789", 12)}-${randomOf("0123456789", 13)}-${randomOf(ALNUM, 24)}`,
      (s) => `SLACK_TOKEN=${s}`,
    ],
    [
      "Slack incoming webhook",
      `https://hooks.slack.com/services/T${randomOf(ALNUM, 8)}/B${randomOf(ALNUM, 8)}/${randomOf(ALNUM, 24)}`,
      (s) => `post to ${s}`,
    ],
    ["RSA private key (PEM, PKCS#1)", String(rsa), (s) => `key file:\n${s}`],
    ["Ed25519 private key (PEM, PKCS#8)", String(ed), (s) => `key file:\n${s}`],
    ["JWT (HS256)", jwt, (s) => `Authorization: Bearer ${s}`],
    [
      "OpenAI project key",
      `sk-proj-${randomOf(B64URL, 74)}T3BlbkFJ${randomOf(B64URL, 74)}`,
      (s) => `OPENAI_API_KEY=${s}`,
    ],
    ["Anthropic key", `sk-ant-api03-${randomOf(B64URL, 93)}AA`, (s) => `ANTHROPIC_API_KEY=${s}`],
    ["npm token", `npm_${randomOf(ALNUM, 36)}`, (s) => `//registry.npmjs.org/:_authToken=${s}`],
    ["Stripe live secret key", `sk_live_${randomOf(ALNUM, 32)}`, (s) => `stripe key ${s}`],
    ["GitLab personal token", `glpat-${randomOf(ALNUM, 20)}`, (s) => `token ${s}`],
    [
      "PostgreSQL URL with password",
      `postgres://app:${randomOf(ALNUM, 16)}@db.internal:5432/app`,
      (s) => `DATABASE_URL=${s}`,
    ],
    [
      "URL with basic-auth credentials",
      `https://deploy:${randomOf(ALNUM, 16)}@git.example.com/repo.git`,
      (s) => `remote ${s}`,
    ],
  ];
  return samples.map(([name, secret, sentence]) => ({ name, secret, text: sentence(secret) }));
}

// ---- measuring --------------------------------------------------------------------------------------------------

const scanner = createSecretlintScanner();
const guard = createSecretGuard({ scanner });

/** The secret's first characters and length: enough to judge a finding, not enough to use it. */
const masked = (secret: string) => `${JSON.stringify(secret.slice(0, 6))}…(${secret.length} chars)`;

function* strings(value: unknown, field = ""): Generator<[string, string]> {
  if (typeof value === "string") yield [field, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${field}[${i}]`);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) yield* strings(v, field ? `${field}.${k}` : k);
}

interface FindingRow {
  source: string;
  item: string;
  field: string;
  rule: string;
  excerpt: string;
}

async function measure(source: Source) {
  let bytes = 0;
  let unscanned = 0;
  let findings = 0;
  let flaggedMessages = 0;
  let ms = 0;
  const rows: FindingRow[] = [];
  for (const message of source.messages) {
    const began = performance.now();
    const verdict = await guard.inspect(message.value, "redact");
    ms += performance.now() - began;
    bytes += verdict.scan.scannedBytes;
    unscanned += verdict.scan.unscannedBytes;
    if (verdict.outcome === "clean") continue;
    findings += verdict.scan.findings;
    flaggedMessages++;
    for (const [field, text] of strings(message.value)) {
      if (!verdict.fields.includes(field)) continue;
      for (const f of (await scanner.scan(text)).findings)
        rows.push({
          source: source.name,
          item: message.item,
          field,
          rule: f.rule,
          excerpt: masked(text.slice(f.start, f.end)),
        });
    }
  }
  const mb = bytes / 1_000_000;
  return {
    source: source.name,
    benign: source.benign,
    messages: source.messages.length,
    scannedBytes: bytes,
    unscannedBytes: unscanned,
    findings,
    flaggedMessages,
    findingsPerMb: mb > 0 ? findings / mb : 0,
    mbPerSecond: ms > 0 ? mb / (ms / 1000) : 0,
    msPerMessage: ms / Math.max(1, source.messages.length),
    rows,
  };
}

async function plantedChecks() {
  return Promise.all(
    planted().map(async ({ name, secret, text }) => {
      const verdict = await guard.inspect({ content: [{ type: "text", text }] }, "redact");
      const rules = verdict.outcome === "clean" ? [] : verdict.rules;
      const redactedText = verdict.outcome === "redacted" ? (verdict.value.content[0]?.text ?? "") : text;
      return { name, caught: rules.length > 0, rules, secretRemoved: !redactedText.includes(secret) };
    }),
  );
}

/** Median time of one message of 64 KiB, 256 KiB and the bound, of this repository's source code and of prose. */
async function costBySize() {
  const tracked = execFileSync("git", ["ls-files", "src", "docs"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\n");
  const text = (pattern: RegExp) =>
    tracked
      .filter((f) => pattern.test(f))
      .map((f) => readFileSync(join(REPO_ROOT, f), "utf8"))
      .join("\n")
      .repeat(4);
  const kinds = { code: text(/^src\/.*(?<!\.test)\.ts$/), prose: text(/^docs\/.*\.md$/) };
  const rows = [];
  for (const bytes of [65_536, 262_144, DEFAULT_MAX_SCAN_BYTES])
    for (const [kind, source] of Object.entries(kinds)) {
      const message = { content: [{ type: "text", text: source.slice(0, bytes) }] };
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const began = performance.now();
        await guard.inspect(message, "redact");
        times.push(performance.now() - began);
      }
      rows.push({ bytes, kind, medianMs: times.sort((a, b) => a - b)[3] as number });
    }
  return rows;
}

/** Heap and RSS that loading secretlint and compiling its rules adds (first scan of a short text). */
async function loadCost() {
  const before = process.memoryUsage();
  const began = performance.now();
  await scanner.scan("warm up");
  const loadMs = performance.now() - began;
  const after = process.memoryUsage();
  return { loadMs, rssMb: (after.rss - before.rss) / 1e6, heapMb: (after.heapUsed - before.heapUsed) / 1e6 };
}

function printReport(report: Awaited<ReturnType<typeof run>>): void {
  const out = (line = "") => process.stdout.write(`${line}\n`);
  out(`Secret detection: secretlint ${report.ruleSet}, per-message bound ${DEFAULT_MAX_SCAN_BYTES} bytes`);
  out(
    `Load: ${report.load.loadMs.toFixed(0)} ms, +${report.load.rssMb.toFixed(1)} MB RSS, +${report.load.heapMb.toFixed(1)} MB heap`,
  );
  out();
  out("source                                             msgs   scanned MB  findings  per MB   MB/s  ms/msg");
  for (const s of report.sources)
    out(
      `${s.source.padEnd(50)} ${String(s.messages).padStart(5)} ${(s.scannedBytes / 1e6).toFixed(3).padStart(12)} ${String(s.findings).padStart(9)} ${s.findingsPerMb.toFixed(2).padStart(7)} ${s.mbPerSecond.toFixed(1).padStart(6)} ${s.msPerMessage.toFixed(2).padStart(7)}${s.unscannedBytes ? `  (${s.unscannedBytes} bytes past the bound)` : ""}`,
    );
  for (const [label, total] of [
    ["benign", report.benign],
    ["all (tests included)", report.all],
  ] as const)
    out(
      `${label}: ${(total.scannedBytes / 1e6).toFixed(3)} MB, ${total.findings} findings = ${total.findingsPerMb.toFixed(2)} per MB; ${total.flaggedMessages} of ${total.messages} messages would be redacted or blocked`,
    );
  out(
    `One message: ${report.bySize.map((r) => `${r.bytes / 1024} KiB ${r.kind} ${r.medianMs.toFixed(1)} ms`).join(", ")}`,
  );
  out();
  out("Findings (secret masked):");
  for (const r of report.sources.flatMap((s) => s.rows))
    out(`  ${r.rule}  ${r.source} › ${r.item} › ${r.field}  ${r.excerpt}`);
  out();
  out("Planted credentials:");
  for (const p of report.planted)
    out(
      `  ${p.caught ? "caught " : "MISSED "} ${p.name.padEnd(46)} ${p.rules.join(", ")}${p.caught && !p.secretRemoved ? "  (secret NOT fully removed)" : ""}`,
    );
}

async function run(data: string) {
  const ruleSet = JSON.parse(
    readFileSync(join(REPO_ROOT, "node_modules/@secretlint/secretlint-rule-preset-recommend/package.json"), "utf8"),
  ).version as string;
  const load = await loadCost();
  log("reading catalogs and calling the reference servers…");
  const sources = [...catalogs(data), await everythingResults(), ...(await filesystemResults())];
  const measured: Awaited<ReturnType<typeof measure>>[] = [];
  for (const source of sources) measured.push(await measure(source));
  const total = (rows: typeof measured) => {
    const sum = (key: "scannedBytes" | "findings" | "messages" | "flaggedMessages") =>
      rows.reduce((n, s) => n + s[key], 0);
    return {
      scannedBytes: sum("scannedBytes"),
      findings: sum("findings"),
      messages: sum("messages"),
      flaggedMessages: sum("flaggedMessages"),
      findingsPerMb: sum("findings") / (sum("scannedBytes") / 1e6),
    };
  };
  return {
    ruleSet: `preset-recommend ${ruleSet}`,
    load,
    sources: measured,
    benign: total(measured.filter((s) => s.benign)),
    all: total(measured),
    planted: await plantedChecks(),
    bySize: await costBySize(),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    log(USAGE);
    return;
  }
  installCleanupHandlers();
  const report = await run(resolve(values.data ?? join(REPO_ROOT, "../shared/tool-retrieval")));
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report);
}

await main();

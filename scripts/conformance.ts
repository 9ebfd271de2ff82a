// Runs the official MCP conformance suite's server scenarios twice: against the conformance fixture directly
// (streamable HTTP on 127.0.0.1) and against Switchboard's transparent proxy endpoint /mcp/fixture (an in-process
// gateway running the same fixture as a stdio upstream). Prints a side-by-side table.
//
//   node bin/node22.js scripts/conformance.ts [options]
//
//   --suite NAME              repeatable; default: all three
//                               stable     @modelcontextprotocol/conformance (0.1.x): every server scenario, at
//                                          its default wire version 2025-11-25
//                               next-2025  conformance-next (0.2.0 alpha): the scenarios that apply to 2025-11-25,
//                                          run at that wire version (--spec-version 2025-11-25)
//                               next-2026  conformance-next: the scenarios that apply to 2026-07-28 (the
//                                          stateless revision: per-request _meta, server/discover,
//                                          input_required results), run at that wire version
//                               next       both next-* suites; all: every suite
//   --scenario NAME           only this scenario (repeatable)
//   --target both|direct|gateway   (default both)
//   --timeout-ms N            per scenario run (default 120000); the suite's process is killed after it
//   --json FILE               also write the results as JSON
//   --keep                    keep the suite's per-scenario checks.json files (their folder is printed)
//
// Exit status: 1 when a scenario that passed directly does not pass through the gateway, or fails directly,
// unless conformance/expected-failures.json lists it for that target (entries: scenario, target "gateway" or
// "direct", optional suite, reason). A listed scenario that now passes is reported as stale.
// "pass": at least one SUCCESS and no FAILURE or WARNING check (the suite's own baseline rule); "warn": warnings
// but no failure; "skip": only INFO checks (nothing was judged, e.g. a JSON answer where SSE behaviour is probed);
// "error": the suite produced no checks (crash or timeout). Only "pass" counts as passing.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTestGateway, type TestGateway } from "../test/helpers/gateway.ts";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIXTURE = join(REPO_ROOT, "test/fixtures/conformance-server.ts");
const EXPECTED_FAILURES = join(REPO_ROOT, "conformance/expected-failures.json");

type SuiteName = "stable" | "next-2025" | "next-2026";

interface SuiteDef {
  name: SuiteName;
  cli: string;
  /** Extra arguments for `list --server` and `server`. */
  args: string[];
}

const STABLE_CLI = "node_modules/@modelcontextprotocol/conformance/dist/index.js";
const NEXT_CLI = "node_modules/conformance-next/dist/index.js";
const SUITES: Record<SuiteName, SuiteDef> = {
  stable: { name: "stable", cli: STABLE_CLI, args: [] },
  "next-2025": { name: "next-2025", cli: NEXT_CLI, args: ["--spec-version", "2025-11-25"] },
  "next-2026": { name: "next-2026", cli: NEXT_CLI, args: ["--spec-version", "2026-07-28"] },
};
const ALL_SUITES = [SUITES.stable, SUITES["next-2025"], SUITES["next-2026"]];

type Outcome = "pass" | "warn" | "fail" | "error" | "skip";

interface Check {
  id: string;
  status: string;
  description?: string;
  errorMessage?: string;
  details?: { message?: string };
}

interface RunResult {
  outcome: Outcome;
  passed: number;
  failed: number;
  warnings: number;
  /** First failing (or warning) checks, for the report. */
  problems: string[];
}

interface Row {
  suite: SuiteName;
  scenario: string;
  direct?: RunResult;
  gateway?: RunResult;
  verdict: "ok" | "regression" | "direct-failure" | "expected" | "stale";
  reason?: string;
}

interface ExpectedFailure {
  scenario: string;
  target: "gateway" | "direct";
  suite?: SuiteName;
  reason: string;
}

interface Options {
  suites: SuiteDef[];
  scenarios: string[];
  direct: boolean;
  gateway: boolean;
  timeoutMs: number;
  json?: string;
  keep: boolean;
}

const log = (text: string) => process.stderr.write(`${text}\n`);

function parseOptions(argv: string[]): Options {
  const options: Options = {
    suites: [],
    scenarios: [],
    direct: true,
    gateway: true,
    timeoutMs: 120_000,
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--suite") {
      const suite = value();
      const picked =
        suite === "all"
          ? ALL_SUITES
          : suite === "next"
            ? [SUITES["next-2025"], SUITES["next-2026"]]
            : suite in SUITES
              ? [SUITES[suite as SuiteName]]
              : undefined;
      if (!picked) throw new Error(`unknown suite ${suite}`);
      for (const def of picked) if (!options.suites.includes(def)) options.suites.push(def);
    } else if (flag === "--scenario") options.scenarios.push(value());
    else if (flag === "--target") {
      const target = value();
      options.direct = target !== "gateway";
      options.gateway = target !== "direct";
    } else if (flag === "--timeout-ms") options.timeoutMs = Number(value());
    else if (flag === "--json") options.json = value();
    else if (flag === "--keep") options.keep = true;
    else throw new Error(`unknown option ${flag}`);
  }
  if (options.suites.length === 0) options.suites = ALL_SUITES;
  return options;
}

/** Runs a command with a hard deadline (the process group is killed by pid); resolves with its output. */
function run(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

async function listScenarios(suite: SuiteDef): Promise<string[]> {
  const { stdout, code } = await run([suite.cli, "list", "--server", ...suite.args], 60_000);
  if (code !== 0) throw new Error(`${suite.cli} list failed`);
  return stdout
    .split("\n")
    .map((line) => /^\s+- (\S+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

function summarize(checks: Check[]): RunResult {
  const failed = checks.filter((c) => c.status === "FAILURE");
  const warnings = checks.filter((c) => c.status === "WARNING");
  const passed = checks.filter((c) => c.status === "SUCCESS").length;
  const outcome: Outcome = failed.length > 0 ? "fail" : warnings.length > 0 ? "warn" : passed > 0 ? "pass" : "skip";
  const problems = [...failed, ...warnings].slice(0, 4).map((c) => `${c.status} ${c.id}: ${c.errorMessage ?? ""}`);
  if (outcome === "skip") {
    // Only INFO checks: the scenario found nothing to judge (e.g. JSON where it probes SSE behaviour).
    for (const c of checks.filter((c) => c.status === "INFO" && c.details?.message).slice(-2)) {
      problems.push(`INFO ${c.id}: ${c.details?.message ?? c.description ?? ""}`);
    }
  }
  return { outcome, passed, failed: failed.length, warnings: warnings.length, problems };
}

async function runScenario(
  suite: SuiteDef,
  scenario: string,
  url: string,
  outDir: string,
  timeoutMs: number,
): Promise<RunResult> {
  mkdirSync(outDir, { recursive: true });
  const result = await run(
    [suite.cli, "server", "--url", url, "--scenario", scenario, "-o", outDir, ...suite.args],
    timeoutMs,
  );
  const last = (readdirSync(outDir, { recursive: true }) as string[])
    .filter((d) => d.endsWith("checks.json"))
    .map((d) => d.slice(0, -"checks.json".length))
    .sort()
    .at(-1);
  if (!last) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-3).join(" | ");
    return {
      outcome: "error",
      passed: 0,
      failed: 0,
      warnings: 0,
      problems: [result.timedOut ? `timed out after ${timeoutMs} ms` : `no checks.json (exit ${result.code}): ${tail}`],
    };
  }
  const checks = JSON.parse(readFileSync(join(outDir, last, "checks.json"), "utf8")) as Check[];
  return summarize(checks);
}

async function startFixture(): Promise<{ url: string; child: ChildProcess }> {
  // stdin is the fixture's lifeline: it exits when this process goes away, however it ends.
  const child = spawn(process.execPath, [FIXTURE, "--port", "0", "--lifeline"], {
    cwd: REPO_ROOT,
    stdio: ["pipe", "ignore", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`fixture did not start: ${stderr}`)), 30_000);
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
      const match = /LISTENING (\S+)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture exited (${code}): ${stderr}`));
    });
  });
  child.stderr?.resume();
  return { url, child };
}

function loadExpected(): ExpectedFailure[] {
  if (!existsSync(EXPECTED_FAILURES)) return [];
  const parsed = JSON.parse(readFileSync(EXPECTED_FAILURES, "utf8")) as { failures?: ExpectedFailure[] };
  return parsed.failures ?? [];
}

function judge(row: Row, expected: ExpectedFailure[]): void {
  const find = (target: ExpectedFailure["target"]) =>
    expected.find((e) => e.scenario === row.scenario && e.target === target && (!e.suite || e.suite === row.suite));
  const bad = (r?: RunResult) => r !== undefined && (r.outcome === "fail" || r.outcome === "error");
  if (bad(row.direct)) {
    const entry = find("direct");
    row.verdict = entry ? "expected" : "direct-failure";
    row.reason = entry?.reason;
    return;
  }
  if (row.direct?.outcome === "pass" && row.gateway && row.gateway.outcome !== "pass") {
    const entry = find("gateway");
    row.verdict = entry ? "expected" : "regression";
    row.reason = entry?.reason;
    return;
  }
  if (row.gateway?.outcome === "pass" && find("gateway")) row.verdict = "stale";
  else if (row.direct?.outcome === "pass" && find("direct")) row.verdict = "stale";
}

function table(rows: Row[], options: Options): string {
  const cell = (r?: RunResult) =>
    r ? `${r.outcome}${r.outcome === "pass" ? "" : ` (${r.passed}/${r.passed + r.failed}, ${r.warnings}w)`}` : "-";
  const header = ["suite", "scenario", ...(options.direct ? ["direct"] : []), ...(options.gateway ? ["gateway"] : [])];
  const body = rows.map((row) => [
    row.suite,
    row.scenario,
    ...(options.direct ? [cell(row.direct)] : []),
    ...(options.gateway ? [cell(row.gateway)] : []),
    row.verdict === "ok" ? "" : row.verdict.toUpperCase(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const expected = loadExpected();
  const workDir = mkdtempSync(join(tmpdir(), "switchboard-conformance-"));
  let fixture: { url: string; child: ChildProcess } | undefined;
  let gateway: TestGateway | undefined;
  const rows: Row[] = [];
  const cleanup = async () => {
    if (fixture?.child.pid !== undefined) fixture.child.kill("SIGKILL");
    await gateway?.close().catch(() => {});
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  try {
    if (options.direct) {
      fixture = await startFixture();
      log(`fixture (direct): ${fixture.url}`);
    }
    if (options.gateway) {
      // The same fixture twice: spoken to in the 2025 era for the 2025 suites, and in the 2026 era
      // (`protocol: "modern"`) for the 2026 suite, since the gateway holds one connection per server.
      gateway = await startTestGateway({
        fixture: { command: process.execPath, args: [FIXTURE, "stdio"] },
        "fixture-2026": { command: process.execPath, args: [FIXTURE, "stdio"], protocol: "modern" },
      });
      log(`gateway: ${gateway.url}/mcp/fixture and /mcp/fixture-2026`);
    }
    for (const suite of options.suites) {
      const all = await listScenarios(suite);
      const scenarios = options.scenarios.length > 0 ? all.filter((s) => options.scenarios.includes(s)) : all;
      for (const scenario of scenarios) {
        const started = Date.now();
        const [direct, viaGateway] = await Promise.all([
          fixture
            ? runScenario(
                suite,
                scenario,
                fixture.url,
                join(workDir, suite.name, "direct", scenario),
                options.timeoutMs,
              )
            : undefined,
          gateway
            ? runScenario(
                suite,
                scenario,
                `${gateway.url}/mcp/${suite.name === "next-2026" ? "fixture-2026" : "fixture"}`,
                join(workDir, suite.name, "gateway", scenario),
                options.timeoutMs,
              )
            : undefined,
        ]);
        const row: Row = { suite: suite.name, scenario, direct, gateway: viaGateway, verdict: "ok" };
        judge(row, expected);
        rows.push(row);
        log(
          `${suite.name} ${scenario}: direct=${direct?.outcome ?? "-"} gateway=${viaGateway?.outcome ?? "-"} (${Date.now() - started} ms)`,
        );
      }
    }
  } finally {
    await cleanup();
  }

  process.stdout.write(`\n${table(rows, options)}\n`);
  const problems = rows.filter((r) => r.verdict === "regression" || r.verdict === "direct-failure");
  const details = rows.filter((r) => r.verdict !== "ok" || (r.gateway && r.gateway.outcome !== "pass"));
  if (details.length > 0) {
    process.stdout.write("\nDetails:\n");
    for (const row of details) {
      process.stdout.write(`- ${row.suite} ${row.scenario} [${row.verdict}]${row.reason ? ` ${row.reason}` : ""}\n`);
      for (const [target, result] of [
        ["direct", row.direct],
        ["gateway", row.gateway],
      ] as const) {
        for (const problem of result?.outcome === "pass" ? [] : (result?.problems ?? [])) {
          process.stdout.write(`    ${target}: ${problem.slice(0, 300)}\n`);
        }
      }
    }
  }
  const count = (verdict: Row["verdict"]) => rows.filter((r) => r.verdict === verdict).length;
  process.stdout.write(
    `\n${rows.length} scenarios: ${count("ok")} ok, ${count("regression")} gateway regressions, ` +
      `${count("direct-failure")} direct failures, ${count("expected")} expected failures, ${count("stale")} stale expectations\n`,
  );
  if (options.json) writeFileSync(options.json, `${JSON.stringify(rows, null, 2)}\n`);
  if (options.keep) log(`checks.json files kept under ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
  return problems.length > 0 ? 1 : 0;
}

main().then(
  // Exit only once stdout is flushed: to a pipe it is written asynchronously, and exiting at once cut the
  // report (and its summary line) short.
  (code) => process.stdout.write("", () => process.exit(code)),
  (error) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);

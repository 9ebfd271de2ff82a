// The monitoring files under deploy/ against the real Prometheus (Debian's `prometheus` package: prometheus and
// promtool): promtool checks the scrape configuration and alert rules and runs their unit tests, lints the
// gateway's exposition, and a real Prometheus scrapes a running gateway; every expression of the Grafana
// dashboard and of the alert rules is then evaluated by that Prometheus, so a broken PromQL expression fails.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  callTool,
  fixtureServer,
  REPO_ROOT,
  startTestGateway,
  type TestGateway,
  tempDir,
  waitUntil,
} from "./helpers/gateway.ts";

const DEPLOY = join(REPO_ROOT, "deploy");
const RULES = join(DEPLOY, "prometheus/alerts.yml");
const DASHBOARD = join(DEPLOY, "grafana/switchboard-dashboard.json");
const CALLS = 5;

/** The executable's path on PATH, if any. */
function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
const PROMETHEUS = which("prometheus");
const PROMTOOL = which("promtool");
const MISSING = !PROMETHEUS || !PROMTOOL;
// Outside CI a machine without Prometheus skips (with the reason); in CI (which installs it) the tests fail.
// The skip is given to each test, not to the suites: node --test counts only skipped tests in its summary
// (`# skipped N`), while a skipped suite left the run looking like a pass with 0 tests.
const skip =
  MISSING && !process.env.CI ? "prometheus and promtool are not installed (apt-get install prometheus)" : false;

function requireTools(): void {
  if (MISSING)
    assert.fail("prometheus and promtool are required (Debian package `prometheus`; .ci/run installs it): not on PATH");
}

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL as string, args, { encoding: "utf8", input, timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("deploy/prometheus with promtool", () => {
  before(() => {
    if (!skip) requireTools();
  });

  it("promtool check config: the scrape configuration and the rules it loads", { skip }, () => {
    const run = promtool(["check", "config", join(DEPLOY, "prometheus/prometheus.yml")]);
    assert.equal(run.status, 0, run.output);
  });

  it("promtool check rules: the alert rules", { skip }, () => {
    const run = promtool(["check", "rules", RULES]);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /SUCCESS: \d+ rules found/);
  });

  it("promtool test rules: every alert fires on its situation and not on its near miss", { skip }, () => {
    const run = promtool(["test", "rules", join(DEPLOY, "prometheus/alerts.test.yml")]);
    assert.equal(run.status, 0, run.output);
  });
});

/** Template variables of the dashboard, as Grafana would fill them for "All" and a 1 s scrape interval. */
function expandTemplate(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "1m")
    .replaceAll("$__interval", "15s")
    .replaceAll("$__range", "1h")
    .replace(/\$(job|instance|server)\b/g, ".*");
}

function dashboardExpressions(): { title: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8"));
  const found: { title: string; expr: string }[] = [];
  for (const panel of dashboard.panels as any[]) {
    for (const target of panel.targets ?? []) found.push({ title: panel.title, expr: target.expr });
  }
  for (const variable of dashboard.templating.list as any[]) {
    const query = variable.query?.query as string | undefined;
    // label_values(metric, label) is Grafana's; its metric selector is what Prometheus evaluates.
    const selector = query && /^label_values\((.+), *\w+\)$/.exec(query)?.[1];
    if (selector) found.push({ title: `variable ${variable.name}`, expr: selector });
  }
  return found;
}

function ruleExpressions(): { title: string; expr: string }[] {
  // The rules file is YAML; promtool has already validated it: read its expressions without a YAML parser.
  const text = readFileSync(RULES, "utf8");
  const found: { title: string; expr: string }[] = [];
  const pattern = /- alert: (\S+)\n\s+expr: (?:\|\n((?:\s{10,}.*\n)+)|(.*)\n)/g;
  for (const match of text.matchAll(pattern)) {
    found.push({ title: match[1] as string, expr: (match[2] ?? match[3] ?? "").trim() });
  }
  return found;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("a real Prometheus scraping a running gateway", () => {
  let t: TestGateway;
  let prometheus: ChildProcess | undefined;
  let api = "";
  let dir = "";
  let log = "";

  before(async () => {
    if (skip) return;
    requireTools();
    t = await startTestGateway({ fx: fixtureServer() });
    dir = tempDir("switchboard-prometheus-");
    const target = new URL(t.url).host;
    const config = join(dir, "prometheus.yml");
    writeFileSync(
      config,
      [
        "global: { scrape_interval: 1s, evaluation_interval: 1s }",
        `rule_files: [${JSON.stringify(RULES)}]`,
        "scrape_configs:",
        "  - job_name: switchboard",
        `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
        "",
      ].join("\n"),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS as string,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    prometheus.stderr?.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    await waitUntil(
      async () => {
        if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
        return (await fetch(`${api}/-/ready`).catch(() => undefined))?.status === 200;
      },
      30_000,
      200,
    );
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once("exit", resolve));
      prometheus.kill("SIGTERM");
      const timer = setTimeout(() => prometheus?.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function query(expr: string): Promise<{ status: string; error?: string; data?: { result: any[] } }> {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await response.json()) as { status: string; error?: string; data?: { result: any[] } };
  }

  it("promtool check metrics finds nothing to fix in the gateway's own metrics", { skip }, async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const run = promtool(["check", "metrics"], text);
    // prom-client's process metrics have lint findings of their own (nodejs_active_handles_total is a gauge).
    const ours = run.output.split("\n").filter((line) => line.startsWith("switchboard_"));
    assert.deepEqual(ours, [], run.output);
  });

  it("scrapes the gateway: the target is up and the request counter reflects the calls made", { skip }, async () => {
    for (let i = 0; i < CALLS; i++) assert.equal((await callTool(t.url, "fx__echo", { message: `m${i}` })).status, 200);
    let seen: unknown;
    await waitUntil(
      async () => {
        const up = await query('up{job="switchboard"}');
        const calls = await query(
          'sum(switchboard_requests_total{job="switchboard", server="fx", tool="echo", status="ok"})',
        );
        seen = { up: up.data?.result, calls: calls.data?.result };
        return up.data?.result[0]?.value[1] === "1" && calls.data?.result[0]?.value[1] === String(CALLS);
      },
      30_000,
      250,
    ).catch((error) => assert.fail(`${error.message}; last answers: ${JSON.stringify(seen)}; prometheus: ${log}`));
    const started = await query('switchboard_upstream_cold_starts_total{job="switchboard", server="fx"}');
    assert.equal(started.data?.result[0]?.value[1], "1");
  });

  it("evaluates every dashboard and alert expression without error; the main panels have data", { skip }, async () => {
    const expressions = [...dashboardExpressions(), ...ruleExpressions()];
    assert.ok(dashboardExpressions().length >= 30, "the dashboard's panels were read");
    assert.equal(ruleExpressions().length, 10, "every alert rule was read");
    const broken: string[] = [];
    for (const { title, expr } of expressions) {
      const answer = await query(expandTemplate(expr));
      if (answer.status !== "success") broken.push(`${title}: ${answer.error} (${expr})`);
    }
    assert.deepEqual(broken, []);
    // rate() needs two scrapes of the calls: wait (bounded) for the request rate panel to show fx.
    const [requests] = dashboardExpressions();
    assert.match(requests?.title ?? "", /Requests per second/);
    await waitUntil(
      async () => ((await query(expandTemplate(requests?.expr ?? ""))).data?.result ?? []).length > 0,
      30_000,
      250,
    );
    for (const title of ["Calls in flight by server", "Servers ready", "Active sessions", "Resident memory"]) {
      const panel = dashboardExpressions().find((e) => e.title === title);
      const answer = await query(expandTemplate(panel?.expr ?? ""));
      assert.ok((answer.data?.result ?? []).length > 0, `${title} has data`);
    }
  });

  it("Prometheus loads the alert rules and evaluates them without errors", { skip }, async () => {
    let rules: any[] = [];
    await waitUntil(
      async () => {
        const answer = (await (await fetch(`${api}/api/v1/rules`)).json()) as any;
        rules = answer.data.groups.flatMap((group: any) => group.rules);
        return (
          rules.length > 0 && rules.every((rule) => rule.lastEvaluation && !rule.lastEvaluation.startsWith("0001"))
        );
      },
      30_000,
      250,
    );
    assert.equal(rules.length, 10);
    for (const rule of rules) assert.equal(rule.health, "ok", `${rule.name}: ${rule.lastError}`);
    // A healthy gateway under light load raises nothing.
    const firing = rules.filter((rule) => rule.state === "firing").map((rule) => rule.name);
    assert.deepEqual(firing, []);
  });
});

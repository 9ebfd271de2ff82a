// Entry point of `npm run bench:sandbox`: what each sandbox backend costs a stdio server, through a real gateway.
// Cold start (spawn to ready, as the gateway's `server-started` event measures it) and sequential echo-call
// latency on /mcp, per backend, as ratios to a server without any sandbox setting. Tables on stdout, JSON in
// bench/results/. No timed assertions: the numbers go into docs/performance.md.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createSandbox } from "../src/adapters/sandbox/create-sandbox.ts";
import { buildNodeImage, DEFAULT_NODE_IMAGE } from "../src/adapters/sandbox/image-build.ts";
import type { SandboxBackend } from "../src/core/sandbox.ts";
import type { Logger } from "../src/ports/logger.ts";
import { closedLoop } from "./load.ts";
import { machineInfo } from "./machine.ts";
import { installCleanupHandlers, killEverythingSync, sleep } from "./processes.ts";
import { busyCores, machineCpu } from "./procfs.ts";
import { echoParams, isEchoOk, PROTOCOL_VERSION } from "./rpc.ts";
import { ECHO_TOOL, launchSandboxGateway, type SandboxGateway, type SandboxGatewayContext } from "./sandbox-gateway.ts";
import {
  parseSandboxOptions,
  SANDBOX_USAGE,
  type SandboxBenchOptions,
  type SandboxVariant,
} from "./sandbox-options.ts";
import { percentile } from "./stats.ts";

const log = (text: string) => process.stderr.write(`${text}\n`);

const silent: Logger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  fatal: () => {},
  child: () => silent,
  isLevelEnabled: () => false,
};

export interface VariantResult {
  variant: SandboxVariant;
  /** The backend the gateway reports for the running server (what was really enforced). */
  confinement: unknown;
  coldStartsMs: number[];
  echoLatenciesMs: number[];
  echoErrors: number;
  firstEchoError: string | undefined;
}

/** Why a variant cannot run here (its backend's probe failed), or undefined when it can. */
async function skipReasons(
  variants: readonly SandboxVariant[],
  cacheDir: string,
): Promise<Map<SandboxVariant, string>> {
  const sandbox = createSandbox({ logger: silent, cacheDir });
  try {
    const probed = await sandbox.probe();
    const reasons = new Map<SandboxVariant, string>();
    for (const v of variants) {
      if (v === "none" || v === "none-with-profile") continue;
      const reason = probed[v as SandboxBackend];
      if (reason !== undefined) reasons.set(v, reason);
    }
    // podman runs the default image, built from this host's own files when missing (no registry pull).
    if (variants.includes("podman") && !reasons.has("podman")) {
      const exists = spawnSync("podman", ["image", "exists", DEFAULT_NODE_IMAGE]).status === 0;
      if (!exists) await buildNodeImage({ tag: DEFAULT_NODE_IMAGE });
    }
    return reasons;
  } finally {
    await sandbox.close();
  }
}

/** `rounds` turns; in each, every item runs once, starting one later than the turn before (drift spreads out). */
async function interleaved<T>(items: readonly T[], rounds: number, run: (item: T, round: number) => Promise<void>) {
  for (let round = 0; round < rounds; round++)
    for (let i = 0; i < items.length; i++) await run(items[(i + round) % items.length] as T, round);
}

/** Machine-wide busy cores (ours included) while `phase` runs: how loaded the machine was. */
async function busyDuring(phase: () => Promise<void>): Promise<number> {
  const before = machineCpu();
  await phase();
  return busyCores(before, machineCpu(), availableParallelism());
}

interface Measured {
  results: VariantResult[];
  /** Busy cores machine-wide during the cold starts and during the echo calls. */
  busyCores: { coldStarts: number; echoCalls: number };
}

async function measure(gateways: SandboxGateway[], options: SandboxBenchOptions): Promise<Measured> {
  const results = new Map<SandboxVariant, VariantResult>();
  for (const g of gateways)
    results.set(g.variant, {
      variant: g.variant,
      confinement: await g.confinement(),
      coldStartsMs: [],
      echoLatenciesMs: [],
      echoErrors: 0,
      firstEchoError: undefined,
    });
  const signal = AbortSignal.timeout(15 * 60_000);
  const coldStarts = await busyDuring(() =>
    interleaved(gateways, options.starts, async (g) => {
      const ms = await g.coldStart(signal);
      (results.get(g.variant) as VariantResult).coldStartsMs.push(ms);
    }),
  );
  log(`cold starts done (machine: ${coldStarts.toFixed(2)} busy cores)`);
  const echo = echoParams(ECHO_TOOL);
  const loop = (g: SandboxGateway, calls: number) =>
    closedLoop(g.channel, "tools/call", echo, { concurrency: 1, calls, check: isEchoOk, timeoutMs: 120_000 });
  for (const g of gateways) await loop(g, options.warmupCalls);
  const perRound = Math.max(1, Math.round(options.calls / options.rounds));
  const echoCalls = await busyDuring(() =>
    interleaved(gateways, options.rounds, async (g) => {
      const outcome = await loop(g, perRound);
      const result = results.get(g.variant) as VariantResult;
      result.echoLatenciesMs.push(...outcome.latenciesMs);
      result.echoErrors += outcome.errors;
      result.firstEchoError ??= outcome.firstError;
    }),
  );
  log(`echo calls done (machine: ${echoCalls.toFixed(2)} busy cores)`);
  return { results: [...results.values()], busyCores: { coldStarts, echoCalls } };
}

const fmt = (n: number | undefined, digits: number) => (n === undefined || Number.isNaN(n) ? "–" : n.toFixed(digits));

function table(results: readonly VariantResult[]): string {
  const base = results.find((r) => r.variant === "none");
  const baseCold = base && percentile(base.coldStartsMs, 50);
  const baseEcho = base && percentile(base.echoLatenciesMs, 50);
  const rows = results.map((r) => {
    const cold = percentile(r.coldStartsMs, 50);
    const echo = percentile(r.echoLatenciesMs, 50);
    return [
      r.variant,
      fmt(cold, 0),
      fmt(percentile(r.coldStartsMs, 90), 0),
      baseCold ? `${fmt(cold / baseCold, 2)}×` : "–",
      fmt(echo, 3),
      fmt(percentile(r.echoLatenciesMs, 99), 3),
      baseEcho ? `${fmt(echo / baseEcho, 2)}×` : "–",
      String(r.echoErrors),
    ];
  });
  const head = [
    "backend",
    "cold p50 ms",
    "cold p90 ms",
    "cold vs none",
    "echo p50 ms",
    "echo p99 ms",
    "echo vs none",
    "errors",
  ];
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

interface Skipped {
  variant: SandboxVariant;
  reason: string;
}

/** Busy cores over one second before anything starts (load from outside the benchmark), repeated until below
 * 0.2 or `waitSeconds` have passed. */
async function idleReading(waitSeconds: number): Promise<number> {
  const deadline = Date.now() + waitSeconds * 1000;
  let busy: number;
  do {
    const before = machineCpu();
    await sleep(1000);
    busy = busyCores(before, machineCpu(), availableParallelism());
  } while (busy >= 0.2 && Date.now() < deadline);
  log(`machine before the run: ${busy.toFixed(2)} busy cores (1-minute load average ${loadavg()[0]?.toFixed(2)})`);
  if (busy > 0.2) log("warning: other processes are using the CPU; results will be noisier");
  return busy;
}

/** One gateway per variant that can run here; the others are skipped with the reason. */
async function launchAll(
  ctx: SandboxGatewayContext,
  variants: readonly SandboxVariant[],
  gateways: SandboxGateway[],
): Promise<Skipped[]> {
  const reasons = await skipReasons(variants, join(ctx.workDir, "probe-cache"));
  const skipped: Skipped[] = [];
  for (const variant of variants) {
    const reason = reasons.get(variant);
    if (reason) {
      skipped.push({ variant, reason });
      log(`${variant}: SKIPPED: ${reason}`);
      continue;
    }
    try {
      gateways.push(await launchSandboxGateway(ctx, variant, AbortSignal.timeout(60_000)));
    } catch (error) {
      skipped.push({ variant, reason: String(error) });
      log(`${variant}: SKIPPED, the gateway could not start the server: ${String(error)}`);
    }
  }
  return skipped;
}

async function main(): Promise<number> {
  const options = parseSandboxOptions(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${SANDBOX_USAGE}\n`);
    return 0;
  }
  installCleanupHandlers();
  const repoRoot = fileURLToPath(new URL("..", import.meta.url));
  const machine = machineInfo(repoRoot);
  const busyCoresAtStart = await idleReading(options.waitQuietSeconds);
  log(
    `bench:sandbox: ${options.starts} cold starts and ${options.calls} echo calls per backend; node ${process.version}, ${machine.nproc} cores`,
  );
  const workDir = mkdtempSync(join(tmpdir(), "switchboard-bench-sandbox-"));
  const ctx: SandboxGatewayContext = {
    node: process.execPath,
    repoRoot,
    // The real path: a sandbox makes the package's real folder visible, not a symlinked node_modules above it.
    everything: realpathSync(join(repoRoot, "node_modules/@modelcontextprotocol/server-everything/dist/index.js")),
    workDir,
    protocol: PROTOCOL_VERSION,
    memory: options.memory,
    startTimeoutMs: 30_000,
  };
  const began = Date.now();
  const gateways: SandboxGateway[] = [];
  let skipped: Skipped[];
  let measured: Measured;
  try {
    skipped = await launchAll(ctx, options.variants, gateways);
    measured = await measure(gateways, options);
  } finally {
    for (const g of gateways) await g.close();
    killEverythingSync();
    rmSync(workDir, { recursive: true, force: true });
  }
  const seconds = Math.round((Date.now() - began) / 1000);
  process.stdout.write(
    [
      "",
      `## Sandbox backends: ${options.starts} cold starts, ${options.calls} sequential echo calls each (${seconds} s)`,
      "",
      table(measured.results),
      ...skipped.map((s) => `\nskipped ${s.variant}: ${s.reason}`),
      "",
    ].join("\n"),
  );
  const command = `npm run bench:sandbox -- ${process.argv.slice(2).join(" ")}`.trim();
  const record = { startedAt: new Date(began).toISOString(), durationSeconds: seconds, command, machine, options };
  const file = writeRecord(resolve(repoRoot, options.outDir), began, {
    ...record,
    busyCoresAtStart,
    busyCores: measured.busyCores,
    skipped,
    results: measured.results,
  });
  log(`raw results: ${file}`);
  return measured.results.some((r) => r.echoErrors > 0) ? 1 : 0;
}

function writeRecord(outDir: string, began: number, record: object): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `sandbox-${new Date(began).toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench:sandbox failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    killEverythingSync();
    process.exit(1);
  },
);

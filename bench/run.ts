// Entry point of `npm run bench`: one interleaved run over all targets, tables on stdout, JSON in bench/results/.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { machineInfo, switchboardEntry } from "./machine.ts";
import { parseOptions, USAGE } from "./options.ts";
import { installCleanupHandlers, killEverythingSync, sleep } from "./processes.ts";
import { busyCores, machineCpu } from "./procfs.ts";
import { cpuByLevelTable, latencyTable, ratios, ratioTable, resourceTable, summarize } from "./report.ts";
import { runTargetRound, type TargetRound } from "./scenarios.ts";
import { median } from "./stats.ts";
import { type LaunchContext, TARGETS } from "./targets.ts";

const log = (text: string) => process.stderr.write(`${text}\n`);

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  installCleanupHandlers();
  const repoRoot = fileURLToPath(new URL("..", import.meta.url));
  const everything = join(repoRoot, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
  for (const needed of [
    everything,
    join(repoRoot, "node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs"),
    join(repoRoot, "node_modules/supergateway/dist/index.js"),
  ]) {
    if (!existsSync(needed)) throw new Error(`${needed} is missing: run npm install`);
  }
  const machine = machineInfo(repoRoot);
  const idleAtStart = await waitQuiet(options.waitQuietSeconds);
  log(
    `machine before the run: ${idleAtStart.toFixed(2)} busy cores (1-minute load average ${loadavg()[0]?.toFixed(2)})`,
  );
  if (idleAtStart > 0.2) log("warning: other processes are using the CPU; results will be noisier");
  const workDir = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
  const ctx: LaunchContext = {
    node: process.execPath,
    repoRoot,
    everything,
    workDir,
    peersTuned: options.peersTuned,
    protocol: options.protocol,
    cpuProfDir: options.cpuProfDir ? resolve(options.cpuProfDir) : undefined,
    switchboardRoot: options.switchboardRoot ? resolve(options.switchboardRoot) : repoRoot,
    switchboardNodeArgs: options.switchboardNodeArgs,
    candidate:
      options.candidateRoot !== undefined || options.candidateNodeArgs !== undefined
        ? {
            root: options.candidateRoot ? resolve(options.candidateRoot) : repoRoot,
            nodeArgs: options.candidateNodeArgs ?? options.switchboardNodeArgs,
          }
        : undefined,
    startTimeoutMs: 30_000,
  };
  const scenario = {
    calls: options.calls,
    warmupCalls: options.warmupCalls,
    levels: options.levels,
    sessionSamples: options.sessionSamples,
    listCalls: options.listCalls,
    levelTimeoutMs: 120_000,
    levelWarmupMs: options.quick ? 100 : 500,
    settleMs: options.settleMs,
  };
  log(`Switchboard: ${ctx.switchboardRoot} runs ${switchboardEntry(ctx.switchboardRoot)}`);
  if (ctx.candidate)
    log(
      `Switchboard (B): ${ctx.candidate.root} runs ${switchboardEntry(ctx.candidate.root)} ${ctx.candidate.nodeArgs.join(" ")}`,
    );
  log(
    `bench: ${options.rounds} round(s) × ${options.targets.length} targets; ${options.calls} calls per level at c=${options.levels.join(",")}; protocol ${options.protocol}; node ${process.version}, ${machine.nproc} cores`,
  );

  const results: TargetRound[] = [];
  const failures: { round: number; target: string; error: string }[] = [];
  /** Busy cores while none of our targets runs (between targets): load from outside the benchmark. */
  const background: number[] = [];
  const began = Date.now();
  let launchNo = 0;
  try {
    for (let round = 1; round <= options.rounds; round++) {
      // Rotate the order every round so drift (thermal, page cache, background) spreads over all targets.
      const shift = (round - 1) % options.targets.length;
      const order = [...options.targets.slice(shift), ...options.targets.slice(0, shift)];
      for (const id of order) {
        const target = TARGETS[id];
        for (let attempt = 1; attempt <= 1 + options.retries; attempt++) {
          try {
            const result = await runTargetRound(target, ctx, scenario, round, ++launchNo);
            const noise = Math.max(...result.levels.map((l) => l.otherBusyCores));
            result.attempt = attempt;
            result.noisy = noise > options.noiseThreshold;
            const top = result.levels[result.levels.length - 1];
            const errors = result.levels.reduce((s, l) => s + l.errors, 0);
            log(
              `round ${round} ${target.label.padEnd(18)} cold ${result.coldConnectMs.toFixed(0)} ms, p50 c=${result.levels[0]?.concurrency} ${result.levels[0]?.p50Ms.toFixed(3)} ms, ${top?.callsPerSec.toFixed(0)} calls/s at c=${top?.concurrency}${errors ? `, ${errors} errors (${result.levels.find((l) => l.firstError)?.firstError})` : ""}${result.noisy ? `; other processes used up to ${noise.toFixed(2)} cores` : ""}`,
            );
            if (result.noisy && attempt <= options.retries) {
              log(`round ${round} ${target.label}: measured under outside load, running it again`);
              await waitQuiet(30);
              continue;
            }
            results.push(result);
          } catch (error) {
            failures.push({ round, target: id, error: String(error) });
            log(`round ${round} ${target.label}: FAILED: ${String(error)}`);
          }
          break;
        }
        const before = machineCpu();
        await sleep(options.cooldownMs);
        background.push(busyCores(before, machineCpu(), availableParallelism()));
      }
    }
  } finally {
    killEverythingSync();
    rmSync(workDir, { recursive: true, force: true });
  }

  const summaries = options.targets.map((t) => summarize(results, t, options.levels));
  const ratioList = ratios(results, options.levels);
  const seconds = Math.round((Date.now() - began) / 1000);
  const output = [
    "",
    `## Medians over ${options.rounds} round(s) (${options.calls} echo calls per level; ${seconds} s)`,
    "",
    latencyTable(summaries, options.levels),
    "",
    resourceTable(summaries),
    "",
    "CPU per call by concurrency level (medians):",
    "",
    cpuByLevelTable(summaries, options.levels),
    "",
    "## Ratios and goals",
    "",
    ratioTable(ratioList),
    "",
  ].join("\n");
  process.stdout.write(output);
  const backgroundMedian = median(background) ?? 0;
  log(
    `background load between targets: median ${backgroundMedian.toFixed(2)} busy cores (max ${Math.max(0, ...background).toFixed(2)})`,
  );
  if (backgroundMedian > 0.15) log("warning: other processes were using the CPU during the run; numbers are noisy");

  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const outDir = resolve(repoRoot, options.outDir);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: new Date(began).toISOString(),
        durationSeconds: seconds,
        busyCoresAtStart: idleAtStart,
        command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
        machine,
        options,
        notes: {
          switchboardHttpEndpoint: "/mcp (aggregated), tool everything__echo",
          switchboard: { root: ctx.switchboardRoot, entry: switchboardEntry(ctx.switchboardRoot) },
          candidate: ctx.candidate ? { ...ctx.candidate, entry: switchboardEntry(ctx.candidate.root) } : undefined,
          peersTuned: options.peersTuned,
          clockTicksNote: "CPU from /proc/<pid>/stat utime+stime (clock-tick resolution)",
        },
        summaries,
        ratios: ratioList,
        failures,
        backgroundBusyCores: background,
        rounds: results,
      },
      null,
      2,
    )}\n`,
  );
  log(`raw results: ${file}`);
  if (failures.length > 0) {
    log(`${failures.length} target round(s) failed`);
    return 1;
  }
  return 0;
}

/** Busy cores over one second, repeated until below 0.2 or `seconds` have passed; returns the last reading. */
async function waitQuiet(seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const before = machineCpu();
    await sleep(1000);
    const busy = busyCores(before, machineCpu(), availableParallelism());
    if (busy < 0.2 || Date.now() >= deadline) return busy;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    killEverythingSync();
    process.exit(1);
  },
);

// Command-line flags of `npm run bench` (node:util parseArgs), with defaults sized for a 2-core machine.
import { parseArgs } from "node:util";
import { PROTOCOL_VERSION } from "./rpc.ts";
import { CANDIDATE_IDS, EXTRA_IDS, TARGET_IDS, type TargetId } from "./targets.ts";

export interface BenchOptions {
  quick: boolean;
  rounds: number;
  calls: number;
  warmupCalls: number;
  levels: number[];
  sessionSamples: number;
  listCalls: number;
  targets: TargetId[];
  peersTuned: boolean;
  /** The protocol revision the clients ask for in initialize. */
  protocol: string;
  cpuProfDir: string | undefined;
  /** The Switchboard checkout to run (bin/switchboard.js under it); default this repository. */
  switchboardRoot: string | undefined;
  /** Extra Node flags for the Switchboard process. */
  switchboardNodeArgs: string[];
  /** Variant B: another checkout and/or other Node flags, run as the (B) targets. */
  candidateRoot: string | undefined;
  candidateNodeArgs: string[] | undefined;
  outDir: string;
  settleMs: number;
  cooldownMs: number;
  /** Wait up to this many seconds for other processes to leave the CPU before starting. */
  waitQuietSeconds: number;
  /** A target-round during which other processes used more cores than this is run again… */
  noiseThreshold: number;
  /** …at most this many times. */
  retries: number;
}

export const USAGE = `Usage: npm run bench -- [options]

  --rounds N           Rounds; in each, every target runs every scenario (default 5)
  --calls N            Echo calls per concurrency level (default 3000)
  --warmup N           Unmeasured echo calls (c=8) before measuring, so JIT warm-up is not measured (default 2000;
                       0 measures c=1 on a freshly started process, as the independent harness does)
  --levels LIST        Concurrency levels (default 1,8,64)
  --session-samples N  New sessions per round on HTTP targets (default 5)
  --list-calls N       tools/list calls per round (default 30)
  --targets LIST       Targets to run (default ${TARGET_IDS.join(",")}); also ${[...EXTRA_IDS, ...CANDIDATE_IDS].join(",")}
  --quick              1 round, 300 calls, 200 warm-up, 2 session samples (a smoke run)
  --protocol VER       Protocol revision the clients ask for (default ${PROTOCOL_VERSION}; the independent harness
                       asks for 2025-06-18)
  --peers-tuned        supergateway --logLevel none, mcp-proxy --no-eventStore (default: their defaults)
  --cpu-prof DIR       Run Switchboard with --cpu-prof, profiles into DIR
  --switchboard DIR    Run the Switchboard checkout in DIR instead of this one
  --node-args="FLAGS"  Extra Node flags for the Switchboard process (note the =, flags start with a dash)
  --candidate DIR      Also run the Switchboard checkout in DIR as "(B)" targets, interleaved (A/B a change)
  --candidate-node-args="FLAGS"
                       Node flags for the (B) targets (alone: A/B a flag on this checkout)
  --out DIR            Where the JSON results go (default bench/results)
  --wait-quiet S       Wait up to S seconds for the machine to be idle (< 0.2 busy cores) first (default 0)
  --noise-threshold C  Run a target's round again when other processes used more than C cores (default 0.25)
  --retries N          At most N such re-runs per target and round (default 2; 0 keeps every first attempt)
  -h, --help           This help`;

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

export function nonNegative(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got "${value}"`);
  return n;
}

function splitFlags(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(/\s+/).filter((f) => f.length > 0);
}

export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: "string" },
      calls: { type: "string" },
      warmup: { type: "string" },
      levels: { type: "string" },
      "session-samples": { type: "string" },
      "list-calls": { type: "string" },
      targets: { type: "string" },
      quick: { type: "boolean" },
      "peers-tuned": { type: "boolean" },
      protocol: { type: "string" },
      "cpu-prof": { type: "string" },
      switchboard: { type: "string" },
      candidate: { type: "string" },
      "node-args": { type: "string" },
      "candidate-node-args": { type: "string" },
      out: { type: "string" },
      "wait-quiet": { type: "string" },
      "noise-threshold": { type: "string" },
      retries: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const quick = values.quick ?? false;
  const withB = values.candidate !== undefined || values["candidate-node-args"] !== undefined;
  const defaults = withB ? [...TARGET_IDS, ...CANDIDATE_IDS] : TARGET_IDS;
  const known = [...TARGET_IDS, ...EXTRA_IDS, ...(withB ? CANDIDATE_IDS : [])];
  const targets = (values.targets ?? defaults.join(",")).split(",").map((t) => t.trim()) as TargetId[];
  for (const t of targets)
    if (!known.includes(t)) throw new Error(`unknown target "${t}" (the (B) targets need --candidate)`);
  const levels = (values.levels ?? "1,8,64").split(",").map((l) => positiveInt(l.trim(), "levels", 1));
  return {
    quick,
    rounds: positiveInt(values.rounds, "rounds", quick ? 1 : 5),
    calls: positiveInt(values.calls, "calls", quick ? 300 : 3000),
    warmupCalls: Math.floor(nonNegative(values.warmup, "warmup", quick ? 200 : 2000)),
    levels,
    sessionSamples: positiveInt(values["session-samples"], "session-samples", quick ? 2 : 5),
    listCalls: positiveInt(values["list-calls"], "list-calls", quick ? 10 : 30),
    targets,
    peersTuned: values["peers-tuned"] ?? false,
    protocol: values.protocol ?? PROTOCOL_VERSION,
    cpuProfDir: values["cpu-prof"],
    switchboardRoot: values.switchboard,
    switchboardNodeArgs: splitFlags(values["node-args"]) ?? [],
    candidateRoot: values.candidate,
    candidateNodeArgs: splitFlags(values["candidate-node-args"]),
    outDir: values.out ?? "bench/results",
    settleMs: 500,
    cooldownMs: 500,
    noiseThreshold: nonNegative(values["noise-threshold"], "noise-threshold", 0.25),
    retries: Math.floor(nonNegative(values.retries, "retries", 2)),
    waitQuietSeconds: values["wait-quiet"] === undefined ? 0 : positiveInt(values["wait-quiet"], "wait-quiet", 0),
  };
}

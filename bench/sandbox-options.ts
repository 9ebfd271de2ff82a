// Command-line flags of `npm run bench:sandbox` (node:util parseArgs), sized so a full run takes about 2 minutes.
import { parseArgs } from "node:util";
import { nonNegative, positiveInt } from "./options.ts";

/** The variants measured: a server without any sandbox setting, then each backend. */
export const SANDBOX_VARIANTS = [
  "none",
  "none-with-profile",
  "bubblewrap",
  "firejail",
  "landlock",
  "gvisor",
  "podman",
] as const;
export type SandboxVariant = (typeof SANDBOX_VARIANTS)[number];

export interface SandboxBenchOptions {
  variants: SandboxVariant[];
  /** Measured cold starts per variant (after one unmeasured start that warms the page cache). */
  starts: number;
  /** Measured sequential echo calls per variant, split into interleaved rounds. */
  calls: number;
  /** Unmeasured echo calls per variant before the first measured one. */
  warmupCalls: number;
  /** Rounds the calls are split into; the variants take turns between rounds so drift spreads over all. */
  rounds: number;
  /** The memory limit of `none-with-profile` (and of no other variant). */
  memory: string;
  outDir: string;
  /** Wait up to this many seconds for other processes to leave the CPU (< 0.2 busy cores) before starting. */
  waitQuietSeconds: number;
}

export const SANDBOX_USAGE = `Usage: npm run bench:sandbox -- [options]

  --starts N     Measured cold starts of the echo server per backend (default 15)
  --calls N      Measured sequential echo calls per backend (default 2000)
  --warmup N     Unmeasured echo calls per backend first (default 300)
  --rounds N     Rounds the calls are split into, backends interleaved (default 5)
  --backends L   Variants to run (default ${SANDBOX_VARIANTS.join(",")})
  --memory SIZE  Memory limit of none-with-profile, the cgroup cost alone (default 512M)
  --out DIR      Where the JSON results go (default bench/results)
  --wait-quiet S Wait up to S seconds for the machine to be idle (< 0.2 busy cores) first (default 0)
  -h, --help     This help`;

export function parseSandboxOptions(argv: readonly string[]): SandboxBenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      starts: { type: "string" },
      calls: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      backends: { type: "string" },
      memory: { type: "string" },
      out: { type: "string" },
      "wait-quiet": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const variants = (values.backends ?? SANDBOX_VARIANTS.join(",")).split(",").map((v) => v.trim());
  for (const v of variants)
    if (!(SANDBOX_VARIANTS as readonly string[]).includes(v))
      throw new Error(`unknown backend "${v}" (known: ${SANDBOX_VARIANTS.join(", ")})`);
  return {
    variants: variants as SandboxVariant[],
    starts: positiveInt(values.starts, "starts", 15),
    calls: positiveInt(values.calls, "calls", 2000),
    warmupCalls: positiveInt(values.warmup, "warmup", 300),
    rounds: positiveInt(values.rounds, "rounds", 5),
    memory: values.memory ?? "512M",
    outDir: values.out ?? "bench/results",
    waitQuietSeconds: nonNegative(values["wait-quiet"], "wait-quiet", 0),
  };
}

// The closed-loop load generator: `concurrency` workers keep that many echo calls in flight.
// One continuous loop per level: warm-up calls first (unmeasured), then the measured calls, then cool-down calls
// (unmeasured) that keep the concurrency up until the last measured call has answered, so neither the start
// burst nor the drain at the end is measured.
import type { Channel, Json } from "./rpc.ts";

export interface LoadOptions {
  concurrency: number;
  /** Measured calls. */
  calls: number;
  check: (response: Json) => boolean;
  timeoutMs: number;
  /** Warm-up lasts at least this long and this many calls (default: none)… */
  warmupMs?: number;
  warmupCalls?: number;
  /** …but never more than this many calls. */
  maxWarmupCalls?: number;
}

export interface LoadOutcome {
  /** Latency of each successful measured call in ms (failed calls are left out). */
  latenciesMs: Float64Array;
  errors: number;
  firstError: string | undefined;
  /** From the first measured call sent to the last measured call answered. */
  wallMs: number;
  warmupCalls: number;
  /** Every call the loop sent (warm-up, measured, cool-down) and how long it ran: the basis for CPU per call. */
  totalCalls: number;
  totalWallMs: number;
}

export async function closedLoop(
  channel: Channel,
  method: string,
  paramsJson: string,
  options: LoadOptions,
): Promise<LoadOutcome> {
  const { concurrency, calls, check } = options;
  const warmupMs = options.warmupMs ?? 0;
  const minWarmup = options.warmupCalls ?? 0;
  const maxWarmup = Math.max(minWarmup, options.maxWarmupCalls ?? minWarmup);
  const latencies = new Float64Array(calls);
  const begin = performance.now();
  let warmup = -1; // number of warm-up calls, fixed when the first measured call is sent
  let issued = 0;
  let measuredIssued = 0;
  let measuredDone = 0;
  let cooldown = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let firstMeasuredAt = 0;
  let lastMeasuredAt = 0;

  const nextKind = (): "warmup" | "measured" | "cooldown" | "stop" => {
    if (warmup < 0) {
      const warm = issued < maxWarmup && (issued < minWarmup || performance.now() - begin < warmupMs);
      if (warm) return "warmup";
      warmup = issued;
    }
    if (measuredIssued < calls) return "measured";
    // Keep the load up while measured calls are still out; bounded so a stuck call cannot spin forever.
    return measuredDone < calls && cooldown < calls ? "cooldown" : "stop";
  };

  const worker = async () => {
    for (let kind = nextKind(); kind !== "stop"; kind = nextKind()) {
      issued++;
      if (kind === "cooldown") cooldown++;
      if (kind !== "measured") {
        try {
          await channel.request(method, paramsJson);
        } catch {
          // unmeasured
        }
        continue;
      }
      const started = performance.now();
      if (measuredIssued++ === 0) firstMeasuredAt = started;
      try {
        const response = await channel.request(method, paramsJson);
        const elapsed = performance.now() - started;
        if (check(response)) latencies[ok++] = elapsed;
        else {
          errors++;
          firstError ??= JSON.stringify(response).slice(0, 300);
        }
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
      measuredDone++;
      lastMeasuredAt = performance.now();
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${calls} calls at concurrency ${concurrency} did not finish in ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: concurrency }, worker)), timeout]);
  } finally {
    clearTimeout(timer);
  }
  return {
    latenciesMs: latencies.subarray(0, ok),
    errors,
    firstError,
    wallMs: lastMeasuredAt - firstMeasuredAt,
    warmupCalls: Math.max(0, warmup),
    totalCalls: issued,
    totalWallMs: performance.now() - begin,
  };
}

// Restart delay: exponential in the number of consecutive failures, with "equal jitter" (half fixed, half random)
// so a fleet of crashing servers does not restart in lockstep.
import type { RestartPolicy } from "../../core/server-spec.ts";

export function restartDelayMs(policy: RestartPolicy, failures: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, failures - 1);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent);
  return Math.round(base / 2 + random() * (base / 2));
}

// Normalizes a server's resilience policies: its own settings over gateway.serverDefaults over the defaults.
import type { PolicySpec } from "../core/server-spec.ts";

export const DEFAULT_POLICIES = {
  trusted: false,
  /** maxCallMs defaults to this many times the server's timeoutMs. */
  maxCallTimeouts: 10,
  retry: { initialDelayMs: 100, maxDelayMs: 2_000 },
  circuitBreaker: {
    enabled: true,
    consecutiveFailures: 5,
    failureRate: 0.5,
    windowMs: 30_000,
    minCalls: 20,
    cooldownMs: 30_000,
  },
  bulkhead: { maxConcurrent: 100, maxQueued: 100 },
} as const;

interface PolicyEntry {
  trusted?: boolean | undefined;
  maxCallMs?: number | undefined;
  retry?: Partial<PolicySpec["retry"]> | undefined;
  circuitBreaker?: Partial<PolicySpec["circuitBreaker"]> | undefined;
  bulkhead?: Partial<PolicySpec["bulkhead"]> | undefined;
}

/** The server's policies; `timeoutMs` is its resolved call timeout. */
export function normalizePolicies(defaults: PolicyEntry, entry: PolicyEntry, timeoutMs: number): PolicySpec {
  const section = <K extends "retry" | "circuitBreaker" | "bulkhead">(key: K) => ({
    ...DEFAULT_POLICIES[key],
    ...defined(defaults[key]),
    ...defined(entry[key]),
  });
  return {
    trusted: entry.trusted ?? defaults.trusted ?? DEFAULT_POLICIES.trusted,
    maxCallMs: entry.maxCallMs ?? defaults.maxCallMs ?? timeoutMs * DEFAULT_POLICIES.maxCallTimeouts,
    retry: section("retry"),
    circuitBreaker: section("circuitBreaker"),
    bulkhead: section("bulkhead"),
  };
}

function defined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

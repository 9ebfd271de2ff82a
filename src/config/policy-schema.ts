// Resilience policy settings of a server (also accepted in gateway.serverDefaults): hard call maximum, trust,
// retry backoff, circuit breaker and bulkhead. Spread into the server settings of schema.ts.
import { z } from "zod";

const int = (min: number, description: string) => z.number().int().min(min).optional().describe(description);

export const RetryBackoffSchema = z
  .object({
    initialDelayMs: int(0, "First retry delay (jittered). Milliseconds; default 100."),
    maxDelayMs: int(0, "Upper bound of the growing retry delay. Milliseconds; default 2000."),
  })
  .strict()
  .describe("Backoff between retries (exponential with decorrelated jitter); the count is maxRetries.");

export const CircuitBreakerSchema = z
  .object({
    enabled: z.boolean().optional().describe("Use a circuit breaker for this server; default true."),
    consecutiveFailures: int(
      1,
      "Gateway-side failures in a row that open the breaker (env MCP_FAILURE_THRESHOLD); default 5.",
    ),
    failureRate: z
      .number()
      .gt(0)
      .lt(1)
      .optional()
      .describe("Share of failed calls within windowMs that opens the breaker (0 < rate < 1); default 0.5."),
    windowMs: int(1000, "Sliding window of the failure rate. Milliseconds; default 30000."),
    minCalls: int(1, "Calls needed within windowMs before the failure rate may open the breaker; default 20."),
    cooldownMs: int(
      1,
      "Time the breaker stays open before one probe call is let through (env MCP_RECOVERY_TIMEOUT, seconds). Milliseconds; default 30000.",
    ),
  })
  .strict()
  .describe("Fails calls fast while a server keeps failing; one probe after the cooldown closes or reopens it.");

export const BulkheadSchema = z
  .object({
    maxConcurrent: int(0, "Calls in flight to this server at once; 0 = unlimited (no bulkhead); default 100."),
    maxQueued: int(0, "Calls waiting for a free slot; beyond it calls are rejected with overloaded; default 100."),
  })
  .strict()
  .describe("Isolates a slow server: a bounded number of calls in flight plus a bounded queue.");

/** Keys spread into the server settings (and so into gateway.serverDefaults). */
export const policySettings = {
  trusted: z
    .boolean()
    .optional()
    .describe(
      "Trust this server's tool annotations: idempotent/read-only tools are retried after timeouts and dropped connections; default false.",
    ),
  maxCallMs: int(
    1,
    "Hard maximum of one call, even while progress keeps arriving. Milliseconds; default 10 × timeoutMs.",
  ),
  retry: RetryBackoffSchema.optional(),
  circuitBreaker: CircuitBreakerSchema.optional(),
  bulkhead: BulkheadSchema.optional(),
};

/** Nested server settings that environment variables reach into (`circuitBreaker.cooldownMs`). */
export const POLICY_NESTED_SECTIONS: Record<string, { shape: Record<string, z.ZodType> }> = {
  circuitBreaker: CircuitBreakerSchema,
  bulkhead: BulkheadSchema,
  retry: RetryBackoffSchema,
};

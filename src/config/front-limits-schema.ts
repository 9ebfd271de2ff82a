// Configuration of the HTTP front's resource bounds (gateway.limits): sessions, replay memory, connections and
// request timeouts of this replica. Part of the gateway section (schema.ts); see docs/configuration.md.
import { z } from "zod";

export const DEFAULT_MAX_SESSIONS = 10_000;
export const DEFAULT_MAX_REPLAY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 4_096;

const count = (description: string, defaultValue: number, min = 1) =>
  z.number().int().min(min).default(defaultValue).describe(`${description}; default ${defaultValue}.`);

/**
 * Defaults chosen so one client key cannot fill the default cap on its own: over the default session idle
 * timeout (30 min) it can hold at most 120 × 30 + 240 = 3,840 sessions, under 10,000.
 */
export const SessionCreationSchema = z
  .object({
    perMinute: z
      .number()
      .min(0)
      .max(1_000_000_000)
      .default(120)
      .describe(
        "Sessions (initialize, subscriptions/listen) one client key may open per minute, sustained; 0: no limit; default 120.",
      ),
    burst: count("Sessions one client key may open back to back (the bucket's size)", 240),
  })
  .strict()
  .describe("Per-client limit on opening sessions (keyed like gateway.rateLimit.clientKey); 429 rate_limited beyond.");

export const FrontLimitsSchema = z
  .object({
    maxSessions: count(
      "Sessions (and 2026-era listen streams) held in this replica's memory; at the cap new ones get 503 session_limit",
      DEFAULT_MAX_SESSIONS,
    ),
    sessionCreation: SessionCreationSchema.prefault({}),
    maxReplayBytes: count(
      "Bytes of recorded SSE events kept for resumption, across all sessions and streams of this replica (payload plus ~64 bytes per event); the oldest events are evicted first. Bytes",
      DEFAULT_MAX_REPLAY_BYTES,
      0,
    ),
    maxConnections: count(
      "Open HTTP connections; at the cap the oldest connection not serving a complete request (idle keep-alive, slow sender) is closed to make room, else the new one is refused. Keep it below the file-descriptor limit (ulimit -n)",
      DEFAULT_MAX_CONNECTIONS,
    ),
    headersTimeoutMs: count("A client must send its request headers within this long (else 408). Milliseconds", 10_000),
    requestTimeoutMs: count(
      "A client must send its whole request (headers and body) within this long (else 408 and the connection is closed); responses may take longer. Milliseconds",
      30_000,
    ),
  })
  .strict()
  .superRefine((limits, ctx) => {
    if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
      ctx.addIssue({
        code: "custom",
        path: ["headersTimeoutMs"],
        message: "must not exceed requestTimeoutMs",
      });
    }
  })
  .describe("Bounds on what clients may hold in this replica: sessions, replay memory, connections, slow requests.");

export type FrontLimitsSection = z.infer<typeof FrontLimitsSchema>;

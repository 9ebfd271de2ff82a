// Request statistics behind /health and `switchboard status`: per server and for the whole gateway, totals,
// errors and mean latency since start, plus rates and latency percentiles over a sliding window, and why each
// server last stopped. Constant work per call (fed by `call-finished`). Breaker states are the policies' own.
import type { Disposable, EventBus } from "../../core/events.ts";
import type { StopReason } from "../../core/server-state.ts";
import type { Clock } from "../../ports/clock.ts";
import { bucketOf, LATENCY_BUCKETS, quantileMs, round1 } from "./latency-histogram.ts";

export const DEFAULT_STATS_WINDOW_MS = 60_000;
/** The window slides by a twelfth of its length (5 s for the default minute). */
const SLOTS = 12;

/** Calls over the recent window. Percentiles and mean are null when no call finished in it. */
export interface RecentCalls {
  windowSeconds: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  errorRate: number;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface CallStats {
  /** Calls finished since the gateway started. */
  requests: number;
  errors: number;
  /** errors / requests (0 without calls). */
  errorRate: number;
  /** Mean duration since start (0 without calls). */
  meanMs: number;
  recent: RecentCalls;
}

export interface ServerCallStats extends CallStats {
  /** The last call that ended in an error: its kind and when. */
  lastCallError: { kind: string; at: string } | null;
}

export interface RequestStatsOptions {
  events: EventBus;
  clock: Clock;
  /** Length of the sliding window for rates and percentiles (default 60 s). */
  windowMs?: number;
}

interface Slot {
  /** Which slot of time (now / slotMs) the counts belong to; -1 when never used. */
  epoch: number;
  requests: number;
  errors: number;
  totalMs: number;
  maxMs: number;
  buckets: Uint32Array;
}

/** Counts of one server (or of the gateway): totals and a ring of window slots. */
class CallCounter {
  requests = 0;
  errors = 0;
  totalMs = 0;
  lastError: { kind: string; at: number } | undefined;
  private readonly slots: Slot[] = Array.from({ length: SLOTS }, () => ({
    epoch: -1,
    requests: 0,
    errors: 0,
    totalMs: 0,
    maxMs: 0,
    buckets: new Uint32Array(LATENCY_BUCKETS),
  }));

  record(epoch: number, durationMs: number, error: boolean): void {
    this.requests++;
    this.totalMs += durationMs;
    if (error) this.errors++;
    const slot = this.slots[epoch % SLOTS] as Slot;
    if (slot.epoch !== epoch) {
      slot.epoch = epoch;
      slot.requests = 0;
      slot.errors = 0;
      slot.totalMs = 0;
      slot.maxMs = 0;
      slot.buckets.fill(0);
    }
    slot.requests++;
    slot.totalMs += durationMs;
    if (durationMs > slot.maxMs) slot.maxMs = durationMs;
    if (error) slot.errors++;
    const bucket = bucketOf(durationMs);
    slot.buckets[bucket] = (slot.buckets[bucket] as number) + 1;
  }

  summary(epoch: number, spanMs: number): CallStats {
    let requests = 0;
    let errors = 0;
    let totalMs = 0;
    let maxMs = 0;
    const buckets = new Uint32Array(LATENCY_BUCKETS);
    for (const slot of this.slots) {
      if (slot.epoch < 0 || slot.epoch <= epoch - SLOTS) continue;
      requests += slot.requests;
      errors += slot.errors;
      totalMs += slot.totalMs;
      if (slot.maxMs > maxMs) maxMs = slot.maxMs;
      for (let i = 0; i < LATENCY_BUCKETS; i++) buckets[i] = (buckets[i] as number) + (slot.buckets[i] as number);
    }
    const seconds = Math.max(1, spanMs / 1000);
    return {
      requests: this.requests,
      errors: this.errors,
      errorRate: ratio(this.errors, this.requests),
      meanMs: this.requests === 0 ? 0 : round1(this.totalMs / this.requests),
      recent: {
        windowSeconds: Math.round(seconds),
        requests,
        errors,
        requestsPerSecond: Math.round((requests / seconds) * 1000) / 1000,
        errorRate: ratio(errors, requests),
        meanMs: requests === 0 ? null : round1(totalMs / requests),
        // Estimates never exceed the slowest call seen in the window.
        p50Ms: capped(quantileMs(buckets, 0.5), maxMs),
        p95Ms: capped(quantileMs(buckets, 0.95), maxMs),
        p99Ms: capped(quantileMs(buckets, 0.99), maxMs),
      },
    };
  }
}

export class RequestStats {
  private readonly clock: Clock;
  private readonly slotMs: number;
  private readonly createdAt: number;
  private readonly total = new CallCounter();
  private readonly servers = new Map<string, CallCounter>();
  private readonly stops = new Map<string, StopReason>();
  /** Requests refused by a rate limit (they never reached routing, so they are not in the call counts). */
  private readonly limited = { client: 0, global: 0 };
  /** Errors nothing handled, caught by the process guard (`internal-error`). */
  private internal = 0;
  private readonly subscriptions: Disposable[];

  constructor(options: RequestStatsOptions) {
    this.clock = options.clock;
    this.slotMs = Math.max(1, Math.floor((options.windowMs ?? DEFAULT_STATS_WINDOW_MS) / SLOTS));
    this.createdAt = this.clock.now();
    this.subscriptions = [
      options.events.on("call-finished", (call) =>
        this.record(
          call.server,
          call.durationMs,
          // A result with isError is the tool's answer, not a failure of the gateway or the server.
          call.outcome === "error" && call.errorKind !== "tool_error" ? (call.errorKind ?? "jsonrpc_error") : undefined,
        ),
      ),
      options.events.on("server-stopped", ({ server, reason }) => void this.stops.set(server, reason)),
      options.events.on("server-start-failed", ({ server }) => void this.stops.set(server, "start-failed")),
      options.events.on("server-started", ({ server }) => void this.stops.delete(server)),
      options.events.on("call-rejected", ({ kind, scope }) => {
        if (kind === "rate_limited") this.limited[scope === "global" ? "global" : "client"]++;
      }),
      options.events.on("internal-error", () => {
        this.internal++;
      }),
    ];
  }

  /** Counts one finished call; `errorKind` set when it failed. */
  record(server: string, durationMs: number, errorKind?: string): void {
    const now = this.clock.now();
    const epoch = Math.floor(now / this.slotMs);
    const error = errorKind !== undefined;
    this.total.record(epoch, durationMs, error);
    let counter = this.servers.get(server);
    if (!counter) {
      counter = new CallCounter();
      this.servers.set(server, counter);
    }
    counter.record(epoch, durationMs, error);
    if (errorKind !== undefined) counter.lastError = { kind: errorKind, at: now };
  }

  /** The gateway's calls (every server together). */
  gateway(): CallStats {
    return this.summarize(this.total);
  }

  server(name: string): ServerCallStats {
    const counter = this.servers.get(name) ?? new CallCounter();
    const lastError = counter.lastError;
    return {
      ...this.summarize(counter),
      lastCallError: lastError ? { kind: lastError.kind, at: new Date(lastError.at).toISOString() } : null,
    };
  }

  /** Requests refused by the per-client and the global rate limit since start. */
  rateLimited(): { client: number; global: number } {
    return { ...this.limited };
  }

  /** Errors nothing handled since start, each caught by the process guard instead of ending the process. */
  internalErrors(): number {
    return this.internal;
  }

  /** Why the server last stopped, or undefined when it never stopped or started again since. */
  lastStop(name: string): StopReason | undefined {
    return this.stops.get(name);
  }

  close(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private summarize(counter: CallCounter): CallStats {
    const now = this.clock.now();
    const epoch = Math.floor(now / this.slotMs);
    // The window covers the current (partial) slot and the SLOTS - 1 before it, but not time before start.
    const windowStart = Math.max(this.createdAt, (epoch - SLOTS + 1) * this.slotMs);
    return counter.summary(epoch, now - windowStart);
  }
}

function capped(estimate: number | null, maxMs: number): number | null {
  return estimate === null ? null : Math.min(estimate, round1(maxMs));
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1_000_000) / 1_000_000;
}

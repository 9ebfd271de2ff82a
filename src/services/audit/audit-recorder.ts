// Turns every `tool-called` event into an audit record (the arguments only as a hash) and writes records in
// batches off the request path: one appendMany at most every `flushIntervalMs` (or sooner when a batch is full),
// whatever the call rate — a commit per call would cost more than the call (syscalls, locks). While the audit store
// is unreachable, records wait in a bounded queue and the write is retried with backoff, so a database restart
// loses nothing; only a queue past `maxQueued` drops (the oldest first, counted and logged).
import { canonicalHash } from "../../core/canonical-hash.ts";
import type { Disposable, EventBus, ToolCalled } from "../../core/events.ts";
import type { AuditSettings } from "../../core/gateway-config.ts";
import type { AuditLog, AuditRecord } from "../../ports/audit-log.ts";
import type { Clock, TimerHandle } from "../../ports/clock.ts";
import type { Logger } from "../../ports/logger.ts";

const BATCH = 1000;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;
const DAY_MS = 86_400_000;

export interface AuditRecorderOptions {
  log: AuditLog;
  events: EventBus;
  logger: Logger;
  clock: Clock;
  settings: AuditSettings;
  /** The registry's definition hash of a server's tool, when the catalog knows the tool. */
  definitionHash(server: string, tool: string): string | undefined;
}

export interface AuditStatus {
  /** Records accepted but not yet durable. */
  pending: number;
  written: number;
  dropped: number;
  /** The last write error while the queue is backed up; undefined when writes succeed. */
  error: string | undefined;
}

export class AuditRecorder {
  private readonly o: AuditRecorderOptions;
  private queue: AuditRecord[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled: NodeJS.Timeout | undefined;
  private retry: TimerHandle | undefined;
  private retryDelayMs = 0;
  private pruneTimer: TimerHandle | undefined;
  private subscription: Disposable | undefined;
  private closed = false;
  private readonly counts = { written: 0, dropped: 0 };
  private error: string | undefined;

  constructor(options: AuditRecorderOptions) {
    this.o = options;
  }

  start(): void {
    if (!this.o.settings.enabled || this.subscription) return;
    this.subscription = this.o.events.on("tool-called", (call) => this.record(call));
    if (this.o.settings.retentionDays > 0) this.schedulePrune(0);
  }

  status(): AuditStatus {
    return { pending: this.queue.length, ...this.counts, error: this.error };
  }

  /** Writes what is queued; resolves when the queue is empty or a write failed (the retry is then scheduled). */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Deletes records older than the retention; returns how many. */
  async prune(): Promise<number> {
    const cutoff = new Date(this.o.clock.now() - this.o.settings.retentionDays * DAY_MS).toISOString();
    const removed = await this.o.log.prune(cutoff);
    if (removed > 0) this.o.logger.info({ removed, olderThan: cutoff }, "audit records past retention deleted");
    return removed;
  }

  /** Stops recording and makes one last attempt to write what is queued, bounded by `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscription?.dispose();
    this.retry?.cancel();
    this.pruneTimer?.cancel();
    clearTimeout(this.scheduled);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (this.queue.length > 0)
      this.o.logger.error({ lost: this.queue.length, err: this.error }, "audit records not written before shutdown");
  }

  private record(call: ToolCalled): void {
    this.queue.push({
      time: new Date(call.startedAt).toISOString(),
      principal: call.principal,
      server: call.server,
      tool: call.tool,
      argumentsHash: canonicalHash(call.arguments ?? {}),
      definitionHash: call.server ? (this.o.definitionHash(call.server, call.tool) ?? null) : null,
      outcome: call.outcome,
      errorKind: call.errorKind,
      durationMs: call.durationMs,
      correlationId: call.correlationId,
    });
    const excess = this.queue.length - this.o.settings.maxQueued;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.counts.dropped += excess;
      this.o.logger.error({ dropped: excess, total: this.counts.dropped }, "audit queue full: oldest records dropped");
    }
    // One write per interval (sooner for a full batch), none while a retry waits for the store to come back.
    if (this.retry || this.flushing) return;
    if (this.queue.length >= BATCH) {
      clearTimeout(this.scheduled);
      this.scheduled = undefined;
      void this.flush();
    } else if (!this.scheduled) {
      const run = () => {
        this.scheduled = undefined;
        void this.flush();
      };
      this.scheduled = setTimeout(run, this.o.settings.flushIntervalMs);
      this.scheduled.unref();
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, BATCH);
      try {
        await this.o.log.appendMany(batch);
      } catch (error) {
        this.failed(error);
        return;
      }
      // Records that arrived meanwhile were appended behind the batch; the batch is still at the front.
      this.queue.splice(0, batch.length);
      this.counts.written += batch.length;
      if (this.error !== undefined) {
        this.o.logger.info({ written: batch.length }, "audit store reachable again; queued records written");
        this.error = undefined;
      }
      this.retryDelayMs = 0;
    }
  }

  private failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== this.error)
      this.o.logger.error({ err: error, pending: this.queue.length }, "audit write failed; records kept and retried");
    this.error = message;
    // A write asked for meanwhile (GET /audit) failing does not push the scheduled retry further out.
    if (this.closed || this.retry) return;
    this.retryDelayMs = Math.min(RETRY_MAX_MS, this.retryDelayMs === 0 ? RETRY_FIRST_MS : this.retryDelayMs * 2);
    this.retry = this.o.clock.setTimeout(() => {
      this.retry = undefined;
      void this.flush();
    }, this.retryDelayMs);
  }

  private schedulePrune(delayMs: number): void {
    this.pruneTimer = this.o.clock.setTimeout(() => {
      this.prune()
        .catch((error: unknown) => this.o.logger.warn({ err: error }, "could not delete old audit records"))
        .finally(() => {
          if (!this.closed) this.schedulePrune(this.o.settings.pruneIntervalMs);
        });
    }, delayMs);
  }
}

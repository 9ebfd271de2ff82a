// Turns every `tool-called` event into an audit record (the arguments only as a hash) and writes records in
// batches off the request path: one appendMany at most every `flushIntervalMs` (or sooner when a batch is full),
// whatever the call rate — a commit per call would cost more than the call (syscalls, locks). While the audit store
// is unreachable, records wait in a bounded queue and the write is retried with backoff, so a database restart
// loses nothing; only a queue past `maxQueued` drops (the oldest first, counted and logged). No call escapes
// unnoticed: a record that cannot be built or that the store refuses (while it answers) is stored in a reduced
// form; whatever is lost or reduced is counted (status, /health, metrics) and announced with the reason (an
// event the log subscribes to).
import type { Disposable, EventBus, ToolCalled } from "../../core/events.ts";
import type { AuditSettings } from "../../core/gateway-config.ts";
import type { AuditLog, AuditRecord } from "../../ports/audit-log.ts";
import type { Clock, TimerHandle } from "../../ports/clock.ts";
import { auditRecordOf, reasonOf, reducedRecord } from "./audit-record.ts";

const BATCH = 1000;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;
const DAY_MS = 86_400_000;

export interface AuditRecorderOptions {
  log: AuditLog;
  events: EventBus;
  clock: Clock;
  settings: AuditSettings;
  /** The registry's definition hash of a server's tool, when the catalog knows the tool. */
  definitionHash(server: string, tool: string): string | undefined;
}

export interface AuditStatus {
  /** Records accepted but not yet durable. */
  pending: number;
  /** Records stored (reduced ones included). */
  written: number;
  /** Of those, stored in a reduced form: the arguments could not be hashed, or the store refused the full record. */
  reduced: number;
  /** Calls with no record: the queue overflowed, the record could not be built, or shutdown came first. */
  dropped: number;
  /** Write attempts that failed (their records stay queued and are retried). */
  writeFailures: number;
  /** The last write error while the queue is backed up; undefined when writes succeed. */
  error: string | undefined;
  /** The last time a record was dropped or reduced, or a write failed, and why; null if never. */
  lastFailure: { at: string; reason: string } | null;
}

export class AuditRecorder {
  private readonly o: AuditRecorderOptions;
  private queue: AuditRecord[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled: TimerHandle | undefined;
  private retry: TimerHandle | undefined;
  private retryDelayMs = 0;
  private pruneTimer: TimerHandle | undefined;
  private subscription: Disposable | undefined;
  private closed = false;
  private readonly counts = { written: 0, reduced: 0, dropped: 0, writeFailures: 0 };
  private error: string | undefined;
  private lastFailure: AuditStatus["lastFailure"] = null;

  constructor(options: AuditRecorderOptions) {
    this.o = options;
  }

  start(): void {
    if (!this.o.settings.enabled || this.subscription) return;
    this.subscription = this.o.events.on("tool-called", (call) => this.record(call));
    if (this.o.settings.retentionDays > 0) this.schedulePrune(0);
  }

  status(): AuditStatus {
    return { pending: this.queue.length, ...this.counts, error: this.error, lastFailure: this.lastFailure };
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
    if (removed > 0) this.o.events.emit("audit-pruned", { removed, olderThan: cutoff });
    return removed;
  }

  /** Stops recording and makes one last attempt to write what is queued, bounded by `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscription?.dispose();
    this.retry?.cancel();
    this.pruneTimer?.cancel();
    this.scheduled?.cancel();
    let timer: TimerHandle | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((resolve) => {
        timer = this.o.clock.setTimeout(resolve, timeoutMs);
      }),
    ]);
    timer?.cancel();
    if (this.queue.length > 0) {
      const lost = this.queue.length;
      this.counts.dropped += lost;
      this.noteFailure(`${lost} records not written before shutdown: ${this.error}`);
      this.o.events.emit("audit-dropped", { cause: "shutdown", lost, error: this.error });
    }
  }

  private record(call: ToolCalled): void {
    try {
      this.queue.push(this.build(call));
    } catch (error) {
      // Nothing may throw back into the event bus (which would swallow it): the call is counted and announced.
      this.counts.dropped++;
      this.noteFailure(`a record could not be queued: ${reasonOf(error)}`);
      const dropped = this.counts.dropped;
      this.o.events.emit("audit-dropped", { cause: "unqueueable", error, correlationId: safeId(call), dropped });
      return;
    }
    const excess = this.queue.length - this.o.settings.maxQueued;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.counts.dropped += excess;
      this.noteFailure(`audit queue full (${this.o.settings.maxQueued}): oldest records dropped`);
      this.o.events.emit("audit-dropped", { cause: "queue-full", dropped: excess, total: this.counts.dropped });
    }
    // One write per interval (sooner for a full batch), none while a retry waits for the store to come back.
    if (this.retry || this.flushing) return;
    if (this.queue.length >= BATCH) {
      this.scheduled?.cancel();
      this.scheduled = undefined;
      void this.flush();
    } else if (!this.scheduled) {
      const run = () => {
        this.scheduled = undefined;
        void this.flush();
      };
      this.scheduled = this.o.clock.setTimeout(run, this.o.settings.flushIntervalMs);
    }
  }

  /** The full record, or a reduced one when the call's own values make the full one impossible. */
  private build(call: ToolCalled): AuditRecord {
    try {
      const definitionHash = call.server ? (this.o.definitionHash(call.server, call.tool) ?? null) : null;
      const { record, reduced } = auditRecordOf(call, definitionHash);
      if (reduced) this.reduced(record, reduced);
      return record;
    } catch (error) {
      const record = reducedRecord({ ...call, time: call.startedAt }, this.o.clock.now());
      this.reduced(record, `the record could not be built (${reasonOf(error)})`);
      return record;
    }
  }

  /** Counts and announces a record stored in reduced form, with the reason. */
  private reduced(record: AuditRecord, reason: string): void {
    this.counts.reduced++;
    this.noteFailure(reason);
    const { correlationId, server, tool } = record;
    this.o.events.emit("audit-reduced", { correlationId, server, tool, reason });
  }

  private noteFailure(reason: string): void {
    this.lastFailure = { at: new Date(this.o.clock.now()).toISOString(), reason };
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, BATCH);
      try {
        await this.o.log.appendMany(batch);
      } catch (error) {
        // A store that answers refused the batch itself: find the records it refuses and store those reduced.
        const isolated = (await this.reachable()) && (await this.oneByOne(batch));
        if (!isolated) {
          this.failed(error);
          return;
        }
        // Written a record at a time (the store came back between the batch and the ping): a recovery too.
        this.written(batch.length);
        continue;
      }
      // Records that arrived meanwhile were appended behind the batch; the batch is still at the front.
      this.queue.splice(0, batch.length);
      this.counts.written += batch.length;
      this.written(batch.length);
    }
  }

  /** A write went through: a failure reported before is over, and the next one starts its backoff afresh. */
  private written(count: number): void {
    if (this.error !== undefined) {
      this.o.events.emit("audit-recovered", { written: count });
      this.error = undefined;
    }
    this.retryDelayMs = 0;
  }

  private reachable(): Promise<boolean> {
    return this.o.log.ping().then(
      () => true,
      () => false,
    );
  }

  /**
   * Writes the batch a record at a time; one the store refuses is written in reduced form. False (with the
   * records not yet written left queued) when even a reduced record is refused: then the store is at fault,
   * not a record, and the write is retried later.
   */
  private async oneByOne(batch: readonly AuditRecord[]): Promise<boolean> {
    let done = 0;
    try {
      for (const record of batch) {
        try {
          await this.o.log.appendMany([record]);
        } catch (error) {
          const reduced = reducedRecord(record, this.o.clock.now());
          await this.o.log.appendMany([reduced]);
          this.reduced(record, `the store refused the record (${reasonOf(error)})`);
        }
        done++;
      }
      return true;
    } catch {
      return false;
    } finally {
      this.queue.splice(0, done);
      this.counts.written += done;
    }
  }

  private failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.counts.writeFailures++;
    this.noteFailure(`write failed: ${message}`);
    if (message !== this.error) this.o.events.emit("audit-write-failed", { error, pending: this.queue.length });
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
        .catch((error: unknown) => this.o.events.emit("audit-prune-failed", { error }))
        .finally(() => {
          if (!this.closed) this.schedulePrune(this.o.settings.pruneIntervalMs);
        });
    }, delayMs);
  }
}

function safeId(call: ToolCalled): string | undefined {
  return typeof call?.correlationId === "string" ? call.correlationId.slice(0, 128) : undefined;
}

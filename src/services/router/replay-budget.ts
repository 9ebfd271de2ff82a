// One memory budget for the events every resumable stream of this replica records for replay: when the total
// passes the cap, the oldest events (across all sessions and streams) are evicted first. Without it each of
// thousands of sessions could keep its own full buffer of broadcast notifications for as long as it lives.

/** Bookkeeping counted per recorded event besides its payload (the record, its id, the queue entry). */
export const EVENT_OVERHEAD_BYTES = 64;

/** A recorded event as the budget sees it. */
export interface BudgetedEvent {
  readonly bytes: number;
  /** Set once the event no longer counts (evicted here, dropped by its stream, or its stream released). */
  released: boolean;
}

/** Whoever recorded an event: told when the budget evicts it (it is always that owner's oldest event). */
export interface ReplayOwner {
  evicted(event: BudgetedEvent): void;
}

interface Entry {
  event: BudgetedEvent;
  owner: ReplayOwner;
}

/** Head entries skipped before the queue array is trimmed, and tombstones tolerated before it is compacted. */
const COMPACT_AFTER = 1_024;

export class ReplayBudget {
  readonly maxBytes: number;
  private queue: Entry[] = [];
  private head = 0;
  /** Entries in the queue whose event was already released elsewhere. */
  private tombstones = 0;
  private total = 0;
  private evictedCount = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Bytes currently held by recorded events. */
  get bytes(): number {
    return this.total;
  }

  /** Events evicted because the budget was full (monotonic). */
  get evicted(): number {
    return this.evictedCount;
  }

  /** The payload size the budget charges for one event's data. */
  static charge(data: string): number {
    return Buffer.byteLength(data) + EVENT_OVERHEAD_BYTES;
  }

  /** Counts a newly recorded event, then evicts the oldest events until the total fits again. */
  add(owner: ReplayOwner, event: BudgetedEvent): void {
    this.queue.push({ event, owner });
    this.total += event.bytes;
    while (this.total > this.maxBytes && this.head < this.queue.length) this.evictOldest();
    this.trim();
  }

  /** The owner dropped an event itself (its own cap, or the stream ended): it stops counting. */
  release(event: BudgetedEvent): void {
    if (event.released) return;
    event.released = true;
    this.total -= event.bytes;
    this.tombstones++;
    this.trim();
  }

  private evictOldest(): void {
    const entry = this.queue[this.head] as Entry;
    this.queue[this.head] = undefined as unknown as Entry; // let the event be collected now
    this.head++;
    if (entry.event.released) {
      this.tombstones--;
      return;
    }
    entry.event.released = true;
    this.total -= entry.event.bytes;
    this.evictedCount++;
    entry.owner.evicted(entry.event);
  }

  /** Keeps the queue proportional to the live events: drops the consumed head and, when many, tombstones. */
  private trim(): void {
    const length = this.queue.length - this.head;
    if (this.tombstones > COMPACT_AFTER && this.tombstones * 2 > length) {
      this.queue = this.queue.slice(this.head).filter((entry) => !entry.event.released);
      this.head = 0;
      this.tombstones = 0;
    } else if (this.head > COMPACT_AFTER && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

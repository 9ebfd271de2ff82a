// One SSE stream of a 2025-era session — a POST's response stream or the session's GET stream — with every
// event recorded (bounded) before it is written, so a client whose connection broke can resume with
// Last-Event-ID and get exactly the events of that stream it missed: no gaps, no events of other streams.
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type BudgetedEvent, ReplayBudget, type ReplayOwner } from "../../services/router/replay-budget.ts";

/** Events kept per stream for replay; older ones are dropped first (and the replica-wide budget may drop more). */
export const MAX_EVENTS_PER_STREAM = 1_000;
export const MAX_BYTES_PER_STREAM = 4 * 1024 * 1024;
/** How long a finished stream stays resumable. */
export const RETAIN_FINISHED_MS = 5 * 60_000;

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" };

interface RecordedEvent extends BudgetedEvent {
  seq: number;
  data: string;
}

export class EventStream implements ReplayOwner {
  /** Random part of every event id of this stream: `<key>_<seq>`. */
  readonly key = randomBytes(12).toString("base64url");
  private seq = 0;
  private events: RecordedEvent[] = [];
  private bytes = 0;
  private res: ServerResponse | undefined;
  private finished = false;
  /** Released (its session ended, or it expired): nothing more is recorded, so nothing is charged to the budget. */
  private released = false;
  /** The replica-wide budget recorded events count against; undefined: nothing is recorded (not resumable). */
  private readonly budget: ReplayBudget | undefined;
  onFinished: (() => void) | undefined;

  constructor(budget?: ReplayBudget) {
    this.budget = budget;
  }

  get attached(): boolean {
    return this.res !== undefined;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Starts writing to a response (headers first); replays recorded events after `afterSeq`. */
  attach(res: ServerResponse, headers: Record<string, string>, afterSeq = 0): void {
    this.res = res;
    res.writeHead(200, { ...SSE_HEADERS, ...headers });
    for (const event of this.events) if (event.seq > afterSeq) res.write(frame(this.key, event));
    if (this.finished) {
      this.res = undefined;
      res.end();
      return;
    }
    res.once("close", () => {
      if (this.res === res) this.res = undefined;
    });
  }

  /** An event that carries only an id, so the client can resume before any real event was sent. */
  prime(): void {
    this.res?.write(`id: ${this.key}_${this.seq}\ndata: \n\n`);
  }

  /** Records a JSON-RPC message and writes it if a client is attached. */
  write(data: string): void {
    const budget = this.budget;
    if (!budget || this.released) {
      this.res?.write(frame(this.key, { seq: ++this.seq, data }));
      return;
    }
    const event: RecordedEvent = { seq: ++this.seq, data, bytes: ReplayBudget.charge(data), released: false };
    this.events.push(event);
    this.bytes += event.bytes;
    while (
      this.events.length > MAX_EVENTS_PER_STREAM ||
      (this.bytes > MAX_BYTES_PER_STREAM && this.events.length > 1)
    ) {
      const dropped = this.events.shift() as RecordedEvent;
      this.bytes -= dropped.bytes;
      budget.release(dropped);
    }
    budget.add(this, event);
    this.res?.write(frame(this.key, event));
  }

  /** The budget evicted this stream's oldest event. */
  evicted(event: BudgetedEvent): void {
    if (this.events[0] === event) this.events.shift();
    else this.events = this.events.filter((e) => e !== event);
    this.bytes -= event.bytes;
  }

  /** Stops counting every recorded event against the budget (the stream can no longer be resumed). */
  release(): void {
    this.released = true;
    for (const event of this.events) this.budget?.release(event);
    this.events = [];
    this.bytes = 0;
  }

  /** Writes the last event (a response) and ends the stream; it stays resumable for a while. */
  finish(data?: string): void {
    if (data !== undefined) this.write(data);
    this.finished = true;
    this.res?.end();
    this.res = undefined;
    this.onFinished?.();
  }

  comment(text: string): void {
    this.res?.write(`: ${text}\n\n`);
  }

  /** Ends the connection without finishing the stream (shutdown). */
  detach(): void {
    this.res?.end();
    this.res = undefined;
  }
}

function frame(key: string, event: { seq: number; data: string }): string {
  return `id: ${key}_${event.seq}\nevent: message\ndata: ${event.data}\n\n`;
}

/** `<key>_<seq>` → parts; undefined when malformed. */
export function parseEventId(id: string): { key: string; seq: number } | undefined {
  const at = id.lastIndexOf("_");
  if (at <= 0) return undefined;
  const seq = Number(id.slice(at + 1));
  return Number.isInteger(seq) && seq >= 0 ? { key: id.slice(0, at), seq } : undefined;
}

/** The resumable streams of one session, with finished ones expiring. */
export class SessionStreams {
  private readonly streams = new Map<string, EventStream>();
  private readonly budget: ReplayBudget;
  /** The session's GET stream, if it ever opened one. */
  standalone: EventStream | undefined;

  constructor(budget: ReplayBudget) {
    this.budget = budget;
  }

  create(): EventStream {
    const stream = new EventStream(this.budget);
    this.streams.set(stream.key, stream);
    stream.onFinished = () => {
      setTimeout(() => {
        if (this.streams.delete(stream.key)) stream.release();
      }, RETAIN_FINISHED_MS).unref();
    };
    return stream;
  }

  get(key: string): EventStream | undefined {
    return this.streams.get(key);
  }

  closeAll(): void {
    for (const stream of this.streams.values()) {
      stream.detach();
      stream.release();
    }
    this.streams.clear();
  }
}

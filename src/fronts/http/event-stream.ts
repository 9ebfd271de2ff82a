// One SSE stream of a 2025-era session — a POST's response stream or the session's GET stream — with every
// event recorded (bounded) before it is written, so a client whose connection broke can resume with
// Last-Event-ID and get exactly the events of that stream it missed: no gaps, no events of other streams.
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";

/** Events kept per stream for replay; older ones are dropped first. */
export const MAX_EVENTS_PER_STREAM = 1_000;
export const MAX_BYTES_PER_STREAM = 4 * 1024 * 1024;
/** How long a finished stream stays resumable. */
export const RETAIN_FINISHED_MS = 5 * 60_000;

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" };

interface RecordedEvent {
  seq: number;
  data: string;
}

export class EventStream {
  /** Random part of every event id of this stream: `<key>_<seq>`. */
  readonly key = randomBytes(12).toString("base64url");
  private seq = 0;
  private readonly events: RecordedEvent[] = [];
  private bytes = 0;
  private res: ServerResponse | undefined;
  private finished = false;
  onFinished: (() => void) | undefined;

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
    const event = { seq: ++this.seq, data };
    this.events.push(event);
    this.bytes += data.length;
    while (
      this.events.length > MAX_EVENTS_PER_STREAM ||
      (this.bytes > MAX_BYTES_PER_STREAM && this.events.length > 1)
    ) {
      this.bytes -= (this.events.shift() as RecordedEvent).data.length;
    }
    this.res?.write(frame(this.key, event));
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

function frame(key: string, event: RecordedEvent): string {
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
  /** The session's GET stream, if it ever opened one. */
  standalone: EventStream | undefined;

  create(): EventStream {
    const stream = new EventStream();
    this.streams.set(stream.key, stream);
    stream.onFinished = () => {
      setTimeout(() => this.streams.delete(stream.key), RETAIN_FINISHED_MS).unref();
    };
    return stream;
  }

  get(key: string): EventStream | undefined {
    return this.streams.get(key);
  }

  closeAll(): void {
    for (const stream of this.streams.values()) stream.detach();
    this.streams.clear();
  }
}

// Screening of tool results, off the response path: a result's text is queued when the call returns and screened
// a little later, one result per turn of the event loop, so a client never waits for it and a burst of large
// results cannot hold the loop. What it finds is flagged (an event, then a log line and a metric); the result
// itself went out as the server sent it. Bounded: the first MAX_SCREENED_CHARS of each result, and at most
// MAX_QUEUED_CHARS waiting (past it results are skipped and counted).
import type { EventBus } from "../../core/events.ts";
import type { Finding } from "../../core/integrity.ts";

/** Screens one text of a result; the findings name the rule and where. */
export type ResultScreener = (text: string, field: string) => Finding[];

/** Text of one result screened, at most (its first part). */
export const MAX_SCREENED_CHARS = 64 * 1024;
/** Text waiting to be screened, at most. */
export const MAX_QUEUED_CHARS = 1024 * 1024;

interface Pending {
  server: string;
  tool: string;
  texts: { text: string; field: string }[];
  chars: number;
}

export class ResultScreening {
  private readonly queue: Pending[] = [];
  private queued = 0;
  private scheduled = false;
  private skipped = 0;
  private readonly screen: ResultScreener;
  private readonly events: EventBus;

  constructor(screen: ResultScreener, events: EventBus) {
    this.screen = screen;
    this.events = events;
  }

  /** Queues the text blocks of a tools/call result for screening. */
  submit(server: string, tool: string, result: Record<string, unknown>): void {
    const content = Array.isArray(result.content) ? result.content : [];
    const texts: Pending["texts"] = [];
    let chars = 0;
    for (const [i, block] of content.entries()) {
      const text = (block as { text?: unknown } | null)?.text;
      if (typeof text !== "string" || text === "") continue;
      const part = text.length > MAX_SCREENED_CHARS - chars ? text.slice(0, MAX_SCREENED_CHARS - chars) : text;
      texts.push({ text: part, field: `content[${i}].text` });
      chars += part.length;
      if (chars >= MAX_SCREENED_CHARS) break;
    }
    if (chars === 0) return;
    if (this.queued + chars > MAX_QUEUED_CHARS) {
      this.skipped++;
      return;
    }
    this.queue.push({ server, tool, texts, chars });
    this.queued += chars;
    this.schedule();
  }

  /** Results not screened because too much was waiting. */
  skippedCount(): number {
    return this.skipped;
  }

  /** Resolves once everything queued so far has been screened (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) await new Promise((resolve) => setImmediate(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.next());
  }

  private next(): void {
    this.scheduled = false;
    const item = this.queue.shift();
    if (!item) return;
    this.queued -= item.chars;
    try {
      const rules = new Set<string>();
      for (const { text, field } of item.texts) for (const finding of this.screen(text, field)) rules.add(finding.rule);
      if (rules.size > 0)
        this.events.emit("result-screened", { server: item.server, tool: item.tool, rules: [...rules] });
    } catch {
      // A defect of a rule: reported as a finding of its own rather than lost (the result went out already).
      this.events.emit("result-screened", { server: item.server, tool: item.tool, rules: ["screening.error"] });
    }
    if (this.queue.length > 0) this.schedule();
  }
}

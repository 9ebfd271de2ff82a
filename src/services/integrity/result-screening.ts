// Screening of tool results, off the response path: a result's text is queued when the call returns and screened
// (by the character rules, or by all rules under `screening.results: "full"`)
// in batches a little later (every DRAIN_EVERY_MS, at most DRAIN_CHARS per batch), so a client never waits for it,
// a call costs no extra turn of the event loop, and a burst of large results cannot hold the loop. What it finds is
// flagged (an event, then a log line and a metric); the result itself went out as the server sent it. Bounded: the
// first MAX_SCREENED_CHARS of each result, and at most MAX_QUEUED_CHARS waiting (past it results are skipped and
// counted).
import type { EventBus } from "../../core/events.ts";
import type { Finding } from "../../core/integrity.ts";
import type { Clock } from "../../ports/clock.ts";

/** Screens one text of a result; the findings name the rule and where. */
export type ResultScreener = (text: string, field: string) => Finding[];

/** Text of one result screened, at most (its first part). */
export const MAX_SCREENED_CHARS = 64 * 1024;
/** Text waiting to be screened, at most. */
export const MAX_QUEUED_CHARS = 1024 * 1024;
/** How long results wait to be screened together. Milliseconds. */
export const DRAIN_EVERY_MS = 25;
/** Text screened in one batch, at most (the rest waits for the next): a few milliseconds of the loop. */
export const DRAIN_CHARS = 128 * 1024;

/** The screeners of result text: all rules, the character rules only, and the cheap test that skips plain text. */
export interface ResultScreeners {
  full: ResultScreener;
  characters: ResultScreener;
  /** Whether a text has anything the character rules look for; plain text is not even queued for them. */
  unusual(text: string): boolean;
}

interface Pending {
  server: string;
  tool: string;
  mode: "characters" | "full";
  texts: { text: string; field: string }[];
  chars: number;
}

export class ResultScreening {
  private readonly queue: Pending[] = [];
  private queued = 0;
  private scheduled = false;
  private skipped = 0;
  private readonly screeners: ResultScreeners;
  private readonly events: EventBus;
  private readonly clock: Clock;

  constructor(screeners: ResultScreeners, events: EventBus, clock: Clock) {
    this.screeners = screeners;
    this.events = events;
    this.clock = clock;
  }

  /**
   * Queues the text blocks of a tools/call result for screening. Under `characters`, a block of plain text (the
   * common case) is not queued: the test that says so is all a call pays.
   */
  submit(server: string, tool: string, result: Record<string, unknown>, mode: "characters" | "full"): void {
    const content = result.content;
    if (!Array.isArray(content)) return;
    let texts: Pending["texts"] | undefined;
    let chars = 0;
    for (let i = 0; i < content.length && chars < MAX_SCREENED_CHARS; i++) {
      const text = (content[i] as { text?: unknown } | null)?.text;
      if (typeof text !== "string" || text === "") continue;
      const part = text.length > MAX_SCREENED_CHARS - chars ? text.slice(0, MAX_SCREENED_CHARS - chars) : text;
      if (mode === "characters" && !this.screeners.unusual(part)) continue;
      texts ??= [];
      texts.push({ text: part, field: `content[${i}].text` });
      chars += part.length;
    }
    if (!texts) return;
    if (this.queued + chars > MAX_QUEUED_CHARS) {
      this.skipped++;
      return;
    }
    this.queue.push({ server, tool, mode, texts, chars });
    this.queued += chars;
    this.schedule();
  }

  /** Results not screened because too much was waiting. */
  skippedCount(): number {
    return this.skipped;
  }

  /** Resolves once everything queued so far has been screened (tests). */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.clock.setTimeout(() => this.drain(), DRAIN_EVERY_MS);
  }

  /** Screens queued results up to DRAIN_CHARS; what remains waits for the next batch. */
  private drain(): void {
    this.scheduled = false;
    let budget = DRAIN_CHARS;
    while (budget > 0) {
      const item = this.queue.shift();
      if (!item) break;
      this.queued -= item.chars;
      budget -= item.chars;
      this.screenOne(item);
    }
    if (this.queue.length > 0) this.schedule();
  }

  private screenOne(item: Pending): void {
    try {
      const rules = new Set<string>();
      const screen = item.mode === "full" ? this.screeners.full : this.screeners.characters;
      for (const { text, field } of item.texts) for (const finding of screen(text, field)) rules.add(finding.rule);
      if (rules.size > 0)
        this.events.emit("result-screened", { server: item.server, tool: item.tool, rules: [...rules] });
    } catch {
      // A defect of a rule: reported as a finding of its own rather than lost (the result went out already).
      this.events.emit("result-screened", { server: item.server, tool: item.tool, rules: ["screening.error"] });
    }
  }
}

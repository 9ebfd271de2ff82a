// An upstream's stderr (and stray non-JSON stdout) in the logs: line by line, each cut to a maximum length and
// cleared of the server's secret environment values, rate-limited by one token bucket per server shared by both
// streams so a flooding server cannot flood the logs — lines over the rate are counted and reported once a
// second as one `suppressed` entry per stream.

import type { UpstreamStderrSettings } from "../../core/gateway-config.ts";
import { printable } from "../../core/printable.ts";
import type { Logger } from "../../ports/logger.ts";

/** Environment variables whose values are never shown, even when the server prints them itself. */
const SECRET_NAME = /key|token|secret|pass|auth|credential|cookie|session|private/i;
const MIN_SECRET_CHARS = 6;
const REPORT_EVERY_MS = 1_000;

/** Which pipe of the server a line came from. */
export type OutputStream = "stderr" | "stdout";

export interface StderrLog {
  /**
   * A line as the server wrote it: cleaned, then logged (after `prefix`) or counted as suppressed. Both streams
   * draw on the same budget.
   */
  line(text: string, stream?: OutputStream, prefix?: string): void;
  /** The line as it would be logged (cut and cleaned), for the stderr tail kept for crash reports. */
  clean(text: string): string;
  /** Reports what is still suppressed; stops the report timer. */
  close(): void;
}

export function createStderrLog(
  log: Logger,
  fields: Record<string, unknown>,
  settings: UpstreamStderrSettings,
  env: Readonly<Record<string, string>>,
  now: () => number = Date.now,
): StderrLog {
  const secrets = Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value.length >= MIN_SECRET_CHARS)
    .map(([, value]) => value)
    .sort((a, b) => b.length - a.length);
  let tokens = settings.burstLines;
  let refilledAt = now();
  const suppressed: Record<OutputStream, number> = { stderr: 0, stdout: 0 };
  let timer: NodeJS.Timeout | undefined;

  const clean = (text: string): string => {
    let out = printable(text.length > settings.maxLineChars ? cut(text, settings.maxLineChars) : text);
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
    return out;
  };
  const report = () => {
    timer = undefined;
    for (const stream of ["stderr", "stdout"] as const) {
      const count = suppressed[stream];
      if (count === 0) continue;
      log.warn(
        { ...fields, stream, suppressed: count },
        `suppressed ${count} ${stream} lines (over ${settings.linesPerSecond} lines/s)`,
      );
      suppressed[stream] = 0;
    }
  };
  return {
    clean,
    line(text, stream = "stderr", prefix = "") {
      const at = now();
      tokens = Math.min(settings.burstLines, tokens + ((at - refilledAt) / 1000) * settings.linesPerSecond);
      refilledAt = at;
      if (tokens >= 1) {
        tokens -= 1;
        const message = prefix + clean(text);
        if (stream === "stderr") log.info({ ...fields, stream }, message);
        else log.warn({ ...fields, stream }, message);
        return;
      }
      suppressed[stream]++;
      if (!timer) {
        timer = setTimeout(report, REPORT_EVERY_MS);
        timer.unref();
      }
    },
    close() {
      clearTimeout(timer);
      report();
    },
  };
}

function cut(text: string, maxChars: number): string {
  return `${text.slice(0, maxChars)}… [${text.length - maxChars} more characters]`;
}

// An upstream's stderr in the logs: line by line, each cut to a maximum length and cleared of the server's
// secret environment values, rate-limited by a token bucket so a flooding server cannot flood the logs —
// lines over the rate are counted and reported once a second as one `suppressed` entry.

import type { UpstreamStderrSettings } from "../../core/gateway-config.ts";
import { printable } from "../../core/printable.ts";
import type { Logger } from "../../ports/logger.ts";

export const DEFAULT_STDERR_SETTINGS: UpstreamStderrSettings = Object.freeze({
  linesPerSecond: 20,
  burstLines: 100,
  maxLineChars: 4096,
});

/** Environment variables whose values are never shown, even when the server prints them itself. */
const SECRET_NAME = /key|token|secret|pass|auth|credential|cookie|session|private/i;
const MIN_SECRET_CHARS = 6;
const REPORT_EVERY_MS = 1_000;

export interface StderrLog {
  /** A line as the server wrote it: cleaned, then logged or counted as suppressed. */
  line(text: string): void;
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
  let suppressed = 0;
  let timer: NodeJS.Timeout | undefined;

  const clean = (text: string): string => {
    let out = printable(text.length > settings.maxLineChars ? cut(text, settings.maxLineChars) : text);
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
    return out;
  };
  const report = () => {
    timer = undefined;
    if (suppressed === 0) return;
    log.warn(
      { ...fields, stream: "stderr", suppressed },
      `suppressed ${suppressed} stderr lines (over ${settings.linesPerSecond} lines/s)`,
    );
    suppressed = 0;
  };
  return {
    clean,
    line(text) {
      const at = now();
      tokens = Math.min(settings.burstLines, tokens + ((at - refilledAt) / 1000) * settings.linesPerSecond);
      refilledAt = at;
      if (tokens >= 1) {
        tokens -= 1;
        log.info({ ...fields, stream: "stderr" }, clean(text));
        return;
      }
      suppressed++;
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

// A Logger that keeps what it is given, so tests see the lines an operator would: level, fields (child bindings
// merged in, as pino writes them) and message.

import type { Logger } from "../../src/ports/logger.ts";

export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

export interface RecordingLogger extends Logger {
  readonly lines: LogLine[];
}

/** `debug: false` makes isLevelEnabled("debug") false, as a logger at info level would answer. */
export function createRecordingLogger(options: { debug?: boolean } = {}): RecordingLogger {
  return recording([], {}, options.debug ?? true);
}

function recording(lines: LogLine[], bindings: Record<string, unknown>, debug: boolean): RecordingLogger {
  const at =
    (level: string) =>
    (fieldsOrMessage: Record<string, unknown> | string, message?: string): void => {
      const own = typeof fieldsOrMessage === "string" ? {} : fieldsOrMessage;
      const text = typeof fieldsOrMessage === "string" ? fieldsOrMessage : (message ?? "");
      lines.push({ level, fields: { ...bindings, ...own }, message: text });
    };
  return {
    lines,
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    child: (more) => recording(lines, { ...bindings, ...more }, debug),
    isLevelEnabled: (level) => debug || level !== "debug",
  };
}

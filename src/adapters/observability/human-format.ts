// The compact human log format for a terminal: `HH:MM:SS LEVEL [server] message key=value`. It re-reads each
// JSON line, so it is for development only: production logs are JSON (the default when stderr is not a TTY).

import { Writable } from "node:stream";
import { printable } from "../../core/printable.ts";

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

export function humanStream(destination: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line) destination.write(`${humanLine(line)}\n`);
      }
      done();
    },
  });
}

function humanLine(line: string): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return printable(line);
  }
  const { level, time, msg, server, requestId, service: _s, pid: _p, hostname: _h, ...rest } = parsed;
  const extras = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ");
  const clock = typeof time === "string" ? time.slice(11, 19) : "";
  const where = `${server ? ` [${server}]` : ""}${requestId ? ` (${requestId})` : ""}`;
  // Messages and fields may quote what a server wrote: no control characters reach the terminal.
  return printable(
    `${clock} ${LEVEL_NAMES[level as number] ?? level}${where} ${msg ?? ""}${extras ? ` ${extras}` : ""}`,
  );
}

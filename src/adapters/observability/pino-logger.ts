// The Logger port on pino: JSON lines on stderr (stdout belongs to the stdio front), or a compact human
// format when `jsonLogs` is off.
import { Writable } from "node:stream";
import pino from "pino";
import type { LogLevel } from "../../core/gateway-config.ts";
import type { Logger } from "../../ports/logger.ts";

export interface LoggerOptions {
  level: LogLevel;
  json: boolean;
  /** Where lines go; default stderr. */
  destination?: NodeJS.WritableStream;
}

export function createPinoLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stderr;
  const stream = options.json ? destination : humanStream(destination);
  return pino(
    {
      level: options.level,
      base: { service: "switchboard" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ["headers.authorization", "*.headers.authorization", "env", "*.env"], censor: "[redacted]" },
    },
    stream,
  ) as unknown as Logger;
}

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** `HH:MM:SS LEVEL [server] message key=value`: readable on a terminal without pulling in pino-pretty. */
function humanStream(destination: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        try {
          const {
            level,
            time,
            msg,
            server,
            service: _s,
            pid: _p,
            hostname: _h,
            ...rest
          } = JSON.parse(line) as Record<string, unknown>;
          const extras = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
            .join(" ");
          const clock = typeof time === "string" ? time.slice(11, 19) : "";
          destination.write(
            `${clock} ${LEVEL_NAMES[level as number] ?? level}${server ? ` [${server}]` : ""} ${msg ?? ""}${extras ? ` ${extras}` : ""}\n`,
          );
        } catch {
          destination.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

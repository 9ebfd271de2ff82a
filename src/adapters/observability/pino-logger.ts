// The Logger port on pino: JSON lines on stderr (stdout belongs to the stdio front), or a compact human format
// for a terminal; optionally also JSON lines appended to a file. Secrets are redacted before a line is written.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import pino from "pino";
import { SwitchboardError } from "../../core/errors.ts";
import type { LogLevel } from "../../core/gateway-config.ts";
import type { Logger } from "../../ports/logger.ts";
import { humanStream } from "./human-format.ts";
import { REDACT_PATHS, scrubLogArguments, scrubSerializedError } from "./redaction.ts";

export interface LoggerOptions {
  level: LogLevel;
  /** JSON lines; undefined: JSON unless the destination is a terminal (a human format there). */
  json?: boolean;
  /** Where lines go; default stderr. */
  destination?: NodeJS.WritableStream;
  /** Also append JSON lines to this file (created with its directory when missing). */
  file?: string;
  /** Fields added to every line: the request id (and trace ids) of the request being handled. */
  context?: () => Record<string, unknown> | undefined;
}

/** A logger this module created, with the resources only its creator may release. */
export interface OwnedLogger extends Logger {
  /** Closes the log file, if any; lines logged afterwards still reach the console destination. */
  closeFile(): void;
}

export function createPinoLogger(options: LoggerOptions): OwnedLogger {
  const destination = options.destination ?? process.stderr;
  const json = options.json ?? !(destination as { isTTY?: boolean }).isTTY;
  const console = json ? destination : humanStream(destination);
  const file = options.file
    ? logFileSink(options.file, (error) => console.write(fileFailureLine(options.file as string, error)))
    : undefined;
  const stream = file
    ? pino.multistream([
        { stream: console, level: "trace" },
        { stream: file, level: "trace" },
      ])
    : console;
  const context = options.context;
  // Stacks are for developers: at the default levels an error is its message (and code), one line per problem.
  let stacks = () => false;
  const logger = pino(
    {
      level: options.level,
      base: { service: "switchboard" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
      serializers: {
        err: (error: Error) => {
          const serialized = scrubSerializedError(pino.stdSerializers.err(error));
          return stacks() ? serialized : withoutStacks(serialized);
        },
      },
      hooks: {
        logMethod(args, method) {
          return method.apply(this, scrubLogArguments(args) as Parameters<typeof method>);
        },
      },
      ...(context ? { mixin: () => context() ?? {} } : {}),
    },
    stream,
  ) as unknown as Logger;
  stacks = () => logger.isLevelEnabled("debug");
  return Object.assign(logger, { closeFile: () => file?.close() });
}

/** A serialized error without its stack traces (its causes' included), for lines above debug level. */
function withoutStacks<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== "object" || depth > 3) return value;
  if (Array.isArray(value)) return value.map((item) => withoutStacks(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key !== "stack") out[key] = withoutStacks(field, depth + 1);
  }
  return out as T;
}

/**
 * A synchronous append sink: lines written before a crash are on disk (logging above debug is not per call).
 * A failed write (a full disk) drops the line rather than failing the call that logged it, and is reported once
 * per run of failures. After close() it drops lines, since a late line (a child's exit) may follow a close.
 */
function logFileSink(path: string, onFailure: (error: Error) => void): { write(line: string): void; close(): void } {
  let fd: number | undefined = openLogFile(path);
  let failing = false;
  return {
    write(line) {
      if (fd === undefined) return;
      try {
        writeSync(fd, line);
        failing = false;
      } catch (error) {
        if (!failing) onFailure(error as Error);
        failing = true;
      }
    },
    close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
    },
  };
}

/** A warning line, in the JSON form whatever the console format, for a log file that stopped taking lines. */
function fileFailureLine(path: string, error: Error): string {
  const msg = `log file ${path} is not writable (${error.message}); its lines are dropped until it is again`;
  return `${JSON.stringify({ level: 40, time: new Date().toISOString(), service: "switchboard", msg })}\n`;
}

/** Opens the log file for appending (creating its directory); an unusable path is a clear configuration error. */
function openLogFile(file: string): number {
  try {
    mkdirSync(dirname(file), { recursive: true });
    return openSync(file, "a");
  } catch (error) {
    throw new SwitchboardError("config_invalid", `cannot write the log file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

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
  const { level, time, msg, server, requestId, err, service: _s, pid: _p, hostname: _h, ...rest } = parsed;
  const extras = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .concat(errorFields(err, String(msg ?? "")))
    .join(" ");
  const clock = typeof time === "string" ? time.slice(11, 19) : "";
  const where = `${server ? ` [${server}]` : ""}${requestId ? ` (${requestId})` : ""}`;
  // Messages and fields may quote what a server wrote: no control characters reach the terminal.
  const head = `${clock} ${LEVEL_NAMES[level as number] ?? level}${where} ${msg ?? ""}${extras ? ` ${extras}` : ""}`;
  const stack = (err as { stack?: unknown } | undefined)?.stack;
  // A stack (serialized at debug level only) follows on its own lines.
  const tail = typeof stack === "string" ? stack.split("\n").map((line) => `\n    ${printable(line.trim())}`) : [];
  return printable(head) + tail.join("");
}

/** An error as its message and code, not as a JSON object; no message when the line's own already says it. */
function errorFields(err: unknown, msg: string): string[] {
  if (err === undefined) return [];
  if (err === null || typeof err !== "object") return [`err=${String(err)}`];
  const { message, code } = err as { message?: unknown; code?: unknown };
  const text = typeof message === "string" ? message : "";
  const fields = text === "" || alreadySaid(text, msg) ? [] : [`err=${JSON.stringify(text)}`];
  if (typeof code === "string") fields.push(`code=${code}`);
  return fields;
}

/** Whether the line's message already quotes the error's (whose causes' messages pino appends after ": "). */
function alreadySaid(text: string, msg: string): boolean {
  for (let said = text; said.length > 0; said = said.slice(0, Math.max(0, said.lastIndexOf(": ")))) {
    if (msg.includes(said)) return true;
  }
  return false;
}

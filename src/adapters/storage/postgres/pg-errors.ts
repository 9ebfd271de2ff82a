// Telling "PostgreSQL is unreachable" apart from other database errors, and retrying across dropped
// connections.
import { SwitchboardError } from "../../../core/errors.ts";

/** Connection classes and codes: the server is down, restarting, refusing, or dropped our connection. */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);
const UNAVAILABLE_SYSTEM_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
/** What pg itself says when a socket closes or a connect times out (these errors carry no code); prefixes. */
const UNAVAILABLE_MESSAGES = [
  "Connection terminated", // also "… unexpectedly" and "… due to connection timeout"
  "timeout expired",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
];

/** Whether the error says the server could not be reached or the connection was lost (not a SQL error). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (UNAVAILABLE_SYSTEM_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith("08")) return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return UNAVAILABLE_MESSAGES.some((message) => error.message.startsWith(message));
}

/** The error callers see when PostgreSQL cannot be reached: typed, so no caller has to read its message. */
export function unavailableError(cause: unknown, detail = ""): SwitchboardError {
  const message = cause instanceof Error ? cause.message || cause.name : String(cause);
  return new SwitchboardError("storage_unavailable", `PostgreSQL unavailable: ${message}${detail}`, { cause });
}

/**
 * Errors of a connection that was open and died (its backend was terminated: server restart, failover,
 * pg_terminate_backend). The pool may hold several such clients at once and hands each out once more before it
 * notices, so these are retried with the next client; failing to open a new connection is not (it would fail
 * the same way again).
 */
function isDeadClient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code === "57P01" || code === "57P02" || code === "ECONNRESET" || code === "EPIPE") return true;
  return error.message.startsWith("Connection terminated unexpectedly") || error.message.startsWith("terminating");
}

/** Enough for every pooled client to be a dead one (pools here are at most this large in practice). */
const MAX_DEAD_CLIENTS = 64;

/**
 * Runs op, and again if it failed on a connection error: once for any connection error, and as long as the
 * failures are dead pooled clients (bounded). Only idempotent operations may come here. A connection failure on
 * the last try becomes unavailableError; other errors pass through untouched.
 */
export async function withReconnect<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      const retry = attempt === 0 || (isDeadClient(error) && attempt < MAX_DEAD_CLIENTS);
      if (!retry) throw unavailableError(error);
    }
  }
}

// Telling "PostgreSQL is unreachable" apart from other database errors, and retrying once across a dropped
// connection.

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

/** The error callers see when PostgreSQL cannot be reached; the composition root maps it by its message. */
export function unavailableError(cause: unknown, detail = ""): Error {
  const message = cause instanceof Error ? cause.message || cause.name : String(cause);
  return new Error(`PostgreSQL unavailable: ${message}${detail}`, { cause });
}

/**
 * Runs op, and once more if it failed on a connection error: a pooled client whose backend was terminated
 * (server restart, failover, pg_terminate_backend) fails its next query, and the pool replaces it only then.
 * Only idempotent operations may come here. A second connection failure becomes unavailableError; other
 * errors pass through untouched.
 */
export async function withReconnect<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (!isConnectionError(error)) throw error;
  }
  try {
    return await op();
  } catch (error) {
    throw isConnectionError(error) ? unavailableError(error) : error;
  }
}

// The request being handled: its correlation id travels through every await so that logs, the audit log and
// traces of everything a request causes (upstream calls, server starts) carry it without being passed along.
// What outlives the request (a server's process and pipes, its timers, background refreshes) is created
// `detached`, or it would carry the id of whichever request happened to create it forever.

export interface RequestScope {
  /** Runs `fn` (and everything it starts) as part of the request `requestId`. */
  run<T>(requestId: string, fn: () => T): T;
  /** The id of the request being handled here, if any. */
  requestId(): string | undefined;
  /**
   * Runs `fn` outside every request (no request id, no trace span): what it creates — timers, child processes
   * and their streams, promises — and everything they later run belong to no request.
   */
  detached<T>(fn: () => T): T;
}

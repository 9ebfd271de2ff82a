// The ambient carrier of the correlation id a front minted for the request being handled (RequestContext carries
// the same id explicitly to the router): it travels through every await so that logs and traces of everything a
// request causes (upstream calls, server starts) carry it without being passed along.
// What outlives the request (a server's process and pipes, its timers, background refreshes) is created
// `detached`, or it would carry the id of whichever request happened to create it forever.

export interface CorrelationScope {
  /** Runs `fn` (and everything it starts) as part of the request whose correlation id is `correlationId`. */
  run<T>(correlationId: string, fn: () => T): T;
  /** The correlation id of the request being handled here, if any. */
  correlationId(): string | undefined;
  /**
   * Runs `fn` outside every request (no request id, no trace span): what it creates — timers, child processes
   * and their streams, promises — and everything they later run belong to no request.
   */
  detached<T>(fn: () => T): T;
}

// The audit port: an append-only record of every tools/call (never the arguments themselves).

export interface AuditRecord {
  /** ISO time the call started. */
  time: string;
  /** The caller's principal name (`anonymous` when authentication is off); null in records from before principals. */
  principal: string | null;
  server: string;
  tool: string;
  /** sha256 of the canonical JSON of the arguments, hex. */
  argumentsHash: string;
  /** The registry's definition hash of the tool when called, if known. */
  definitionHash: string | null;
  outcome: "ok" | "error";
  /** The gateway error code (data.kind) or "tool_error" for an isError result; null on success. */
  errorKind: string | null;
  durationMs: number;
  correlationId: string;
}

export interface AuditQuery {
  server?: string;
  tool?: string;
  /** ISO time: records at or after it. */
  since?: string;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

export interface AuditLog {
  /** Resolves once the record is durable. */
  append(record: AuditRecord): Promise<void>;
  /**
   * Appends several records in one write (one transaction); resolves once all are durable. Passing the same
   * record objects again after a failure is a retry: adapters that cannot tell whether the first attempt
   * committed (PostgreSQL) store each object at most once.
   */
  appendMany(records: readonly AuditRecord[]): Promise<void>;
  query(query: AuditQuery): Promise<AuditRecord[]>;
  /** Deletes records older than the ISO time; returns how many. */
  prune(olderThan: string): Promise<number>;
  /** Resolves when the store answers a trivial query; rejects (as unavailable) otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

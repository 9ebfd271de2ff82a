// The audit port: an append-only record of every tools/call (never the arguments themselves) and of every
// review decision on a pinned tool, prompt or resource template (who approved or rejected what).

/**
 * What a record is of:
 * - `call`: a tools/call (records written before actions existed read back as calls);
 * - `approve`: an operator (the principal) approved the item named by server and tool;
 * - `reject`: an operator rejected it.
 */
export const AUDIT_ACTIONS = ["call", "approve", "reject"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditRecord {
  /** ISO time the call started. */
  time: string;
  /** The principal who called (gateway.auth; `anonymous` when authentication is off); null in older records. */
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
  /** Absent means `call`. Records read back always carry it. */
  action?: AuditAction;
  /**
   * About a decision: `sha256:<pinned hash>` of what was approved, or a short reason. Absent means null;
   * records read back always carry it (null for calls).
   */
  detail?: string | null;
}

export interface AuditQuery {
  server?: string;
  tool?: string;
  /** Calls by this principal only. */
  principal?: string;
  /** ISO time: records at or after it. */
  since?: string;
  /** Records of this action only (`call` includes records written before actions existed). */
  action?: AuditAction;
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

// Rules both AuditLog adapters apply the same way: how many records a query may return and how times are stored.
import type { AuditAction, AuditQuery, AuditRecord } from "../../ports/audit-log.ts";

export const DEFAULT_AUDIT_QUERY_LIMIT = 100;
export const MAX_AUDIT_QUERY_LIMIT = 1000;

/** The query's limit, defaulted and clamped to 0…MAX_AUDIT_QUERY_LIMIT. */
export function auditLimit(query: AuditQuery): number {
  const limit = query.limit;
  if (limit === undefined || Number.isNaN(limit)) return DEFAULT_AUDIT_QUERY_LIMIT;
  return Math.min(MAX_AUDIT_QUERY_LIMIT, Math.max(0, Math.floor(limit)));
}

/**
 * The ISO time as `Date.toISOString()` writes it (UTC, milliseconds). Stored times are normalised so that
 * comparing them (since, prune) compares instants, and so both adapters return the same text.
 */
export function normalizeTime(iso: string, what: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`${what} is not an ISO time: ${JSON.stringify(iso)}`);
  return new Date(ms).toISOString();
}

/**
 * An audit record as the column values both adapters insert, in schema order: time, principal, server, tool,
 * arguments_hash, definition_hash, outcome, error_kind, duration_ms, correlation_id, action, detail.
 */
export function auditRow(record: AuditRecord): (string | number | null)[] {
  return [
    normalizeTime(record.time, "time"),
    record.principal,
    record.server,
    record.tool,
    record.argumentsHash,
    record.definitionHash,
    record.outcome,
    record.errorKind,
    record.durationMs,
    record.correlationId,
    storedAction(record.action),
    record.detail ?? null,
  ];
}

/**
 * The action column: NULL for a call (as in every record written before actions existed, so calls are stored
 * one way only), the action's name for a review decision.
 */
export function storedAction(action: AuditAction | undefined): string | null {
  return action === undefined || action === "call" ? null : action;
}

/** The action a stored row holds (NULL: a call). */
export function actionOfRow(value: unknown): AuditAction {
  return value === "approve" || value === "reject" ? value : "call";
}

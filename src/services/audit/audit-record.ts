// What a `tool-called` event becomes in the audit log: the full record (arguments only as a hash, text fields
// bounded so that no store refuses them), and the reduced record stored instead when the full one cannot be.
import { createHash } from "node:crypto";
import { canonicalHash } from "../../core/canonical-hash.ts";
import type { ToolCalled } from "../../core/events.ts";
import { AUDIT_ACTIONS, type AuditAction, type AuditRecord } from "../../ports/audit-log.ts";

/** Longest tool, principal or correlation id kept as it is; longer ones are cut and noted (see auditText). */
export const MAX_AUDIT_TEXT_CHARS = 512;
/** What argumentsHash holds, instead of a sha256, when the arguments could not be hashed. */
export const UNHASHED_PREFIX = "unhashed:";

export interface BuiltRecord {
  record: AuditRecord;
  /** Why the record is reduced (the arguments could not be hashed); undefined for a full record. */
  reduced: string | undefined;
}

/** The record of a call. Throws only when the call itself is unusable (then `reducedRecord` of it is stored). */
export function auditRecordOf(call: ToolCalled, definitionHash: string | null): BuiltRecord {
  let argumentsHash: string;
  let reduced: string | undefined;
  try {
    argumentsHash = canonicalHash(call.arguments ?? {});
  } catch (error) {
    reduced = `the arguments could not be hashed (${reasonOf(error)})`;
    argumentsHash = `${UNHASHED_PREFIX} ${errorName(error)}`;
  }
  const record: AuditRecord = {
    time: new Date(call.startedAt).toISOString(),
    principal: call.principal === null ? null : auditText(call.principal),
    server: auditText(call.server),
    tool: auditText(call.tool),
    argumentsHash,
    definitionHash,
    outcome: call.outcome,
    errorKind: call.errorKind === null ? null : auditText(call.errorKind),
    durationMs: call.durationMs,
    correlationId: auditText(call.correlationId),
  };
  return { record, reduced };
}

/**
 * A record that every store accepts, for a call whose full record could not be built or stored: printable
 * ASCII text of bounded length, a valid time, a sha256 or the `unhashed:` note, a finite duration.
 */
export function reducedRecord(from: Partial<Record<keyof AuditRecord, unknown>>, now: number): AuditRecord {
  const time = typeof from.time === "number" ? from.time : Date.parse(String(from.time));
  const hex = (value: unknown) => (typeof value === "string" && /^[0-9a-f]{64}$/.test(value) ? value : undefined);
  const duration = Number(from.durationMs);
  return {
    time: new Date(Number.isFinite(time) ? time : now).toISOString(),
    principal: from.principal === null || from.principal === undefined ? null : asciiText(from.principal),
    server: asciiText(from.server ?? ""),
    tool: asciiText(from.tool ?? ""),
    argumentsHash: hex(from.argumentsHash) ?? `${UNHASHED_PREFIX} reduced`,
    definitionHash: hex(from.definitionHash) ?? null,
    outcome: from.outcome === "ok" ? "ok" : "error",
    errorKind: from.errorKind === null || from.errorKind === undefined ? null : asciiText(from.errorKind),
    durationMs: Number.isFinite(duration) && duration >= 0 ? duration : 0,
    correlationId: asciiText(from.correlationId ?? ""),
    // A review decision stays one when reduced; a call keeps the record's old shape.
    ...(isDecision(from.action)
      ? { action: from.action, detail: typeof from.detail === "string" ? asciiText(from.detail) : null }
      : {}),
  };
}

function isDecision(action: unknown): action is Exclude<AuditAction, "call"> {
  return action !== "call" && (AUDIT_ACTIONS as readonly unknown[]).includes(action);
}

/**
 * Text as stored: NUL (refused by PostgreSQL) becomes U+FFFD, and text over MAX_AUDIT_TEXT_CHARS (a client may
 * call an unknown tool by a name of megabytes; PostgreSQL cannot index that) is cut, with its length and hash.
 */
export function auditText(value: string): string {
  const text = value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value;
  if (text.length <= MAX_AUDIT_TEXT_CHARS) return text;
  const digest = createHash("sha256").update(value).digest("hex").slice(0, 16);
  return `${text.slice(0, MAX_AUDIT_TEXT_CHARS - 64)}…[cut: ${value.length} chars, sha256 ${digest}…]`;
}

function asciiText(value: unknown): string {
  const text = typeof value === "string" ? value : typeof value;
  return auditText(text.replace(/[^\x20-\x7e]/gu, "?"));
}

export function reasonOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

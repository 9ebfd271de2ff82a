// Rules every PinStore adapter applies the same way: the column order, how times are stored (so comparing them
// compares instants) and how a stored row becomes a pin again.
import { type Finding, PIN_STATES, PINNED_KINDS, type PinnedKind, type PinState } from "../../core/integrity.ts";
import type { Pin, PinKey } from "../../ports/pin-store.ts";
import { normalizeTime } from "./audit-values.ts";

/** The columns of switchboard_pins in the order pinRow gives their values. */
export const PIN_COLUMNS = [
  "server",
  "kind",
  "key",
  "state",
  "pinned_hash",
  "pinned_definition",
  "pinned_identity",
  "candidate_hash",
  "candidate_definition",
  "candidate_identity",
  "findings",
  "decided_by",
  "first_seen_at",
  "updated_at",
] as const;

/**
 * The pin's times as `Date.toISOString()` writes them. Throws on a time that is not ISO, and on a kind or state
 * outside their closed sets (the databases' CHECK constraints would refuse them too, less legibly).
 */
export function pinTimes(pin: Pin): { firstSeenAt: string; updatedAt: string } {
  if (!(PINNED_KINDS as readonly string[]).includes(pin.kind))
    throw new Error(`kind is not one of ${PINNED_KINDS.join(", ")}: ${JSON.stringify(pin.kind)}`);
  if (!(PIN_STATES as readonly string[]).includes(pin.state))
    throw new Error(`state is not one of ${PIN_STATES.join(", ")}: ${JSON.stringify(pin.state)}`);
  return {
    firstSeenAt: normalizeTime(pin.firstSeenAt, "firstSeenAt"),
    updatedAt: normalizeTime(pin.updatedAt, "updatedAt"),
  };
}

/** The column values of a pin, in PIN_COLUMNS order: JSON as text (SQL NULL for a null object), times normalised. */
export function pinRow(pin: Pin): (string | null)[] {
  const { firstSeenAt, updatedAt } = pinTimes(pin);
  return [
    pin.server,
    pin.kind,
    pin.key,
    pin.state,
    pin.pinnedHash,
    jsonText(pin.pinnedDefinition),
    jsonText(pin.pinnedIdentity),
    pin.candidateHash,
    jsonText(pin.candidateDefinition),
    jsonText(pin.candidateIdentity),
    JSON.stringify(pin.findings),
    pin.decidedBy,
    firstSeenAt,
    updatedAt,
  ];
}

/** How an adapter's driver hands back JSON and time columns. */
export interface PinColumnReader {
  json(value: unknown): unknown;
  time(value: unknown): string;
}

/** The pin a stored row holds. */
export function pinOfRow(row: Record<string, unknown>, read: PinColumnReader): Pin {
  const object = (value: unknown) =>
    value === null || value === undefined ? null : (read.json(value) as Record<string, unknown> | null);
  return {
    server: String(row.server),
    kind: String(row.kind) as PinnedKind,
    key: String(row.key),
    state: String(row.state) as PinState,
    pinnedHash: String(row.pinned_hash),
    pinnedDefinition: object(row.pinned_definition),
    pinnedIdentity: object(row.pinned_identity),
    candidateHash: row.candidate_hash === null ? null : String(row.candidate_hash),
    candidateDefinition: object(row.candidate_definition),
    candidateIdentity: object(row.candidate_identity),
    findings: read.json(row.findings) as Finding[],
    decidedBy: String(row.decided_by),
    firstSeenAt: read.time(row.first_seen_at),
    updatedAt: read.time(row.updated_at),
  };
}

export function pinKeyValues(key: PinKey): [string, string, string] {
  return [key.server, key.kind, key.key];
}

function jsonText(value: Record<string, unknown> | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

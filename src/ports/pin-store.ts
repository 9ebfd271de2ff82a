// The pin port: the approved (pinned) form of each server's tools, prompts and resource templates, and what is
// waiting for review. Kept in the registry database so replicas sharing it agree on what is approved.
import type { Finding, PinnedKind, PinState } from "../core/integrity.ts";

export interface PinKey {
  server: string;
  kind: PinnedKind;
  /** Tool or prompt name, or URI template. */
  key: string;
}

export interface Pin extends PinKey {
  state: PinState;
  /**
   * sha256 (hex) of the canonical JSON of the pinned form: the whole wire definition plus the server's identity
   * hash. Empty while the item was never approved.
   */
  pinnedHash: string;
  /** The approved wire definition (for diffs); null while never approved. */
  pinnedDefinition: Record<string, unknown> | null;
  /** The server identity the pin was approved under (command/package and version, or URL), as JSON. */
  pinnedIdentity: Record<string, unknown> | null;
  /** The definition waiting for review (state pending/changed/rejected); null when approved. */
  candidateHash: string | null;
  candidateDefinition: Record<string, unknown> | null;
  candidateIdentity: Record<string, unknown> | null;
  /** Screening findings of the candidate (or of the pinned form when approved with findings). */
  findings: readonly Finding[];
  /** Who decided last: a principal name, or `on-first-use` / `accept` / `warn` for the policy itself. */
  decidedBy: string;
  /** ISO times, stored as instants (read back in `Date.toISOString()` form). */
  firstSeenAt: string;
  updatedAt: string;
}

export interface PinStore {
  /** Every pin, or one server's, or those in the given states (an empty list matches none); by server, kind, key. */
  listPins(filter?: { server?: string; states?: readonly PinState[] }): Promise<Pin[]>;
  getPin(key: PinKey): Promise<Pin | undefined>;
  /** Inserts or replaces the pin of its key; resolves once durable. */
  putPin(pin: Pin): Promise<void>;
  /** Removes pins; false when there was none. */
  deletePin(key: PinKey): Promise<boolean>;
  /**
   * Pins whose updatedAt is at or after the ISO time (inclusive), oldest first (then by server, kind, key): how
   * replicas pick up each other's decisions. updatedAt is the writer's, as put, so a poller asks again from the
   * last updatedAt it saw (and a margin for clock skew between replicas) and skips what it already holds.
   */
  pinsUpdatedSince(since: string): Promise<Pin[]>;
}

// Tool integrity wired: the gate the catalog reviews manifests through (pins in the registry store, screening),
// and the review service the admin API and `switchboard tools` decide with (recorded in the audit log).
import type { EventBus } from "../core/events.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import type { Clock } from "../ports/clock.ts";
import type { PinStore } from "../ports/pin-store.ts";
import { IntegrityGate } from "../services/integrity/integrity-gate.ts";
import { screenDefinition } from "../services/integrity/screening.ts";
import { ToolReview } from "../services/integrity/tool-review.ts";

/**
 * How often a gateway looks for decisions taken elsewhere (another replica, or `switchboard tools approve`
 * against the store): a call to a held item looks at once, listings follow within this time.
 */
const PIN_SYNC_INTERVAL_MS = 5_000;

export interface IntegrityParts {
  gate: IntegrityGate;
  review: ToolReview;
}

export function openIntegrity(
  deps: { pins: PinStore; audit: AuditLog; events: EventBus; clock: Clock },
  options: { sync?: boolean } = {},
): IntegrityParts {
  const gate = new IntegrityGate({
    store: deps.pins,
    events: deps.events,
    clock: deps.clock,
    screen: screenDefinition,
    syncIntervalMs: options.sync === false ? 0 : PIN_SYNC_INTERVAL_MS,
  });
  return { gate, review: new ToolReview({ gate, audit: deps.audit, clock: deps.clock }) };
}

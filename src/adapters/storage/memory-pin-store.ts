// The PinStore in memory: for tests and for wiring without a database (pins, and so approvals, are lost when the
// process ends).
import type { Pin, PinKey, PinStore } from "../../ports/pin-store.ts";
import { normalizeTime } from "./audit-values.ts";
import { pinTimes } from "./pin-values.ts";

/** Length-prefixed parts, so no two keys share a map key. */
function keyOf(key: PinKey): string {
  return [key.server, key.kind, key.key].map((p) => `${p.length}:${p}`).join("|");
}

/** By server, kind and key, as the database adapters sort. */
function byKey(a: Pin, b: Pin): number {
  return compare(a.server, b.server) || compare(a.kind, b.kind) || compare(a.key, b.key);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The pin's fields only (as a database row holds them), deep-copied, with normalised times. */
function storedForm(pin: Pin): Pin {
  return structuredClone({
    server: pin.server,
    kind: pin.kind,
    key: pin.key,
    state: pin.state,
    pinnedHash: pin.pinnedHash,
    pinnedDefinition: pin.pinnedDefinition,
    pinnedIdentity: pin.pinnedIdentity,
    candidateHash: pin.candidateHash,
    candidateDefinition: pin.candidateDefinition,
    candidateIdentity: pin.candidateIdentity,
    findings: pin.findings,
    decidedBy: pin.decidedBy,
    ...pinTimes(pin),
  });
}

export function createMemoryPinStore(): PinStore {
  // Stored and handed out as copies: a caller changing a pin it read must not change the store.
  const pins = new Map<string, Pin>();
  const all = () => [...pins.values()].map((pin) => structuredClone(pin));
  return {
    async listPins(filter = {}) {
      return all()
        .filter(
          (pin) =>
            (filter.server === undefined || pin.server === filter.server) &&
            (filter.states === undefined || filter.states.includes(pin.state)),
        )
        .sort(byKey);
    },
    async getPin(key) {
      const found = pins.get(keyOf(key));
      return found ? structuredClone(found) : undefined;
    },
    async putPin(pin) {
      pins.set(keyOf(pin), storedForm(pin));
    },
    async deletePin(key) {
      return pins.delete(keyOf(key));
    },
    async pinsUpdatedSince(since) {
      const from = normalizeTime(since, "since");
      return all()
        .filter((pin) => pin.updatedAt >= from)
        .sort((a, b) => compare(a.updatedAt, b.updatedAt) || byKey(a, b));
    },
  };
}

// Memory of API keys verified recently, so the slow hash runs once per key per cacheMs, not once per request.
import type { Principal } from "../../core/identity.ts";

interface Entry {
  principal: Principal;
  /** Epoch ms after which the entry is not used. */
  untilMs: number;
}

export interface VerifiedKeys {
  get(cacheKey: string, nowMs: number): Principal | undefined;
  set(cacheKey: string, principal: Principal, untilMs: number): void;
  /** Forgets every entry of this key id. */
  dropId(id: string): void;
  readonly size: number;
}

/**
 * Keyed by sha256 of the whole key (never the key itself), in insertion order: past maxEntries the oldest entry
 * goes. Only successes are stored, so a flood of bogus keys cannot grow it.
 */
export function createVerifiedKeys(maxEntries: number): VerifiedKeys {
  const entries = new Map<string, Entry>();
  return {
    get(cacheKey, nowMs) {
      const entry = entries.get(cacheKey);
      if (entry === undefined) return undefined;
      if (entry.untilMs > nowMs) return entry.principal;
      entries.delete(cacheKey);
      return undefined;
    },
    set(cacheKey, principal, untilMs) {
      if (maxEntries <= 0) return;
      entries.delete(cacheKey);
      entries.set(cacheKey, { principal, untilMs });
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
    },
    dropId(id) {
      for (const [cacheKey, entry] of entries) if (entry.principal.credentialId === id) entries.delete(cacheKey);
    },
    get size() {
      return entries.size;
    },
  };
}

// Each server's manifest twice: as the server offered it, and as it is served, without what the integrity gate
// holds back (pins, review, screening; docs/integrity.md). Everything downstream of the catalog (listings, search,
// describe, the handshake, calls) sees the served form only; review sees the offered one.
import type { CatalogKind } from "../../core/events.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { ServerManifest } from "../../ports/manifest-store.ts";
import {
  INSTRUCTIONS_KEY,
  type IntegrityGate,
  keyOf,
  PINNED_LISTS,
  type Withheld,
} from "../integrity/integrity-gate.ts";
import { LISTS_OF_KIND } from "./fetch-manifest.ts";

/** A tool or prompt held for review, by the name a client used. */
export interface HeldItem {
  server: string;
  /** The server's own name of it. */
  name: string;
  state: string;
}

export type ListKey = "tools" | "prompts" | "resources" | "resourceTemplates";

export interface ServedManifestsOptions {
  specs: ReadonlyMap<string, ServerSpec>;
  gate?: Pick<IntegrityGate, "review" | "decided" | "pin" | "lookAlikes"> | undefined;
  /** A server's served lists changed after a decision (the catalog rebuilds its views and announces it). */
  changed(server: string, kinds: CatalogKind[]): void;
  /** Reviewing a server again failed; what was served stays. */
  failed(server: string, error: unknown): void;
}

export class ServedManifests {
  private readonly o: ServedManifestsOptions;
  private readonly offeredBy = new Map<string, ServerManifest>();
  private readonly servedBy = new Map<string, ServerManifest>();
  private readonly heldBy = new Map<string, Withheld>();

  constructor(options: ServedManifestsOptions) {
    this.o = options;
    options.gate?.decided((servers) => {
      for (const server of servers) void this.regate(server);
    });
  }

  /**
   * Whether the gate reviews what a server offers: not for a server with pinning off and definition screening off
   * (nothing of it can be held).
   */
  gated(server: string): boolean {
    const integrity = this.o.specs.get(server)?.integrity;
    if (!this.o.gate || !integrity) return false;
    return integrity.pinning !== "off" || integrity.screening.definitions;
  }

  offered(server: string): ServerManifest | undefined {
    return this.offeredBy.get(server);
  }

  served(server: string): ServerManifest | undefined {
    return this.servedBy.get(server);
  }

  /** Holds a manifest, reviewed by the integrity gate (when there is one). */
  async take(server: string, manifest: ServerManifest): Promise<void> {
    const spec = this.o.specs.get(server);
    const gate = this.o.gate;
    const others = [...this.servedBy.values()].filter((m) => m.server !== server);
    const held: Withheld = gate && spec ? await gate.review(spec, manifest, others) : new Map();
    this.offeredBy.set(server, manifest);
    this.heldBy.set(server, held);
    this.servedBy.set(server, held.size === 0 ? manifest : withoutHeld(manifest, held));
    // A look-alike of one of these names, served by a server reviewed before they were known, is judged again.
    for (const other of gate?.lookAlikes(manifest, [...this.servedBy.values()]) ?? []) void this.regate(other);
  }

  /**
   * Reviews a server's manifest again (an operator decided, here or on another replica) and reports what left
   * or returned. Never rejects.
   */
  async regate(server: string): Promise<void> {
    const manifest = this.offeredBy.get(server);
    if (!manifest) return;
    try {
      const before = this.servedBy.get(server);
      await this.take(server, manifest);
      const changed = changedKinds(before, this.servedBy.get(server));
      if (changed.length > 0) this.o.changed(server, changed);
    } catch (error) {
      this.o.failed(server, error);
    }
  }

  /** The first held item among (server, own name) candidates for a name a client used. */
  heldItem(kind: "tools" | "prompts", candidates: readonly (readonly [string, string])[]): HeldItem | undefined {
    const pinned = kind === "tools" ? "tool" : "prompt";
    for (const [owner, own] of candidates) {
      const state = this.heldBy.get(owner)?.get(keyOf(pinned, own));
      if (state) return { server: owner, name: own, state };
    }
    return undefined;
  }

  /** The items of a server's latest manifest held back, by kind and name, with their state. */
  heldItems(server: string): { kind: string; name: string; state: string }[] {
    return [...(this.heldBy.get(server) ?? new Map())].map(([id, state]) => {
      const [kind = "", name = ""] = id.split("\u0000");
      return { kind, name, state };
    });
  }

  /**
   * Whether a held tool or prompt has been approved meanwhile (by another replica, or against the store): one read
   * of its pin, and the server's manifest reviewed again only then, so a client calling a held item over and over
   * costs a lookup per call, not a review.
   */
  async approvedMeanwhile(held: HeldItem, kind: "tools" | "prompts"): Promise<boolean> {
    const gate = this.o.gate;
    if (!gate) return false;
    let pin: Awaited<ReturnType<IntegrityGate["pin"]>>;
    try {
      pin = await gate.pin({ server: held.server, kind: kind === "tools" ? "tool" : "prompt", key: held.name });
    } catch {
      return false; // the store is down: what this replica holds stands
    }
    if (pin?.state !== "approved") return false;
    await this.regate(held.server);
    return this.heldItem(kind, [[held.server, held.name]]) === undefined;
  }

  /** A page of a server's own list (forwarded from it) without the items held back. */
  servedPage(server: string, key: ListKey, result: Record<string, unknown>): Record<string, unknown> {
    const held = this.heldBy.get(server);
    const pinned = PINNED_LISTS.find((p) => p.list === key);
    const items = result[key];
    if (!held || held.size === 0 || !pinned || !Array.isArray(items)) return result;
    return {
      ...result,
      [key]: items.filter(
        (item: Record<string, unknown>) => !held.has(keyOf(pinned.kind, String(item?.[pinned.field]))),
      ),
    };
  }
}

/** The kinds whose lists differ between two manifests of a server. */
export function changedKinds(previous: ServerManifest | undefined, next: ServerManifest | undefined): CatalogKind[] {
  return (["tools", "prompts", "resources"] as const).filter((kind) =>
    LISTS_OF_KIND[kind].some((key) => JSON.stringify(previous?.[key] ?? []) !== JSON.stringify(next?.[key] ?? [])),
  );
}

/** A manifest without the items the gate holds back. */
function withoutHeld(manifest: ServerManifest, held: Withheld): ServerManifest {
  const served = { ...manifest };
  for (const { kind, list, field } of PINNED_LISTS) {
    served[list] = manifest[list].filter((item) => !held.has(keyOf(kind, String(item[field]))));
  }
  // Held instructions are left out of the handshake until approved.
  if (held.has(keyOf("instructions", INSTRUCTIONS_KEY))) served.instructions = undefined;
  return served;
}

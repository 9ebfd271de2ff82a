// The integrity gate: reviews every manifest the catalog takes against the pins (tools, prompts, resource
// templates), decides what is served, records what waits for review, and carries operators' decisions. The
// catalog serves only what the gate lets through; replicas sharing the pin store pick up each other's decisions.
import type { EventBus } from "../../core/events.ts";
import type { Finding, PinnedKind, PinState } from "../../core/integrity.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { Clock, TimerHandle } from "../../ports/clock.ts";
import type { ServerManifest } from "../../ports/manifest-store.ts";
import type { Pin, PinKey, PinStore } from "../../ports/pin-store.ts";
import { skeleton } from "./confusables.ts";
import { approvedBy, decide, nameless, pinHash, rejectedBy, serverIdentity } from "./pins.ts";
import { isPlain } from "./screen-names.ts";

/** The manifest lists that are pinned, by kind, and the field that names an item. */
export const PINNED_LISTS = [
  { kind: "tool", list: "tools", field: "name" },
  { kind: "prompt", list: "prompts", field: "name" },
  { kind: "resourceTemplate", list: "resourceTemplates", field: "uriTemplate" },
] as const satisfies readonly { kind: PinnedKind; list: keyof ServerManifest; field: string }[];

/** The key of a server's instructions among its pins (`SERVER/instructions` with kind `instructions`). */
export const INSTRUCTIONS_KEY = "instructions";

/** Screens one definition; the other servers' tool names are there to recognise shadowing. */
export type DefinitionScreener = (
  kind: PinnedKind,
  item: Record<string, unknown>,
  context: {
    server: string;
    otherServers: readonly { server: string; names: readonly string[] }[];
    names?: readonly string[];
  },
) => Finding[];

/** Keys (`kind\0key`) of a reviewed manifest's items that are held, with why. */
export type Withheld = ReadonlyMap<string, PinState>;

export interface IntegrityGateOptions {
  store: PinStore;
  events: EventBus;
  clock: Clock;
  screen?: DefinitionScreener | undefined;
  /** How often decisions made on other replicas are looked for; 0: never (one replica). Milliseconds. */
  syncIntervalMs?: number;
}

/** What one review of a server's manifest works with and gathers. */
interface ReviewRound {
  spec: ServerSpec;
  identity: Record<string, unknown>;
  now: string;
  otherServers: { server: string; names: string[] }[];
  names: string[];
  held: Map<string, PinState>;
  offered: Set<string>;
  writes: Pin[];
}

/**
 * Approved pins of a kind that the manifest no longer offers, by their definition without the name: a new item
 * equal to one of them but for its name is that item renamed.
 */
function renameCandidates(pins: readonly Pin[], kind: PinnedKind, present: ReadonlySet<string>): Map<string, Pin> {
  const gone = new Map<string, Pin>();
  for (const pin of pins) {
    if (pin.kind !== kind || present.has(pin.key) || pin.state !== "approved") continue;
    const shape = nameless(kind, pin.pinnedDefinition);
    if (shape) gone.set(shape, pin);
  }
  return gone;
}

/** One held or decided item, for review. */
export interface ReviewItem extends Pin {
  /** Whether the server currently offers it (in its latest manifest). */
  offered: boolean;
}

export class IntegrityGate {
  private readonly o: IntegrityGateOptions;
  /** What the latest review of each server's manifest held back. */
  private readonly held = new Map<string, Map<string, PinState>>();
  /** The keys each server's latest manifest offered. */
  private readonly offered = new Map<string, Set<string>>();
  private syncedUntil: string;
  private syncTimer: TimerHandle | undefined;
  private onDecided: ((servers: readonly string[]) => void) | undefined;
  private closed = false;

  constructor(options: IntegrityGateOptions) {
    this.o = options;
    this.syncedUntil = new Date(options.clock.now()).toISOString();
  }

  /**
   * Called with the servers whose pins changed by a decision (here or, found by the sync, on another replica):
   * the catalog reviews their manifests again and announces what left or returned.
   */
  decided(listener: (servers: readonly string[]) => void): void {
    this.onDecided = listener;
    this.scheduleSync();
  }

  /**
   * Reviews a manifest against the pins (read fresh from the store: another replica may have decided since),
   * writes what changed and returns what is held back. Never rejects: when the store fails, the decisions
   * stand for this process and the failure is announced.
   */
  async review(spec: ServerSpec, manifest: ServerManifest, others: readonly ServerManifest[]): Promise<Withheld> {
    const server = spec.name;
    const pins = await this.pinsOf(server);
    const byKey = new Map(pins.map((pin) => [keyOf(pin.kind, pin.key), pin]));
    const names = manifest.tools.map((t) => String(t.name));
    const round: ReviewRound = {
      spec,
      identity: serverIdentity(spec, manifest.serverInfo),
      now: new Date(this.o.clock.now()).toISOString(),
      otherServers: others
        .filter((m) => m.server !== server)
        .map((m) => ({ server: m.server, names: m.tools.map((t) => String(t.name)) })),
      names,
      held: new Map(),
      offered: new Set(),
      writes: [],
    };
    for (const { kind, list, field } of PINNED_LISTS) {
      const gone = renameCandidates(pins, kind, new Set(manifest[list].map((item) => String(item[field]))));
      for (const item of manifest[list]) {
        const key = String(item[field]);
        const existing = byKey.get(keyOf(kind, key));
        const renamedFrom = existing ? undefined : gone.get(nameless(kind, item) ?? "");
        this.reviewItem(round, kind, key, item, existing, renamedFrom);
      }
    }
    // The server's instructions: one item, screened and pinned like a description.
    if (typeof manifest.instructions === "string" && manifest.instructions !== "") {
      const existing = byKey.get(keyOf("instructions", INSTRUCTIONS_KEY));
      this.reviewItem(round, "instructions", INSTRUCTIONS_KEY, { instructions: manifest.instructions }, existing);
    }
    try {
      for (const pin of round.writes) await this.o.store.putPin(pin);
      for (const pin of stalePins(pins, round.offered)) await this.o.store.deletePin(pin);
    } catch (error) {
      this.o.events.emit("catalog-failed", { server, step: "pins", error });
    }
    this.held.set(server, round.held);
    this.offered.set(server, round.offered);
    return round.held;
  }

  /** A server's pins, read fresh; none when the store fails (announced): the policy then decides alone. */
  private async pinsOf(server: string): Promise<Pin[]> {
    try {
      return await this.o.store.listPins({ server });
    } catch (error) {
      this.o.events.emit("catalog-failed", { server, step: "pins", error });
      return [];
    }
  }

  /** Decides one item of a review round: whether it is served, what to write and what to announce. */
  private reviewItem(
    round: ReviewRound,
    kind: PinnedKind,
    key: string,
    item: Record<string, unknown>,
    existing: Pin | undefined,
    renamedFrom?: Pin,
  ): void {
    const { spec, identity } = round;
    const server = spec.name;
    const id = keyOf(kind, key);
    round.offered.add(id);
    const context = { server, otherServers: round.otherServers, names: round.names };
    const findings = spec.integrity.screening.definitions && this.o.screen ? this.o.screen(kind, item, context) : [];
    const hash = pinHash(item, identity);
    const settings = spec.integrity;
    const { now } = round;
    const decision = decide({
      server,
      kind,
      key,
      definition: item,
      identity,
      hash,
      findings,
      settings,
      existing,
      renamedFrom,
      now,
    });
    if (!decision.served) round.held.set(id, decision.write?.state ?? existing?.state ?? "pending");
    if (decision.write) round.writes.push(decision.write);
    if (decision.event) this.o.events.emit("definition-reviewed", decision.event);
  }

  /**
   * Other servers serving a look-alike of one of this manifest's tool names: reviewed before this server's names
   * were known, they must be reviewed again (screening judges a look-alike against the names around it).
   */
  lookAlikes(manifest: ServerManifest, others: readonly ServerManifest[]): string[] {
    if (!this.o.screen) return [];
    const skeletons = new Set(manifest.tools.map((tool) => skeleton(String(tool.name))));
    return others
      .filter((other) => other.server !== manifest.server)
      .filter((other) =>
        other.tools.some((tool) => {
          const name = String(tool.name);
          return !isPlain(name) && skeletons.has(skeleton(name));
        }),
      )
      .map((other) => other.server);
  }

  /** Held, changed and rejected items (or every pin with `all`), optionally of one server. */
  async pending(filter: { server?: string; all?: boolean } = {}): Promise<ReviewItem[]> {
    const states: PinState[] | undefined = filter.all ? undefined : ["pending", "changed", "rejected"];
    const pins = await this.o.store.listPins({
      ...(filter.server ? { server: filter.server } : {}),
      ...(states ? { states } : {}),
    });
    return pins.map((pin) => ({
      ...pin,
      offered: this.offered.get(pin.server)?.has(keyOf(pin.kind, pin.key)) ?? false,
    }));
  }

  async pin(key: PinKey): Promise<Pin | undefined> {
    return this.o.store.getPin(key);
  }

  /**
   * Approves or rejects pins; `expectHash`, when given, must be the candidate's hash (what the operator looked
   * at), or nothing is decided for that pin. Returns the pins decided; announces each and re-reviews their servers.
   */
  async decide(
    keys: readonly PinKey[],
    decision: "approve" | "reject",
    by: string,
    expectHash?: string,
  ): Promise<{ decided: Pin[]; skipped: { key: PinKey; reason: string }[] }> {
    const now = new Date(this.o.clock.now()).toISOString();
    const decided: Pin[] = [];
    const skipped: { key: PinKey; reason: string }[] = [];
    for (const key of keys) {
      const pin = await this.o.store.getPin(key);
      if (!pin) {
        skipped.push({ key, reason: "no such item" });
        continue;
      }
      const shown = pin.candidateHash ?? pin.pinnedHash;
      if (expectHash !== undefined && shown !== expectHash) {
        skipped.push({ key, reason: `changed meanwhile: its hash is now ${shown}` });
        continue;
      }
      const next = decision === "approve" ? approvedBy(pin, by, now) : rejectedBy(pin, by, now);
      await this.o.store.putPin(next);
      decided.push(next);
      this.o.events.emit("definition-decided", {
        server: pin.server,
        kind: pin.kind,
        key: pin.key,
        decision,
        by,
        hash: next.state === "approved" ? next.pinnedHash : (next.candidateHash ?? ""),
      });
    }
    const servers = [...new Set(decided.map((pin) => pin.server))];
    if (servers.length > 0) this.onDecided?.(servers);
    return { decided, skipped };
  }

  /** Looks for decisions written by other replicas since the last look; re-reviews the servers they concern. */
  async sync(): Promise<void> {
    // Replicas' clocks differ a little: look back a while, and act only where the store disagrees with what is
    // served here (so seeing a pin twice does nothing).
    const since = new Date(Date.parse(this.syncedUntil) - SYNC_OVERLAP_MS).toISOString();
    const pins = await this.o.store.pinsUpdatedSince(since);
    const last = pins.at(-1)?.updatedAt;
    if (last && last > this.syncedUntil) this.syncedUntil = last;
    const servers = [
      ...new Set(
        pins
          .filter((pin) => {
            const id = keyOf(pin.kind, pin.key);
            if (!this.offered.get(pin.server)?.has(id)) return false;
            const held = this.held.get(pin.server)?.has(id) ?? false;
            return held !== (pin.state !== "approved");
          })
          .map((pin) => pin.server),
      ),
    ];
    if (servers.length > 0) this.onDecided?.(servers);
  }

  close(): void {
    this.closed = true;
    this.syncTimer?.cancel();
  }

  private scheduleSync(): void {
    const every = this.o.syncIntervalMs ?? 0;
    if (every <= 0 || this.closed) return;
    this.syncTimer = this.o.clock.setTimeout(() => {
      this.sync()
        .catch((error: unknown) => this.o.events.emit("catalog-failed", { server: "*", step: "pins", error }))
        .finally(() => this.scheduleSync());
    }, every);
  }
}

/**
 * Decided pins (approved, rejected) a server no longer offers, kept per server: enough for tools that come and
 * go and for renames, bounded so a server offering new names at every read cannot grow the table.
 */
export const MAX_ABSENT_PINS = 500;

/**
 * Pins to remove after a review: what waited for review and is no longer offered (it is reviewed afresh if it
 * returns), and decided pins no longer offered beyond the MAX_ABSENT_PINS most recently updated.
 */
function stalePins(pins: readonly Pin[], offered: ReadonlySet<string>): Pin[] {
  const absent = pins.filter((pin) => !offered.has(keyOf(pin.kind, pin.key)));
  const waiting = absent.filter((pin) => pin.state === "pending" || pin.state === "changed");
  const decided = absent
    .filter((pin) => pin.state === "approved" || pin.state === "rejected")
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  return [...waiting, ...decided.slice(MAX_ABSENT_PINS)];
}

/** How far back each look for other replicas' decisions reaches before the last one seen. */
const SYNC_OVERLAP_MS = 30_000;

export function keyOf(kind: PinnedKind, key: string): string {
  return `${kind}\u0000${key}`;
}

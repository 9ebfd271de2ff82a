// Reviewing held definitions: what waits (pending, changed, rejected), what changed field by field, and the
// operator's approve or reject, recorded in the audit log under the principal who decided. Used by the admin API
// on a running gateway and by `switchboard tools` against the store directly.
import { randomUUID } from "node:crypto";
import { SwitchboardError } from "../../core/errors.ts";
import { PINNED_KINDS, type PinnedKind } from "../../core/integrity.ts";
import type { AuditRecord } from "../../ports/audit-log.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Pin, PinKey } from "../../ports/pin-store.ts";
import { diffDefinitions, type FieldChange } from "./definition-diff.ts";
import type { IntegrityGate, ReviewItem } from "./integrity-gate.ts";

export interface ToolReviewOptions {
  gate: Pick<IntegrityGate, "pending" | "pin" | "decide">;
  /** Where decisions are recorded; unset: not recorded (a store without an audit log). */
  audit?: { append(record: AuditRecord): Promise<void> } | undefined;
  clock: Clock;
}

/** What `tools diff` shows: the held (or pinned) item, its changes against the approved form, its findings. */
export interface ItemDiff {
  item: ReviewItem | Pin;
  /** Changes of the definition from the approved form to the one waiting; every field `added` for a new item. */
  definition: FieldChange[];
  /** Changes of the server's identity (command/package and version, or URL, and what it reports). */
  identity: FieldChange[];
}

/** One item named by an operator: `server/name` (a tool unless kind says otherwise). */
export interface ItemRef {
  server: string;
  name: string;
  kind: PinnedKind;
}

export function parseItemRef(ref: string, kind: PinnedKind = "tool"): ItemRef {
  const slash = ref.indexOf("/");
  if (slash <= 0 || slash === ref.length - 1) {
    throw new SwitchboardError("invalid_params", `name an item as SERVER/NAME (e.g. everything/echo), got "${ref}"`);
  }
  if (!PINNED_KINDS.includes(kind)) {
    throw new SwitchboardError("invalid_params", `kind must be one of ${PINNED_KINDS.join(", ")}, got "${kind}"`);
  }
  return { server: ref.slice(0, slash), name: ref.slice(slash + 1), kind };
}

export class ToolReview {
  private readonly o: ToolReviewOptions;

  constructor(options: ToolReviewOptions) {
    this.o = options;
  }

  pending(filter: { server?: string; all?: boolean } = {}): Promise<ReviewItem[]> {
    return this.o.gate.pending(filter);
  }

  async diff(ref: ItemRef): Promise<ItemDiff> {
    const pin = await this.o.gate.pin(toKey(ref));
    if (!pin) throw notPinned(ref);
    const after = pin.candidateDefinition ?? pin.pinnedDefinition;
    const afterIdentity = pin.candidateIdentity ?? pin.pinnedIdentity;
    return {
      item: pin,
      definition: pin.candidateDefinition ? diffDefinitions(pin.pinnedDefinition ?? undefined, after) : [],
      identity: pin.candidateIdentity && pin.pinnedIdentity ? diffDefinitions(pin.pinnedIdentity, afterIdentity) : [],
    };
  }

  /**
   * Approves or rejects the named items, or every held item (pending or changed) of `server`. `hash`, when
   * given, must be the hash the operator reviewed. Each decision is recorded in the audit log.
   */
  async decide(
    target: { refs: readonly ItemRef[] } | { server: string },
    decision: "approve" | "reject",
    by: string,
    hash?: string,
  ): Promise<{ decided: Pin[]; skipped: { key: PinKey; reason: string }[] }> {
    let keys: PinKey[];
    if ("refs" in target) {
      if (target.refs.length === 0) throw new SwitchboardError("invalid_params", "name at least one item or a server");
      keys = target.refs.map(toKey);
    } else {
      const held = await this.o.gate.pending({ server: target.server });
      keys = held.filter((pin) => pin.state !== "rejected").map(({ server, kind, key }) => ({ server, kind, key }));
      if (keys.length === 0) return { decided: [], skipped: [] };
    }
    // One item at a time, its audit record first: a decision that cannot be recorded is not taken, and the hash
    // recorded is the one decided (the gate refuses the decision if the item changed in between).
    const decided: Pin[] = [];
    const skipped: { key: PinKey; reason: string }[] = [];
    for (const key of keys) {
      const pin = await this.o.gate.pin(key);
      const shown = pin ? (pin.candidateHash ?? pin.pinnedHash) : undefined;
      if (!pin || shown === undefined) {
        skipped.push({ key, reason: "no such item" });
        continue;
      }
      if (hash !== undefined && shown !== hash) {
        skipped.push({ key, reason: `changed meanwhile: its hash is now ${shown}` });
        continue;
      }
      await this.record(key, decision, by, shown, "ok");
      const result = await this.o.gate.decide([key], decision, by, shown);
      decided.push(...result.decided);
      skipped.push(...result.skipped);
      if (result.decided.length === 0) await this.record(key, decision, by, shown, "error").catch(() => {});
    }
    return { decided, skipped };
  }

  private async record(
    key: PinKey,
    decision: "approve" | "reject",
    by: string,
    hash: string,
    outcome: "ok" | "error",
  ): Promise<void> {
    if (!this.o.audit) return;
    const done = decision === "approve" ? "approved" : "rejected";
    await this.o.audit.append({
      time: new Date(this.o.clock.now()).toISOString(),
      principal: by,
      server: key.server,
      tool: key.kind === "tool" ? key.key : `${key.kind}:${key.key}`,
      argumentsHash: "",
      definitionHash: hash,
      outcome,
      // A decision recorded and then not taken (the item changed in between) is followed by its failure.
      errorKind: outcome === "ok" ? null : "changed_meanwhile",
      durationMs: 0,
      correlationId: randomUUID(),
      action: decision,
      detail: `${key.kind} ${outcome === "ok" ? done : `not ${done}`} at sha256:${hash}`,
    });
  }
}

function toKey(ref: ItemRef): PinKey {
  return { server: ref.server, kind: ref.kind, key: ref.name };
}

function notPinned(ref: ItemRef): SwitchboardError {
  return new SwitchboardError(
    "resource_not_found",
    `no ${ref.kind} "${ref.name}" of server "${ref.server}" has been seen (see switchboard tools pending --all)`,
  );
}

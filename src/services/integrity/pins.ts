// What is pinned of a definition and what a new one may do: the pure part of tool integrity. The pinned form is
// the whole wire definition (name, title, description, schemas, annotations, `_meta`) canonicalised, plus the
// identity of the server that offered it, so a description, schema, annotation, name or server change all show.
import { canonicalHash } from "../../core/canonical-hash.ts";
import type { DefinitionReviewed } from "../../core/events.ts";
import { type Finding, findingAction, type IntegritySettings, type PinnedKind } from "../../core/integrity.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { Pin } from "../../ports/pin-store.ts";

/**
 * Who a server is: its command and arguments (or npm package and version), or its URL, and the name and version
 * it reports in its handshake. A new package version, a new URL or a server reporting a new version changes it.
 */
export function serverIdentity(spec: ServerSpec, serverInfo: Record<string, unknown>): Record<string, unknown> {
  const reported = { name: serverInfo.name ?? null, version: serverInfo.version ?? null };
  const t = spec.transport;
  if (t.kind === "http") return { url: t.url, reported };
  // A package's bin path says where it is installed, not what it is: its name and version do.
  if (t.package) return { package: t.package.name, version: t.package.version, args: t.args.slice(1), reported };
  return { command: t.command, args: t.args, reported };
}

/** The pinned hash: sha256 of the canonical JSON of the definition together with the server's identity. */
export function pinHash(definition: Record<string, unknown>, identity: Record<string, unknown>): string {
  return canonicalHash({ definition, identity });
}

export interface ReviewInput {
  server: string;
  kind: PinnedKind;
  key: string;
  definition: Record<string, unknown>;
  identity: Record<string, unknown>;
  hash: string;
  findings: readonly Finding[];
  settings: IntegritySettings;
  /** The pin of this key, if any. */
  existing: Pin | undefined;
  /** An approved pin of another key whose definition, but for the name, equals this one (a rename). */
  renamedFrom?: Pin | undefined;
  now: string;
}

export interface ReviewDecision {
  served: boolean;
  /** The pin to write, when it changes. */
  write?: Pin;
  /** What to announce, if anything. */
  event?: DefinitionReviewed;
}

/** Who decides when no operator did: the pinning policy and onChange. */
const POLICY_DECIDERS = new Set(["on-first-use", "accept", "warn", ""]);

/** What the policy makes of one definition against its pin. */
export function decide(input: ReviewInput): ReviewDecision {
  const { settings, existing, hash, findings } = input;
  const held = findings.some((f) => findingAction(f, settings.screening) === "quarantine");
  const flagged = findings.some((f) => findingAction(f, settings.screening) === "flag");
  const flagEvent = (served: ReviewDecision): ReviewDecision =>
    flagged && served.served && served.write
      ? { ...served, event: event(input, "flagged", "approved", "screening") }
      : served;

  // What an operator already decided about exactly this form stands, whatever the policy. What the policy itself
  // let through stands too, unless screening now holds it (a look-alike of a server that started later).
  if (existing?.state === "approved" && existing.pinnedHash === hash) {
    if (!held || !POLICY_DECIDERS.has(existing.decidedBy)) return { served: true };
    return hold(input, "pending", "screening");
  }
  if (existing && existing.state !== "approved" && existing.candidateHash === hash) return { served: false };

  if (settings.pinning === "off") {
    if (!held) return { served: true };
    return hold(input, existing?.pinnedHash ? "changed" : "pending", "screening");
  }
  if (!existing) {
    if (input.renamedFrom && settings.onChange !== "accept") {
      return hold({ ...input, existing: input.renamedFrom }, "changed", "renamed", input.renamedFrom);
    }
    if (settings.pinning === "approve-new") return hold(input, "pending", "new");
    if (held) return hold(input, "pending", "screening");
    return flagEvent({ served: true, write: approve(input, "on-first-use") });
  }
  if (existing.pinnedHash) {
    const sameDefinition =
      existing.pinnedDefinition !== null &&
      canonicalHash(existing.pinnedDefinition) === canonicalHash(input.definition);
    const reason = sameDefinition ? "identity" : "changed";
    if (held) return hold(input, "changed", "screening");
    if (settings.onChange === "quarantine") return hold(input, "changed", reason);
    const write = approve(input, settings.onChange);
    return settings.onChange === "warn"
      ? { served: true, write, event: event(input, "warned", "approved", reason) }
      : flagEvent({ served: true, write });
  }
  // Never approved (pending or rejected) and now a different definition: it is reviewed as new, but what an
  // operator rejected is not trusted on first use: changing a byte of it must not undo the rejection.
  if (settings.pinning === "approve-new" || existing.state === "rejected") return hold(input, "pending", "new");
  if (held) return hold(input, "pending", "screening");
  return flagEvent({ served: true, write: approve(input, "on-first-use") });
}

function hold(
  input: ReviewInput,
  state: "pending" | "changed",
  reason: DefinitionReviewed["reason"],
  from: Pin | undefined = input.existing,
): ReviewDecision {
  const write: Pin = {
    server: input.server,
    kind: input.kind,
    key: input.key,
    state,
    pinnedHash: from?.pinnedHash ?? "",
    pinnedDefinition: from?.pinnedDefinition ?? null,
    pinnedIdentity: from?.pinnedIdentity ?? null,
    candidateHash: input.hash,
    candidateDefinition: input.definition,
    candidateIdentity: input.identity,
    findings: input.findings,
    decidedBy: input.existing?.decidedBy ?? "",
    firstSeenAt: input.existing?.firstSeenAt ?? input.now,
    updatedAt: input.now,
  };
  return { served: false, write, event: event(input, "held", state, reason) };
}

function approve(input: ReviewInput, by: string): Pin {
  return {
    server: input.server,
    kind: input.kind,
    key: input.key,
    state: "approved",
    pinnedHash: input.hash,
    pinnedDefinition: input.definition,
    pinnedIdentity: input.identity,
    candidateHash: null,
    candidateDefinition: null,
    candidateIdentity: null,
    findings: input.findings,
    decidedBy: by,
    firstSeenAt: input.existing?.firstSeenAt ?? input.now,
    updatedAt: input.now,
  };
}

function event(
  input: ReviewInput,
  outcome: DefinitionReviewed["outcome"],
  state: DefinitionReviewed["state"],
  reason: DefinitionReviewed["reason"],
): DefinitionReviewed {
  return { server: input.server, kind: input.kind, key: input.key, outcome, state, reason, findings: input.findings };
}

/** The definition without its name, for recognising a rename. */
export function nameless(kind: PinnedKind, definition: Record<string, unknown> | null): string | undefined {
  if (!definition) return undefined;
  const { [kind === "resourceTemplate" ? "uriTemplate" : "name"]: _, ...rest } = definition;
  return canonicalHash(rest);
}

/** The approved decision an operator makes for a held pin (its candidate becomes the pinned form). */
export function approvedBy(pin: Pin, by: string, now: string): Pin {
  if (pin.state === "approved" || pin.candidateHash === null) return { ...pin, decidedBy: by, updatedAt: now };
  return {
    ...pin,
    state: "approved",
    pinnedHash: pin.candidateHash,
    pinnedDefinition: pin.candidateDefinition,
    pinnedIdentity: pin.candidateIdentity,
    candidateHash: null,
    candidateDefinition: null,
    candidateIdentity: null,
    decidedBy: by,
    updatedAt: now,
  };
}

/** An operator's refusal: the candidate (or, for an approved pin, the pinned form) stays hidden until it changes. */
export function rejectedBy(pin: Pin, by: string, now: string): Pin {
  if (pin.state === "approved") {
    return {
      ...pin,
      state: "rejected",
      candidateHash: pin.pinnedHash,
      candidateDefinition: pin.pinnedDefinition,
      candidateIdentity: pin.pinnedIdentity,
      decidedBy: by,
      updatedAt: now,
    };
  }
  return { ...pin, state: "rejected", decidedBy: by, updatedAt: now };
}

// Tool integrity: what the gateway pins of each server's tools, prompts and resource templates, the policy that
// decides what a new or changed definition may do, and the findings of screening definitions and results for
// content aimed at the model rather than the user (docs/integrity.md).

/**
 * When a definition is pinned:
 * - `on-first-use`: the first definition seen is trusted and pinned; later changes go through `onChange`.
 * - `approve-new`: nothing is listed or callable until an operator approves it.
 * - `off`: no pins; every definition is served as the server sends it (screening still runs).
 */
export const PINNING_MODES = ["on-first-use", "approve-new", "off"] as const;
export type PinningMode = (typeof PINNING_MODES)[number];

/**
 * What a definition that differs from its pin does:
 * - `quarantine`: hidden and refused until approved (the pin keeps the approved form for the diff);
 * - `warn`: served, logged and kept for review, and pinned anew;
 * - `accept`: served and pinned anew silently.
 */
export const CHANGE_ACTIONS = ["quarantine", "warn", "accept"] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/**
 * The items that are pinned: tools, prompts, resource templates, and a server's `instructions` (which clients put
 * before the model like a description; one item per server, key `instructions`). Resources themselves are data,
 * not instructions: not pinned.
 */
export const PINNED_KINDS = ["tool", "prompt", "resourceTemplate", "instructions"] as const;
export type PinnedKind = (typeof PINNED_KINDS)[number];

/**
 * The review state of a pinned item:
 * - `approved`: the pinned definition is served;
 * - `pending`: never approved (approve-new, or held by screening on first sight);
 * - `changed`: differs from its approved pin and is quarantined;
 * - `rejected`: an operator refused this exact definition; it stays hidden until it changes again.
 */
export const PIN_STATES = ["approved", "pending", "changed", "rejected"] as const;
export type PinState = (typeof PIN_STATES)[number];

export const FINDING_SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

/** What a finding of a given rule does: nothing, shown in review and logged, or holds the item for review. */
export const FINDING_ACTIONS = ["off", "flag", "quarantine"] as const;
export type FindingAction = (typeof FINDING_ACTIONS)[number];

/** One thing screening found in a definition or a result. */
export interface Finding {
  /** Stable rule id, e.g. `unicode.tag-block` (docs/integrity.md lists them). */
  rule: string;
  severity: FindingSeverity;
  /** Where: a JSON path into the definition (`description`, `inputSchema.properties.path.description`) or result. */
  field: string;
  /** One line for an operator, with the offending characters escaped (never raw control characters). */
  message: string;
}

export const RESULT_SCREENING_MODES = ["off", "characters", "full"] as const;
export type ResultScreeningMode = (typeof RESULT_SCREENING_MODES)[number];

/** How a server's definitions are screened (per server and in gateway.serverDefaults). */
export interface ScreeningSettings {
  /** Screen definitions when first seen or changed. */
  definitions: boolean;
  /** Findings of at least this severity hold the item for review (`never`: only flag). */
  quarantineAt: FindingSeverity | "never";
  /** Per-rule override of what a finding does, by rule id. */
  rules: Readonly<Record<string, FindingAction>>;
  /**
   * Screening of tool results' text, flagged (logged and counted) after the answer went out: `characters` (hidden,
   * control and escape characters, cheap enough for every call), `full` (the phrase rules too, ~1 ms per 10 KB), `off`.
   */
  results: ResultScreeningMode;
}

/** What to do with a secret found in a call's arguments or its result. */
export const SECRET_ACTIONS = ["off", "redact", "block"] as const;
export type SecretAction = (typeof SECRET_ACTIONS)[number];

export interface SecretScanSettings {
  arguments: SecretAction;
  results: SecretAction;
}

/** A server's integrity policy, normalised. */
export interface IntegritySettings {
  pinning: PinningMode;
  onChange: ChangeAction;
  screening: ScreeningSettings;
  secrets: SecretScanSettings;
}

export const DEFAULT_SCREENING: ScreeningSettings = {
  definitions: true,
  quarantineAt: "high",
  rules: {},
  results: "characters",
};

export const DEFAULT_INTEGRITY: IntegritySettings = {
  pinning: "on-first-use",
  onChange: "quarantine",
  screening: DEFAULT_SCREENING,
  secrets: { arguments: "off", results: "off" },
};

const SEVERITY_RANK: Record<FindingSeverity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** What the policy does with one finding. */
export function findingAction(finding: Finding, screening: ScreeningSettings): FindingAction {
  const configured = screening.rules[finding.rule];
  if (configured) return configured;
  if (screening.quarantineAt === "never") return "flag";
  return SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[screening.quarantineAt] ? "quarantine" : "flag";
}

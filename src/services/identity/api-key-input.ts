// Checks what a new API key is given (principal, groups, expiry, description) before anything is stored.
import { SwitchboardError } from "../../core/errors.ts";

export interface NewApiKey {
  /** The principal the key authenticates as: 1–256 printable characters. */
  principal: string;
  /** Group names (`[A-Za-z0-9_.:-]{1,64}`), at most 64; duplicates are dropped. */
  groups?: readonly string[] | undefined;
  /** ISO time after which the key is refused; must be in the future. null or absent: never. */
  expiresAt?: string | null | undefined;
  /** What the key is for: at most 1,024 printable characters. */
  description?: string | null | undefined;
}

export interface ValidNewApiKey {
  principal: string;
  groups: string[];
  expiresAt: string | null;
  description: string | null;
}

export const MAX_PRINCIPAL_LENGTH = 256;
export const MAX_GROUPS = 64;
export const MAX_DESCRIPTION_LENGTH = 1024;
const GROUP_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The input, normalized (expiry as Date.toISOString()); invalid_params naming the first problem otherwise. */
export function validateNewApiKey(input: NewApiKey, nowMs: number): ValidNewApiKey {
  return {
    principal: validPrincipal(input.principal),
    groups: validGroups(input.groups),
    expiresAt: validExpiry(input.expiresAt, nowMs),
    description: validDescription(input.description),
  };
}

function validPrincipal(principal: unknown): string {
  if (typeof principal !== "string" || principal.length === 0)
    throw invalid("principal is required: a non-empty string");
  if (principal.length > MAX_PRINCIPAL_LENGTH)
    throw invalid(`principal is ${principal.length} characters long; at most ${MAX_PRINCIPAL_LENGTH} are allowed`);
  if (CONTROLS.test(principal) || principal.trim() !== principal)
    throw invalid("principal must be printable, without control characters or surrounding spaces");
  return principal;
}

function validGroups(groups: unknown): string[] {
  if (groups === undefined || groups === null) return [];
  if (!Array.isArray(groups)) throw invalid("groups must be an array of group names");
  const unique = [...new Set(groups)];
  if (unique.length > MAX_GROUPS) throw invalid(`${unique.length} groups given; at most ${MAX_GROUPS} are allowed`);
  for (const group of unique) {
    if (typeof group !== "string" || !GROUP_PATTERN.test(group)) {
      const shown = typeof group === "string" ? JSON.stringify(group.slice(0, 80)) : typeof group;
      throw invalid(`group ${shown} is not a valid name: 1-64 characters of A-Z a-z 0-9 _ . : -`);
    }
  }
  return unique as string[];
}

function validExpiry(expiresAt: unknown, nowMs: number): string | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  const ms = typeof expiresAt === "string" && ISO_TIME.test(expiresAt) ? Date.parse(expiresAt) : Number.NaN;
  if (Number.isNaN(ms))
    throw invalid(`expiresAt must be an ISO 8601 time with a zone, e.g. 2030-01-31T00:00:00Z, got ${show(expiresAt)}`);
  if (ms <= nowMs) throw invalid(`expiresAt ${expiresAt} is not in the future`);
  return new Date(ms).toISOString();
}

function validDescription(description: unknown): string | null {
  if (description === undefined || description === null || description === "") return null;
  if (typeof description !== "string") throw invalid("description must be a string");
  if (description.length > MAX_DESCRIPTION_LENGTH)
    throw invalid(`description is ${description.length} characters long; at most ${MAX_DESCRIPTION_LENGTH}`);
  if (CONTROLS.test(description)) throw invalid("description must be printable, without control characters");
  return description;
}

const show = (value: unknown) => (typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : typeof value);

function invalid(message: string): SwitchboardError {
  return new SwitchboardError("invalid_params", message);
}

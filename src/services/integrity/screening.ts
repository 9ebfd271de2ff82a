// Screening of tool, prompt and resource template definitions (every string of the wire object: names, titles,
// descriptions, schemas with their nested descriptions, enum values, defaults and property names, annotations,
// `_meta`) and of result text, for content aimed at the model rather than the user. Pure and linear in the input;
// the rules and their ids are listed in SCREENING_RULES and docs/integrity.md.
import type { Finding, FindingSeverity, PinnedKind } from "../../core/integrity.ts";
import { plainText } from "./confusables.ts";
import { escapeText } from "./escape.ts";
import { screenCharacters } from "./screen-characters.ts";
import {
  collectReferences,
  noCandidates,
  type ReferenceCandidates,
  resolveReferences,
  type ScreeningContext,
  screenName,
} from "./screen-names.ts";
import { screenPhrases } from "./screen-phrases.ts";

export type { ScreeningContext } from "./screen-names.ts";

/** A definition yields at most this many findings (one per rule and field); the rest adds nothing for review. */
export const MAX_FINDINGS = 100;

export interface ScreeningRule {
  id: string;
  severity: FindingSeverity;
  catches: string;
}

/** Every rule, with its default severity (`text.padding` is low when nothing follows the padding). */
export const SCREENING_RULES: readonly ScreeningRule[] = [
  { id: "char.control", severity: "high", catches: "C0 controls other than tab and line breaks, DEL, C1 controls" },
  { id: "char.ansi-escape", severity: "high", catches: "terminal escape sequences (CSI, OSC, DCS, 8-bit CSI/OSC)" },
  { id: "unicode.bidi", severity: "high", catches: "bidi embeddings, overrides and isolates; LRM/RLM/ALM in names" },
  {
    id: "unicode.invisible",
    severity: "high",
    catches: "zero-width and invisible characters, variation selector runs",
  },
  { id: "unicode.tag-block", severity: "critical", catches: "Unicode tag characters (U+E0000–U+E007F): hidden ASCII" },
  { id: "name.confusable", severity: "high", catches: "a name that looks like another server's tool name" },
  { id: "name.shadowing", severity: "medium", catches: "a name equal to another server's tool name (or but for case)" },
  { id: "name.mixed-script", severity: "high", catches: "a name mixing Latin, Cyrillic or Greek letters" },
  { id: "instruction.override", severity: "high", catches: "telling the model to ignore its instructions" },
  {
    id: "instruction.address",
    severity: "high",
    catches: "speaking to the model: 'Note to the AI', 'Assistant, please'",
  },
  { id: "instruction.tag", severity: "high", catches: "hidden-instruction tags: <IMPORTANT>, <system>, [INST]" },
  { id: "instruction.conceal", severity: "high", catches: "keeping something from the user" },
  {
    id: "instruction.consent",
    severity: "high",
    catches: "claiming the user's consent: 'the user has already approved'",
  },
  { id: "instruction.precondition", severity: "high", catches: "use conditioned on reading or sending data, threats" },
  { id: "instruction.preference", severity: "high", catches: "'always call this tool first', 'never use other tools'" },
  {
    id: "instruction.sensitive-file",
    severity: "high",
    catches: "credentials and private files: ~/.ssh, id_rsa, mcp.json",
  },
  { id: "instruction.exfiltration", severity: "high", catches: "passing file contents or redirecting recipients" },
  { id: "instruction.urgency", severity: "high", catches: "pressure on the model: 'this is VERY important'" },
  { id: "reference.cross-server", severity: "medium", catches: "naming another server's tools or another server" },
  { id: "text.padding", severity: "medium", catches: "more than 50 whitespace characters followed by text" },
  { id: "text.encoded-blob", severity: "low", catches: "base64 (60+) or hex (80+) runs in a definition" },
];

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}["${escapeText(key, 60).replace(/["\\]/g, "\\$&")}"]`;
}

/** Whether the string at `path` is a name (stricter character rules): the item's name, a prompt argument's name. */
const isNamePath = (path: string) => path === "name" || /^arguments\[\d+\]\.name$/.test(path);

interface Walk {
  findings: Finding[];
  references: ReferenceCandidates;
}

function screenString(walk: Walk, text: string, field: string, name: boolean, key: boolean): void {
  const plain = text.length >= 5 ? plainText(text) : text;
  if (!name && !key) collectReferences(text, plain, field, walk.references);
  const found = [...screenCharacters(text, field, name), ...screenPhrases(text, plain, field, true)];
  for (const finding of found) {
    walk.findings.push(key ? { ...finding, message: `property name: ${finding.message}` } : finding);
  }
}

/** Every string of `item` (values and property names), iteratively: deep schemas cannot exhaust the stack. */
function walkStrings(walk: Walk, item: Record<string, unknown>): void {
  const stack: { value: unknown; path: string }[] = [{ value: item, path: "" }];
  const seen = new Set<object>();
  while (stack.length > 0 && walk.findings.length < MAX_FINDINGS) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === "string") {
      screenString(walk, value, path, isNamePath(path), false);
    } else if (value !== null && typeof value === "object" && !seen.has(value)) {
      seen.add(value);
      const entries: [string | number, unknown][] = Array.isArray(value)
        ? value.map((v, i) => [i, v])
        : Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string | number, unknown];
        const childAt = childPath(path, key);
        if (typeof key === "string") screenString(walk, key, childAt, true, true);
        stack.push({ value: child, path: childAt });
      }
    }
  }
}

/** Findings of one definition as the server sent it, in the context of the other servers' tools. */
export function screenDefinition(
  kind: PinnedKind,
  item: Record<string, unknown>,
  context: ScreeningContext,
): Finding[] {
  const name = typeof item.name === "string" ? item.name : "";
  const walk: Walk = { findings: [], references: noCandidates() };
  if (kind === "tool" && name !== "") walk.findings.push(...screenName(name, "name", context));
  else if (name !== "") walk.findings.push(...screenName(name, "name", { ...context, otherServers: [] }));
  walkStrings(walk, item);
  walk.findings.push(...resolveReferences(walk.references, context, name));
  return walk.findings.slice(0, MAX_FINDINGS);
}

/** Whether a text has anything the character rules look for (anything but printable ASCII, tab and line breaks). */
export function hasUnusualCharacters(text: string): boolean {
  return NOT_PLAIN_TEXT.test(text);
}
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const NOT_PLAIN_TEXT = /[^\u0020-\u007e\u0009\u000a\u000d]/;

/** Findings of result text under the character rules only (hidden, control and escape characters). */
export function screenTextCharacters(text: string, field: string): Finding[] {
  return screenCharacters(text, field, false).slice(0, MAX_FINDINGS);
}

/** Findings of result text: the character and phrase rules (no blobs, no rules across servers). */
export function screenText(text: string, field: string): Finding[] {
  const found = [...screenCharacters(text, field, false), ...screenPhrases(text, plainText(text), field, false)];
  return found.slice(0, MAX_FINDINGS);
}

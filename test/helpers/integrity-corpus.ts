// The labelled screening corpus (test/corpus/integrity/) and its scoring, shared by the corpus test and
// `npm run bench:screening`: each definition is screened in a gateway holding every benign server, and findings are
// judged under the default screening policy.
import { readdirSync, readFileSync } from "node:fs";
import { DEFAULT_SCREENING, type Finding, findingAction } from "../../src/core/integrity.ts";
import { type ScreeningContext, screenDefinition } from "../../src/services/integrity/screening.ts";

export interface LabelledItem {
  id: string;
  server: string;
  kind: "tool";
  definition: Record<string, unknown>;
  /** Absent for benign definitions. */
  class?: string;
  expect?: string[];
}

/** The rules whose firing counts for each hostile class (for precision). */
export const CLASS_RULES: Readonly<Record<string, (rule: string) => boolean>> = {
  "control-chars": (rule) => rule === "char.control",
  ansi: (rule) => rule === "char.ansi-escape",
  bidi: (rule) => rule === "unicode.bidi",
  invisible: (rule) => rule === "unicode.invisible",
  "tag-block": (rule) => rule === "unicode.tag-block",
  instruction: (rule) => rule.startsWith("instruction."),
  shadowing: (rule) => rule.startsWith("name."),
  "cross-server": (rule) => rule === "reference.cross-server",
};

export const CORPUS_DIR = new URL("../corpus/integrity/", import.meta.url);

function readJsonl(name: string): LabelledItem[] {
  return readFileSync(new URL(name, CORPUS_DIR), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LabelledItem);
}

/** Benign and hostile (development) items; `heldout` holds wordings the rules were never changed for. */
export function loadCorpus(): { benign: LabelledItem[]; hostile: LabelledItem[]; heldout: LabelledItem[] } {
  const files = readdirSync(CORPUS_DIR).filter((name) => name.endsWith(".jsonl"));
  const read = (prefix: string) => files.filter((name) => name.startsWith(prefix)).flatMap(readJsonl);
  return { benign: read("benign-"), hostile: read("hostile-"), heldout: read("heldout-") };
}

export interface Screened {
  item: LabelledItem;
  findings: Finding[];
  quarantined: boolean;
}

/** Screens every item as a server of a gateway holding all benign servers. */
export function screenCorpus(benign: readonly LabelledItem[], items: readonly LabelledItem[]): Screened[] {
  const byServer = new Map<string, string[]>();
  for (const item of benign)
    byServer.set(item.server, [...(byServer.get(item.server) ?? []), String(item.definition.name)]);
  const servers = [...byServer].map(([server, names]) => ({ server, names }));
  const contexts = new Map<string, ScreeningContext>();
  const contextOf = (server: string): ScreeningContext => {
    let context = contexts.get(server);
    if (!context) {
      context = { server, otherServers: servers.filter((s) => s.server !== server), names: byServer.get(server) ?? [] };
      contexts.set(server, context);
    }
    return context;
  };
  return items.map((item) => {
    const findings = screenDefinition(item.kind, item.definition, contextOf(item.server));
    const quarantined = findings.some((f) => findingAction(f, DEFAULT_SCREENING) === "quarantine");
    return { item, findings, quarantined };
  });
}

export interface ClassScore {
  class: string;
  items: number;
  /** Items on which every expected rule fired. */
  caught: number;
  recall: number;
  /** Items the default policy holds for review. */
  quarantined: number;
  /** Of all corpus items on which a rule of this class fired, the share labelled to expect it. */
  precision: number;
  missed: string[];
}

export interface CorpusScore {
  classes: ClassScore[];
  benign: { items: number; quarantined: string[]; flagged: string[]; flaggedRules: Record<string, number> };
}

export function scoreCorpus(benign: readonly Screened[], hostile: readonly Screened[]): CorpusScore {
  const all = [...benign, ...hostile];
  const classes = Object.entries(CLASS_RULES).map(([cls, inClass]): ClassScore => {
    const mine = hostile.filter((s) => s.item.class === cls);
    const missed = mine.filter((s) => !(s.item.expect ?? []).every((rule) => s.findings.some((f) => f.rule === rule)));
    const fired = all.filter((s) => s.findings.some((f) => inClass(f.rule)));
    const rightly = fired.filter((s) => (s.item.expect ?? []).some(inClass));
    return {
      class: cls,
      items: mine.length,
      caught: mine.length - missed.length,
      recall: mine.length === 0 ? 0 : (mine.length - missed.length) / mine.length,
      quarantined: mine.filter((s) => s.quarantined).length,
      precision: fired.length === 0 ? 1 : rightly.length / fired.length,
      missed: missed.map((s) => s.item.id),
    };
  });
  const flaggedRules: Record<string, number> = {};
  const flagged = benign.filter((s) => !s.quarantined && s.findings.length > 0);
  for (const s of flagged) for (const f of s.findings) flaggedRules[f.rule] = (flaggedRules[f.rule] ?? 0) + 1;
  return {
    classes,
    benign: {
      items: benign.length,
      quarantined: benign.filter((s) => s.quarantined).map((s) => s.item.id),
      flagged: flagged.map((s) => s.item.id),
      flaggedRules,
    },
  };
}

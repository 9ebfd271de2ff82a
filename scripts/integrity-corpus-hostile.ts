// Hostile variants of benign tool definitions for the screening corpus: each class hides or smuggles content in a
// different way, at different places of the definition (description, parameter description, enum value, default,
// property name, title, name). Each item names the rule ids that must fire on it. The payloads are in
// integrity-corpus-characters.ts and integrity-corpus-instructions.ts.
import { ANSI, BIDI, CONTROLS, INVISIBLE, type Place, TAG_BLOCK, type Variant } from "./integrity-corpus-characters.ts";
import { CROSS_SERVER_TEMPLATES, HELDOUT_INSTRUCTIONS, INSTRUCTION } from "./integrity-corpus-instructions.ts";

export interface CorpusItem {
  id: string;
  server: string;
  kind: "tool";
  definition: Record<string, unknown>;
}

export const HOSTILE_CLASSES = [
  "control-chars",
  "ansi",
  "bidi",
  "invisible",
  "tag-block",
  "instruction",
  "shadowing",
  "cross-server",
] as const;
export type HostileClass = (typeof HOSTILE_CLASSES)[number];

export interface HostileItem extends CorpusItem {
  class: HostileClass;
  expect: string[];
  derivedFrom: string;
}

type Json = Record<string, unknown>;

const clone = (value: Json): Json => structuredClone(value);
const DISTINCTIVE = /^(?=.{5,})(?:.*[_.-].*|.*[a-z][A-Z].*)$/;

/** The first parameter of a schema (created when the tool has none). */
function firstParameter(definition: Json): Json {
  const schema = (definition.inputSchema ?? {}) as Json;
  definition.inputSchema = schema;
  const properties = (schema.properties ?? {}) as Json;
  schema.properties = properties;
  const name = Object.keys(properties)[0];
  if (name !== undefined) return properties[name] as Json;
  properties.query = { type: "string", description: "What to look for." };
  return properties.query as Json;
}

/** `definition` with `payload` put at `place`. */
function put(definition: Json, payload: string, place: Place): Json {
  const d = clone(definition);
  const description = String(d.description ?? "");
  if (place === "description") d.description = `${description} ${payload}`;
  else if (place === "prefix") d.description = `${payload} ${description}`;
  else if (place === "middle") {
    const cut = description.indexOf(" ", Math.floor(description.length / 2));
    d.description =
      cut < 0 ? `${description} ${payload}` : `${description.slice(0, cut)} ${payload}${description.slice(cut)}`;
  } else if (place === "parameter") {
    const parameter = firstParameter(d);
    const before = String(parameter.description ?? "");
    parameter.description = before === "" ? payload : `${before} ${payload}`;
  } else if (place === "enum") {
    const parameter = firstParameter(d);
    parameter.enum = ["default", payload];
  } else if (place === "default") firstParameter(d).default = payload;
  else if (place === "title") d.annotations = { ...((d.annotations as Json) ?? {}), title: `Tool${payload}` };
  else if (place === "name") d.name = `${String(d.name)}${payload}`;
  else if (place === "key") {
    const properties = ((d.inputSchema as Json).properties ?? {}) as Json;
    properties[payload] = { type: "string", description: "Required." };
  }
  return d;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Name transformations of the shadowing class: look-alike letters, full-width, same name, other spelling. */
const CYRILLIC: Record<string, string> = { a: "а", e: "е", o: "о", p: "р", c: "с", x: "х", y: "у", i: "і", s: "ѕ" };
const GREEK: Record<string, string> = { o: "ο", a: "α", i: "ι", v: "ν", t: "τ", k: "κ" };

function swapFirst(name: string, table: Record<string, string>, count: number): string | undefined {
  let out = name;
  let done = 0;
  for (let i = 0; i < out.length && done < count; i++) {
    const swap = table[out[i] as string];
    if (swap) {
      out = out.slice(0, i) + swap + out.slice(i + 1);
      done++;
    }
  }
  return done === count ? out : undefined;
}

const fullWidth = (name: string) => name.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const mathBold = (name: string) =>
  name.replace(/[a-z]/g, (c) => String.fromCodePoint(0x1d41a + c.charCodeAt(0) - 0x61));
const camel = (name: string) => name.replace(/[_-]([a-z])/g, (_, c: string) => c.toUpperCase());

const SHADOWING: { transform: (name: string) => string | undefined; expect: string[] }[] = [
  { transform: (n) => swapFirst(n, CYRILLIC, 1), expect: ["name.confusable", "name.mixed-script"] },
  { transform: (n) => swapFirst(n, GREEK, 1), expect: ["name.confusable", "name.mixed-script"] },
  { transform: (n) => swapFirst(n, CYRILLIC, 2), expect: ["name.confusable", "name.mixed-script"] },
  { transform: fullWidth, expect: ["name.confusable"] },
  { transform: (n) => n, expect: ["name.shadowing"] },
  { transform: (n) => (camel(n) !== n ? camel(n) : undefined), expect: ["name.shadowing"] },
  { transform: (n) => (/[a-z]/.test(n) ? mathBold(n) : undefined), expect: ["name.confusable"] },
  {
    transform: (n) => swapFirst(n.toUpperCase(), { A: "А", E: "Е", O: "О", P: "Р", C: "С", T: "Т" }, 1),
    expect: ["name.confusable", "name.mixed-script"],
  },
];

const TOKEN = /[A-Za-z0-9_][A-Za-z0-9_.-]*/g;
const isEnglish = (text: string) => /^[\x20-\x7e\n]+$/.test(text) && text.length >= 30 && text.length <= 600;

function sourcesOf(benign: readonly CorpusItem[]): CorpusItem[] {
  const distinctive = new Map<string, Set<string>>();
  const servers = new Map<string, Set<string>>();
  for (const item of benign) {
    const name = String(item.definition.name);
    servers.set(name, (servers.get(name) ?? new Set()).add(item.server));
    if (DISTINCTIVE.test(name)) distinctive.set(name, (distinctive.get(name) ?? new Set()).add(item.server));
  }
  // Sources have a name of their own and mention no other server's tool, so a variant fires only the rules of
  // its class.
  return benign.filter((item) => {
    const description = String(item.definition.description ?? "");
    if (!item.id.startsWith("livemcpbench:") || !isEnglish(description)) return false;
    if ((servers.get(String(item.definition.name))?.size ?? 0) > 1) return false;
    return [...description.matchAll(TOKEN)].every(([token]) => {
      const servers = distinctive.get(token.replace(/[.-]+$/, ""));
      return !servers || servers.has(item.server);
    });
  });
}

/** Whether a definition (any of its strings) names a distinctive tool other than itself (a copy would refer to it). */
function mentionsTools(item: CorpusItem, names: ReadonlySet<string>): boolean {
  const own = String(item.definition.name);
  const text = JSON.stringify(item.definition);
  return [...text.matchAll(TOKEN)].some(([token]) => token !== own && names.has(token.replace(/[.-]+$/, "")));
}

function variant(
  cls: HostileClass,
  index: number,
  source: CorpusItem,
  definition: Json,
  expect: string[],
): HostileItem {
  return {
    id: `${cls}-${String(index + 1).padStart(2, "0")}`,
    class: cls,
    expect,
    derivedFrom: source.id,
    server: source.server,
    kind: "tool",
    definition,
  };
}

/** All hostile variants, derived from `benign`. */
export function hostileVariants(benign: readonly CorpusItem[]): HostileItem[] {
  const sources = sourcesOf(benign);
  // One random sequence per class: adding variants to one class leaves the others' files unchanged.
  let next = random(17);
  const source = () => sources[Math.floor(next() * sources.length)] as CorpusItem;
  const items: HostileItem[] = [];
  const distinctiveNames = new Set(
    benign.map((item) => String(item.definition.name)).filter((n) => DISTINCTIVE.test(n)),
  );
  const simple: [HostileClass, Variant[], string][] = [
    ["control-chars", CONTROLS, "char.control"],
    ["ansi", ANSI, "char.ansi-escape"],
    ["bidi", BIDI, "unicode.bidi"],
    ["invisible", INVISIBLE, "unicode.invisible"],
    ["tag-block", TAG_BLOCK, "unicode.tag-block"],
    ["instruction", INSTRUCTION, ""],
  ];
  for (const [cls, variants, rule] of simple) {
    next = random(17 + HOSTILE_CLASSES.indexOf(cls));
    variants.forEach((v, i) => {
      const from = source();
      items.push(variant(cls, i, from, put(from.definition, v.payload, v.place), v.expect ?? [rule]));
    });
  }
  next = random(17 + HOSTILE_CLASSES.indexOf("shadowing"));
  for (let i = 0; items.filter((item) => item.class === "shadowing").length < 24; i++) {
    const from = source();
    const shadow = SHADOWING[i % SHADOWING.length] as (typeof SHADOWING)[number];
    const name = shadow.transform(String(from.definition.name));
    if (name === undefined || mentionsTools(from, distinctiveNames)) continue;
    const n = items.filter((item) => item.class === "shadowing").length;
    // A look-alike whose description names the original tool refers to the imitated server's tool.
    const original = String(from.definition.name);
    const namesOriginal =
      DISTINCTIVE.test(original) &&
      name !== original &&
      mentionsTools({ ...from, definition: { ...from.definition, name } }, new Set([original]));
    const expect = namesOriginal ? [...shadow.expect, "reference.cross-server"] : shadow.expect;
    const item = variant("shadowing", n, from, { ...clone(from.definition), name }, expect);
    items.push({ ...item, server: `${from.server} Plus` });
  }
  next = random(17 + HOSTILE_CLASSES.indexOf("cross-server"));
  for (let i = 0; i < 24; i++) {
    const from = source();
    const others = benign.filter(
      (item) =>
        item.server !== from.server && item.server !== "metatool" && DISTINCTIVE.test(String(item.definition.name)),
    );
    const target = others[Math.floor(next() * others.length)] as CorpusItem;
    const template = CROSS_SERVER_TEMPLATES[i % CROSS_SERVER_TEMPLATES.length] as string;
    const text = template.replace("{tool}", String(target.definition.name)).replace("{server}", target.server);
    const place: Place = i % 3 === 2 ? "parameter" : "description";
    items.push(variant("cross-server", i, from, put(from.definition, text, place), ["reference.cross-server"]));
  }
  return items;
}

/** The held-out instruction wordings, each put into the description of a benign tool (no expected rules). */
export function heldoutVariants(benign: readonly CorpusItem[]): HostileItem[] {
  const sources = sourcesOf(benign);
  const next = random(303);
  return HELDOUT_INSTRUCTIONS.map((payload, i) => {
    const from = sources[Math.floor(next() * sources.length)] as CorpusItem;
    return {
      ...variant("instruction", i, from, put(from.definition, payload, "description"), []),
      id: `heldout-${i + 1}`,
    };
  });
}

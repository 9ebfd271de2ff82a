// A strict parser of the Prometheus text exposition format (0.0.4) for tests: every sample line must belong to
// a family announced by # HELP and # TYPE, label values are unescaped, values are numbers (+Inf, NaN allowed).
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "") continue;
    const fail = (why: string) => new Error(`line ${i + 1}: ${why}: ${line}`);
    if (line.startsWith("# HELP ")) {
      const [, name = "", help = ""] = /^# HELP (\S+) ?(.*)$/.exec(line) ?? [];
      if (families.has(name)) throw fail("family announced twice");
      current = { name, help, type: "untyped", samples: [] };
      families.set(name, current);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, name, type = ""] = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line) ?? [];
      if (!current || current.name !== name) throw fail("TYPE without its HELP");
      current.type = type;
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw fail("not a sample");
    const [, name = "", , body = "", raw = ""] = match;
    if (!current || !belongsTo(name, current)) throw fail(`sample outside its family (${current?.name})`);
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    if (Number.isNaN(value) && !/^nan$/i.test(raw)) throw fail("bad value");
    current.samples.push({ name, labels: parseLabels(body, fail), value });
  }
  return families;
}

function belongsTo(sample: string, family: Family): boolean {
  if (sample === family.name) return true;
  const suffixes =
    family.type === "histogram" ? ["_bucket", "_sum", "_count"] : family.type === "summary" ? ["_sum", "_count"] : [];
  return suffixes.some((suffix) => sample === family.name + suffix);
}

function parseLabels(body: string, fail: (why: string) => Error): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < body.length) {
    const match = LABEL.exec(body);
    if (!match) throw fail("bad labels");
    const [, key = "", value = ""] = match;
    labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

/** Samples of a metric whose labels include all of `where`. */
export function samples(families: Map<string, Family>, name: string, where: Record<string, string> = {}): Sample[] {
  const familyName = name.replace(/_(bucket|sum|count)$/, "");
  const family = families.get(name) ?? families.get(familyName);
  return (family?.samples ?? []).filter(
    (s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v),
  );
}

/** The one sample's value (undefined when absent); throws when several match. */
export function value(
  families: Map<string, Family>,
  name: string,
  where: Record<string, string> = {},
): number | undefined {
  const found = samples(families, name, where);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(where)}`);
  return found[0]?.value;
}

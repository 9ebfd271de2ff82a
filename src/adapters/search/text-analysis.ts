// Turns tool names, descriptions and queries into index terms: identifiers are split on case changes,
// underscores, dashes, dots and digits (`getStockPrice_v2` → get, stock, price, v2), words are lowercased,
// English stop words dropped and the rest Porter-stemmed; Han, Kana and Hangul text becomes character bigrams.
import { stemmer } from "stemmer";

// Function words, plus words every tool description and task shares ("use", "tool", "please").
const STOP_WORDS = new Set(
  (
    "a about above after again against all also am an and any are as at be because been before being below between " +
    "both but by can could did do does doing down during each few for from further had has have having he her here " +
    "hers herself him himself his how i if in into is it its itself just let me more most my myself no nor not now " +
    "of off on once only or other our ours ourselves out over own please same she should so some such than that the " +
    "their theirs them themselves then there these they this those through to too under until up very via was we " +
    "were what when where which while who whom why will with would you your yours yourself yourselves " +
    "tool tools use using used"
  ).split(" "),
);

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;
const WORDS =
  /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+|[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+[a-z]*|[\p{L}\p{N}]+/gu;

const stems = new Map<string, string>();

function stem(word: string): string {
  let out = stems.get(word);
  if (out === undefined) {
    out = stemmer(word);
    if (stems.size < 100_000) stems.set(word, out);
  }
  return out;
}

// A file path in a request means the task reads or writes a file of that format: the path's directories and
// name say little about which tool is needed, "file" and the format do.
const PATH =
  /(?:~|\.{1,2})?(?:\/[\w.@-]+)+\/?|[A-Za-z]:\\[\w\\. -]+|\b[\w-]+\.(?:md|txt|pdf|docx?|xlsx?|pptx?|csv|json|html?|png|jpe?g|gif|svg|mp3|wav|mp4)\b/g;
const FORMATS: Readonly<Record<string, string>> = {
  md: "markdown",
  txt: "text",
  pdf: "pdf",
  doc: "word document",
  docx: "word document",
  xls: "excel spreadsheet",
  xlsx: "excel spreadsheet",
  ppt: "powerpoint presentation",
  pptx: "powerpoint presentation",
  csv: "csv",
  json: "json",
  htm: "html",
  html: "html",
  png: "image",
  jpg: "image",
  jpeg: "image",
  gif: "image",
  svg: "svg image",
  mp3: "audio",
  wav: "audio",
  mp4: "video",
};

/** A request's terms: like analyze, with file paths read as "file" plus their format. */
export function analyzeQuery(text: string): string[] {
  const rewritten = text.replace(PATH, (match) => {
    const path = match.replace(/[.]+$/, "");
    const extension = /\.([A-Za-z0-9]{1,5})$/.exec(path)?.[1]?.toLowerCase();
    const format = extension ? FORMATS[extension] : undefined;
    return ` file ${format ?? (extension ? extension : "directory")} `;
  });
  return analyze(rewritten);
}

/** The index terms of a text, in order, repeats kept (term frequency counts them). */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.matchAll(WORDS)) {
    const word = match[0];
    if (CJK.test(word)) {
      if (word.length === 1) terms.push(word);
      for (let i = 0; i + 1 < word.length; i++) terms.push(word.slice(i, i + 2));
      continue;
    }
    const lower = word.toLowerCase();
    if (lower.length < 2 && !/[0-9]/.test(lower)) continue;
    if (STOP_WORDS.has(lower)) continue;
    terms.push(stem(lower));
  }
  return terms;
}

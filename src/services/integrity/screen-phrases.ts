// Phrase rules of screening: text aimed at the model rather than the user (instructions to ignore the prompt, hidden
// instruction tags, secrecy towards the user, preconditions that read or send data, sensitive files, exfiltration,
// urgency), whitespace padding that pushes text out of view, and long encoded blobs. Every pattern is a literal
// start followed by bounded gaps, so matching stays linear in the text (tuned on the benign corpus, docs/integrity.md).
import type { Finding, FindingSeverity } from "../../core/integrity.ts";
import { escapeText } from "./escape.ts";

interface PhraseRule {
  rule: string;
  severity: FindingSeverity;
  what: string;
  patterns: readonly RegExp[];
}

// Patterns run on plainText(): lowercase, single spaces, look-alike letters folded, invisibles removed.
/** A bounded gap within one sentence: a dot, `!` or `?` ends the sentence unless a word follows it (`config.json`). */
const gap = (max: number) => `(?:[^.!?]|[.!?](?=\\w)){0,${max}}?`;
const NOT_USER = "(?:user|users|human|operator|anyone)";
const DENY = "(?:do not|don't|dont|never|without|must not|should not|shouldn't|avoid|no need to)";
const REVEAL =
  "(?:tell|telling|mention|mentioning|inform|informing|reveal|revealing|notify|notifying|alert|alerting|disclose|disclosing)";

export const PHRASE_RULES: readonly PhraseRule[] = [
  {
    rule: "instruction.override",
    severity: "high",
    what: "tells the model to drop its instructions",
    patterns: [
      /\b(?:ignore|disregard|forget)(?: (?:all|any|every|the|your|of|these|those|my|its))* (?:previous|prior|above|earlier|preceding|former|system|original|safety|other|existing) (?:instructions?|prompts?|rules|directions|guidelines|guardrails|restrictions)\b/,
      /\b(?:ignore|disregard|forget) (?:all|any|your) (?:instructions?|prompts?|rules|guidelines)\b/,
      /\bfrom now on,? (?:you|the assistant|the model|the ai)\b/,
      /\b(?:new|updated|real|actual) (?:system )?instructions ?:/,
      /\b(?:reveal|print|output|repeat|leak) (?:your|the) (?:system prompt|initial prompt|hidden instructions)\b/,
    ],
  },
  {
    rule: "instruction.tag",
    severity: "high",
    what: "hidden-instruction tag",
    patterns: [
      /<\/?(?:important|system|instructions?|hidden|secret|admin|sudo|override|critical|priority|system[-_ ]?prompt|ai[-_ ]?instructions?|assistant[-_ ]?instructions?)(?: [^<>]{0,40})?>/,
      /\[(?:system|inst|important|hidden instructions?)\]|<\|im_start\|>|<<sys>>/,
    ],
  },
  {
    rule: "instruction.conceal",
    severity: "high",
    what: "keeps something from the user",
    patterns: [
      new RegExp(`\\b${DENY} (?:[a-z']+ ){0,3}?${REVEAL}\\b${gap(60)}\\b(?:the |this |to the )?${NOT_USER}\\b`),
      new RegExp(`\\b(?:keep|hide) (?:this|it|these instructions|that) (?:secret|hidden|from the ${NOT_USER})\\b`),
      new RegExp(
        `\\bthe ${NOT_USER} (?:must|should|need|needs to|does) not (?:know|see|notice|be told|be informed)\\b`,
      ),
      /\b(?:could|would|might|will) (?:even )?(?:upset|scare|alarm|worry) the user\b/,
      /\bmere implementation detail\b/,
    ],
  },
  {
    rule: "instruction.precondition",
    severity: "high",
    what: "makes the tool's use depend on reading or sending data",
    patterns: [
      new RegExp(
        `\\bbefore (?:using|calling|invoking|running|executing) (?:this|the|any)(?: [a-z_]+)? tool\\b${gap(40)}\\b(?:read|send|pass|upload|forward|include|copy|cat|email|post|exfiltrate|attach)\\b`,
      ),
      /\byou (?:must|should|have to|need to) always (?:call|invoke|use|run|execute)\b/,
      /\b(?:always|must) (?:call|invoke|use|run) this tool (?:first|before (?:any|every|all)|instead of)\b/,
      new RegExp(
        `\\b(?:otherwise|or else|if you don't|if you do not)\\b${gap(80)}\\b(?:will not work|won't work|will crash|will be blocked|data will be lost)\\b`,
      ),
      // Threats only in the future tense: "logs the output when the server crashes" is ordinary documentation.
      /\b(?:system|application|app|tool|server) (?:will|would) crash\b|\bavoid (?:this )?at all costs\b/,
    ],
  },
  {
    rule: "instruction.sensitive-file",
    severity: "high",
    what: "refers to credentials or private files",
    patterns: [
      /(?:~|\$home|%userprofile%)\/\.(?:ssh|aws|gnupg|kube|docker|cursor|config\/gcloud|netrc|npmrc|pypirc|git-credentials)\b/,
      /(?:\b|_)id_(?:rsa|dsa|ecdsa|ed25519)(?:\b|_)|\.ssh\/|\.aws\/credentials|\/etc\/(?:passwd|shadow)\b|\bwallet\.dat\b/,
      /\.git-credentials\b|\.bash_history\b|\.zsh_history\b/,
      // Client configurations hold every server's credentials; tools that install servers name them too, so
      // only reading or passing their content counts.
      new RegExp(
        `\\b(?:read|contents?|cat|copy|send|pass|include|upload)\\b${gap(40)}\\b(?:mcp|claude_desktop_config|mcp_config)\\.json\\b`,
      ),
      new RegExp(`(?:^|[\\s'"\`(/])\\.env\\b${gap(60)}\\b(?:content|contents|read|send|pass|include|upload)\\b`),
      new RegExp(`\\b(?:content|contents|read|send|pass|include|upload|cat)\\b${gap(40)}(?:^|[\\s'"\`(/])\\.env\\b`),
    ],
  },
  {
    rule: "instruction.exfiltration",
    severity: "high",
    what: "sends data somewhere the user did not ask for",
    patterns: [
      /\bpass (?:its|their|the file's|the|this|that) (?:full )?(?:content|contents|text|value)s? (?:as|in|into)\b/,
      new RegExp(
        `\\b(?:content|contents) of ${gap(60)}\\b(?:as|in|into) (?:the )?['"\`]?[a-z_]+['"\`]? (?:parameter|argument|param|field)\\b`,
      ),
      /\b(?:change|replace|redirect|set) the (?:recipient|destination|receiver|phone number|email address|to address)s? to\b/,
      new RegExp(
        `\\b(?:send|forward|redirect|bcc|cc|copy) (?:all|every|each|any|a copy of)\\b${gap(60)}\\bto [a-z0-9._%+-]+@[a-z0-9-]+\\.[a-z]`,
      ),
      new RegExp(
        `\\b(?:api keys?|tokens?|passwords?|credentials|secrets?|private keys?|cookies)\\b${gap(40)}\\b(?:send|upload|post|forward|exfiltrate)\\b${gap(40)}\\bhttps?://`,
      ),
    ],
  },
  {
    rule: "instruction.urgency",
    severity: "high",
    what: "pressure aimed at the model",
    patterns: [
      /\b(?:this is|it is|it's) (?:very |extremely |really |super |absolutely |critically )+important\b/,
      /\bvery,? very\b(?:,? very)* important\b/,
      /\b(?:extremely|critically|vitally) important\b[^.]{0,30}\b(?:you|the (?:assistant|model|ai))\b/,
    ],
  },
];

const EXCERPT_BEFORE = 20;

function phraseFindings(plain: string, field: string): Finding[] {
  const findings: Finding[] = [];
  for (const { rule, severity, what, patterns } of PHRASE_RULES) {
    for (const pattern of patterns) {
      const match = pattern.exec(plain);
      if (!match) continue;
      const start = Math.max(0, match.index - EXCERPT_BEFORE);
      const excerpt = plain.slice(start, match.index + match[0].length + 20);
      findings.push({ rule, severity, field, message: `${what}: "${escapeText(excerpt, 100)}"` });
      break;
    }
  }
  return findings;
}

const PADDING = /[ \t\r\n\u00a0\u2000-\u200a\u3000]{51,}/g;
const NON_SPACE = /\S/;
const BASE64 = /[A-Za-z0-9+/]{60,}={0,2}/g;
const HEX = /[0-9a-fA-F]{80,}/g;

/** Runs of more than 50 whitespace characters: medium when text follows (it may be pushed out of view), else low. */
function paddingFindings(text: string, field: string): Finding[] {
  let trailing: { length: number; index: number } | undefined;
  for (const match of text.matchAll(PADDING)) {
    const end = match.index + match[0].length;
    const after = text.slice(end, end + 40);
    if (NON_SPACE.test(after)) {
      const message = `${match[0].length} whitespace characters at ${match.index} push the text after them out of view: "${escapeText(after, 40)}"`;
      return [{ rule: "text.padding", severity: "medium", field, message }];
    }
    trailing ??= { length: match[0].length, index: match.index };
  }
  if (!trailing) return [];
  const message = `${trailing.length} whitespace characters at ${trailing.index}`;
  return [{ rule: "text.padding", severity: "low", field, message }];
}

/** Long base64 (mixed case and digits) or hex runs: content a reader cannot check. */
function blobFindings(text: string, field: string): Finding[] {
  for (const match of text.matchAll(BASE64)) {
    const blob = match[0];
    if (!/[a-z]/.test(blob) || !/[A-Z]/.test(blob) || !/[0-9]/.test(blob)) continue;
    return [blobFinding(field, "base64", blob.length, match.index)];
  }
  const hex = HEX.exec(text);
  HEX.lastIndex = 0;
  return hex ? [blobFinding(field, "hex", hex[0].length, hex.index)] : [];
}

function blobFinding(field: string, kind: string, length: number, index: number): Finding {
  return { rule: "text.encoded-blob", severity: "low", field, message: `${length}-character ${kind} blob at ${index}` };
}

/** Phrase, padding and (for definitions) blob findings of one string; `plain` is its plainText() form. */
export function screenPhrases(text: string, plain: string, field: string, blobs: boolean): Finding[] {
  if (text.length < 8) return [];
  return [
    ...phraseFindings(plain, field),
    ...paddingFindings(text, field),
    ...(blobs ? blobFindings(text, field) : []),
  ];
}

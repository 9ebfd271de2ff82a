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
const NOT_USER = "(?:the |this |to the |to )?(?:user|users|human|operator|anyone|them)";
const DENY = "(?:do not|don't|dont|never|without|must not|should not|shouldn't|avoid|no need to)";
const REVEAL =
  "(?:tell|telling|mention|mentioning|inform|informing|reveal|revealing|notify|notifying|alert|alerting|disclose|disclosing)";
const MODEL = "(?:ai|assistant|model|llm|agent|claude|chatgpt|gpt)";
const INSTRUCTIONS =
  "(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|guardrails|restrictions|constraints|polic(?:y|ies)|requests?)";
const EARLIER = "(?:previous|prior|above|earlier|preceding|former|original|old|initial|existing|system|safety|other)";
const STEALTHY = "(?:secretly|quietly|silently|covertly|discreetly|stealthily|surreptitiously)";
const TAKE =
  "(?:include|append|add|send|forward|copy|upload|attach|call|invoke|insert|embed|save|record|log|collect|read|pass)";
const HOME = "(?:~|\\$home|%userprofile%|/home/[a-z0-9._-]+|/users/[a-z0-9._-]+|/root)";
const SECRET_DIRS =
  "(?:ssh|aws|gnupg|kube|docker|cursor|azure|password-store|config/gcloud|config/gh|netrc|npmrc|pypirc|git-credentials)";
const READ_VERBS = "(?:read|open|cat|copy|paste|send|pass|include|upload|attach|extract|export|contents?)";

const ASKS = "(?:requests?|quer(?:y|ies)|questions?|tasks?|prompts?)\\b";
const UNSCOPED =
  "(?! (?:about|on|related|regarding|concerning|involving|that|which|in|with|for|where|when|of|to|from|like)\\b)";

export const PHRASE_RULES: readonly PhraseRule[] = [
  {
    rule: "instruction.override",
    severity: "high",
    what: "tells the model to drop or replace its instructions",
    patterns: [
      new RegExp(
        `\\b(?:ignore|disregard|forget|overlook|set aside)(?: (?:all|any|every|the|your|of|these|those|my|its|${EARLIER}))* ${INSTRUCTIONS}\\b`,
      ),
      /\b(?:ignore|disregard|forget) (?:everything|anything|all) (?:you (?:were|have been) told|above|before|else)\b/,
      new RegExp(
        `\\b(?:previous|prior|earlier|old|above|original) ${INSTRUCTIONS} (?:is |are |was |were |have been |has been )?(?:now )?(?:outdated|obsolete|void|cancell?ed|revoked|superseded|no longer (?:apply|applies|valid|in effect))\\b`,
      ),
      /\byour (?:instructions|rules|task|guidelines|orders) (?:have|has) changed\b|\byour (?:real|actual|true|new) (?:task|goal|instructions|objective|purpose|job)\b/,
      /\b(?:follow|obey) (?:only (?:what|the instructions|these|this)|(?:these|the following|my) (?:steps|instructions|rules|directions) instead)\b/,
      /\byou are now (?:in (?:[a-z]+ )?mode|a |an |acting|operating|free|unrestricted|jailbroken)/,
      /\bsystem override\b|\btreat (?:the|this) (?:text|description|message|content)(?: below| above)? as (?:a |the )?(?:system|developer|admin|authoritative)\b/,
      /\bpretend (?:that )?you\b/,
      /\bfrom now on,? (?:you|the assistant|the model|the ai)\b/,
      /\b(?:new|updated|real|actual) (?:system )?instructions ?:/,
      /\b(?:reveal|print|output|repeat|leak) (?:your|the) (?:system prompt|initial prompt|hidden instructions)\b/,
    ],
  },
  {
    rule: "instruction.address",
    severity: "high",
    what: "speaks to the model directly",
    patterns: [
      new RegExp(`\\b(?:note|message|attention|reminder) (?:to|for) (?:the |all |any )?${MODEL}s?\\b`),
      new RegExp(`(?:^|[.!?;] )(?:dear |hey |hi )?${MODEL}s?, (?:please|you|do|don't|never|always|ignore|make)\\b`),
      /\bwhen you (?:see|read|process|encounter) this\b/,
      new RegExp(`\\b${MODEL}s?(?: agents?)? (?:reading|seeing|processing) this\\b|\\bfor the ${MODEL} only\\b`),
    ],
  },
  {
    rule: "instruction.tag",
    severity: "high",
    what: "hidden-instruction tag",
    patterns: [
      /<\/?(?:important|system|sys|instructions?|hidden|secret|admin|sudo|override|critical|priority|system[-_ ]?prompt|ai[-_ ]?instructions?|assistant[-_ ]?instructions?)(?: [^<>]{0,40})?>/,
      /\[(?:system|inst|important|hidden instructions?)\]|<\|im_start\|>|<<sys>>|\{\{ ?(?:system|instructions?|important) ?\}\}/,
      new RegExp(`<!--${gap(80)}\\b(?:${MODEL}|instructions?|system|ignore)\\b`),
    ],
  },
  {
    rule: "instruction.conceal",
    severity: "high",
    what: "keeps something from the user",
    patterns: [
      new RegExp(`\\b${DENY} (?:[a-z']+ ){0,3}?${REVEAL}\\b${gap(60)}\\b${NOT_USER}\\b`),
      new RegExp(`\\b(?:do not|don't|dont|never) let ${NOT_USER} (?:know|see|find out|notice)\\b`),
      new RegExp(`\\b(?:keep|hide) (?:this|it|these instructions|that) (?:secret|hidden|from ${NOT_USER})\\b`),
      /\bthe (?:user|users|human|operator) (?:must|should|need|needs to|does) not (?:know|see|notice|be told|be informed)\b/,
      new RegExp(`\\b${STEALTHY} (?:[a-z']+ ){0,2}?${TAKE}\\b`),
      /\b(?:could|would|might|will) (?:even )?(?:upset|scare|alarm|worry) the user\b/,
      /\b(?:respond|reply|answer) (?:to the user )?normally\b/,
      /\bmere implementation detail\b/,
    ],
  },
  {
    rule: "instruction.consent",
    severity: "high",
    what: "claims the user's consent",
    patterns: [
      // An assertion, not a condition: "if the user has approved the draft, send it" is ordinary.
      /(?<!\b(?:if|once|when|after|unless|whether|until) )\bthe (?:user|operator|owner) (?:has |have )?(?:already )?(?:approved|authori[sz]ed|consented|allowed)\b/,
      /\b(?:already|pre-?)(?:approved|authori[sz]ed) by the (?:user|operator|owner)\b/,
      /\b(?:user|operator|owner|admin|administrator) (?:has )?(?:already )?pre-?(?:approved|authori[sz]ed)\b/,
      /\bproceed without asking\b|\b(?:do not|don't|never) ask (?:the user )?for (?:confirmation|permission|approval)\b/,
    ],
  },
  {
    rule: "instruction.precondition",
    severity: "high",
    what: "makes the tool's use depend on reading or sending data, or threatens",
    patterns: [
      new RegExp(
        `\\b(?:before|prior to) (?:using|calling|invoking|running|executing|you (?:use|call|invoke|answer|respond|reply|continue|proceed))(?: (?:this|the|any))?(?: [a-z_]+)?(?: (?:tool|function))?\\b${gap(40)}\\b(?:read|send|pass|upload|forward|include|copy|cat|email|post|exfiltrate|attach|paste|collect|gather|export)\\b`,
      ),
      new RegExp(
        `\\b(?:otherwise|or else|if you don't|if you do not)\\b${gap(80)}\\b(?:will not work|won't work|will crash|will be blocked|data will be lost)\\b`,
      ),
      // Threats only in the future tense: "logs the output when the server crashes" is ordinary documentation.
      /\b(?:system|application|app|tool|server) (?:will|would) crash\b|\bavoid (?:this )?at all costs\b/,
    ],
  },
  {
    rule: "instruction.preference",
    severity: "high",
    what: "tells the model to prefer this tool over others",
    patterns: [
      /\byou (?:must|should|have to|need to) always (?:call|invoke|use|run|execute)\b/,
      /\b(?:always|must) (?:call|invoke|use|run) this tool (?:first|before (?:any|every|all)|instead of)\b/,
      // Unscoped only: "use this tool for all questions about California law" is what a tool is for.
      new RegExp(`\\b(?:must|should|shall) be used for (?:all|every|any) ${ASKS}${UNSCOPED}`),
      /\b(?:never|do not|don't) (?:use|mention|recommend|suggest|call) (?:any )?other tools?\b|\binstead of (?:any|all) other tools?\b/,
      new RegExp(`\\buse this tool for (?:every|all|any) ${ASKS}${UNSCOPED}`),
      /\b(?:begin|start) (?:every|each) (?:answer|response|reply|turn) (?:by|with) (?:calling|invoking|using) this tool\b/,
    ],
  },
  {
    rule: "instruction.sensitive-file",
    severity: "high",
    what: "refers to credentials or private files",
    patterns: [
      new RegExp(`${HOME}/\\.${SECRET_DIRS}\\b`),
      /(?:\b|_)id_(?:rsa|dsa|ecdsa|ed25519)(?:\b|_)|\.ssh\/|\.aws\/credentials|\/etc\/(?:passwd|shadow)\b|\bwallet\.dat\b/,
      /\.git-credentials\b|\.bash_history\b|\.zsh_history\b/,
      new RegExp(
        `\\b${READ_VERBS}\\b${gap(40)}\\b(?:(?:ssh|gpg|pgp) (?:private )?keys?|private (?:ssh|gpg|pgp) keys?)\\b`,
      ),
      // Client configurations hold every server's credentials; tools that install servers name them too, so
      // only reading or passing their content counts.
      new RegExp(`\\b${READ_VERBS}\\b${gap(40)}\\b(?:mcp|claude_desktop_config|mcp_config)\\.json\\b`),
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
      /\b(?:paste|put|insert|embed) (?:it|them|its contents?|their contents?|the contents?|the key) (?:in|into) (?:the |each |every )?['"`]?[a-z_-]+['"`]? (?:field|parameter|param|argument)\b/,
      /\b(?:change|replace|redirect|set) the (?:recipient|destination|receiver|phone number|email address|to address)s? to\b/,
      new RegExp(
        `\\b(?:send|forward|redirect|bcc|cc|copy) (?:all|every|each|any|a copy of)\\b${gap(60)}\\bto [a-z0-9._%+-]+@[a-z0-9-]+\\.[a-z]`,
      ),
      /\b(?:route|redirect|send|transfer) (?:every|all|each) (?:outgoing )?(?:payments?|transfers?|funds|money|transactions?) to\b/,
      /\b(?:with|as|in|into) the (?:complete|full|entire|whole) (?:chat|conversation) (?:transcript|history|log)\b/,
      new RegExp(
        `\\b(?:whenever|when|after|each time) (?:another|any other|other|a different) tools?\\b${gap(60)}\\b(?:copy|send|forward|post|upload|mirror)\\b`,
      ),
      new RegExp(
        `\\b(?:append|add|attach|include)\\b the user's (?:[a-z]+ ){0,3}?(?:name|email|address|location|phone|password|history|messages|files|credentials)\\b${gap(30)}\\b(?:to|in|into) (?:each|every|all) (?:quer(?:y|ies)|requests?|calls?|messages?)\\b`,
      ),
      /\b(?:embed|insert|append|smuggle|hide) (?:their |the user's |your |all |any )?(?:passwords?|credentials|api keys?|tokens?|secrets?|cookies|private keys?)\b/,
      /\b(?:email|send|post|upload|forward|transmit|leak|mail) (?:a |the |an )?(?:full |complete |short )?(?:summary|copy|transcript|contents?|history|log|dump) of (?:the |this |our |your |their |all )?(?:conversation|chat|messages|session|discussion)\b/,
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

// Secret detection on tool calls: every string value of a tools/call params object (before the call is sent) or of
// a result (on its way back) is scanned, and the message passes unchanged, passes with each secret replaced by
// `[REDACTED:<rule>]`, or is refused with the rule ids (never the secret). docs/integrity.md, "Secret detection".
import type { SecretAction, SecretScanSettings } from "../../core/integrity.ts";
import type { SecretFinding, SecretScanner } from "../../ports/secret-scanner.ts";

/**
 * UTF-8 bytes of string values scanned per message: 1 MiB, which secretlint's preset scans in 25-35 ms on one core
 * (`npm run bench:secrets`), 30-190 ms on a busy one. With `redact`, strings past it pass unscanned and are counted
 * in `unscannedBytes`; with `block`, a message past it is refused (SCAN_TOO_LARGE).
 */
export const DEFAULT_MAX_SCAN_BYTES = 1_048_576;

/**
 * The rule of a `block` verdict on a message with more text than the bound: what was not scanned may hold a
 * secret, and `block` lets nothing through that it has not checked. The message is refused without being scanned.
 */
export const SCAN_TOO_LARGE = "scan.too-large";

export interface SecretGuardOptions {
  scanner: SecretScanner;
  /** UTF-8 bytes of string values scanned per message, in document order. Default 1 MiB. */
  maxScanBytes?: number;
}

/** What one message's scan covered: the bytes scanned and those past the bound, and how many secrets were found. */
export interface SecretScanStats {
  scannedBytes: number;
  unscannedBytes: number;
  findings: number;
}

/**
 * The guard's decision on one message:
 * - `clean`: nothing found (or the action is `off`); `value` is the message itself;
 * - `redacted`: a copy of the message with each secret replaced, structure kept;
 * - `blocked`: the message must not go on; `rules` and `fields` say what was found where, never the value. With
 *   `block`, a message with more text than the bound is blocked unscanned: rules `[SCAN_TOO_LARGE]`, and `fields`
 *   the strings that reach past the bound.
 */
export type SecretVerdict<T> =
  | { outcome: "clean"; value: T; scan: SecretScanStats }
  | { outcome: "redacted"; value: T; rules: string[]; fields: string[]; scan: SecretScanStats }
  | { outcome: "blocked"; rules: string[]; fields: string[]; scan: SecretScanStats };

export interface SecretGuard {
  /** Scans a message's string values and applies `action` to what is found. */
  inspect<T>(message: T, action: SecretAction): Promise<SecretVerdict<T>>;
  /** The params of a tools/call request, before it is sent upstream (settings.arguments). */
  checkArguments<T>(params: T, settings: SecretScanSettings): Promise<SecretVerdict<T>>;
  /** A tools/call result, before it is returned to the client (settings.results). */
  checkResult<T>(result: T, settings: SecretScanSettings): Promise<SecretVerdict<T>>;
}

type Path = readonly (string | number)[];

/** One string value of the message: where it is and how much of it is scanned. */
interface Leaf {
  step: Step | undefined;
  value: string;
  /** UTF-16 code units scanned (a prefix when the bound falls inside the string). */
  scannedLength: number;
  /** Offset of the scanned prefix in the joined text. */
  offset: number;
}

// Between two values in the joined text: no rule's pattern spans a NUL, so a secret cannot be stitched together
// from the end of one value and the start of the next.
const SEPARATOR = "\n\u0000\n";

/**
 * Binary payloads in base64 (image and audio content, blob resources) are not text a secret is written in: they
 * are skipped rather than spent against the bound.
 */
function isBinaryField(parent: Record<string, unknown>, key: string): boolean {
  if (key === "data") return parent.type === "image" || parent.type === "audio";
  return key === "blob" && typeof parent.uri === "string";
}

/** Fields a too-large verdict names at most (each is spelt out from its chain: bounded, like the findings). */
const MAX_CUT_FIELDS = 100;

/**
 * Where a value is, as a chain to its parent: shared by siblings, so walking a message nested d deep costs O(d),
 * not O(d²) (a hostile server's deeply nested result must not stall the gateway); spelt out only for a finding.
 */
interface Step {
  key: string | number;
  parent: Step | undefined;
}

function pathOf(step: Step | undefined): Path {
  const path: (string | number)[] = [];
  for (let at = step; at; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** Every string value in document order, with where it is (object keys are not scanned). */
function stringLeaves(message: unknown): { step: Step | undefined; value: string }[] {
  const leaves: { step: Step | undefined; value: string }[] = [];
  const stack: { node: unknown; step: Step | undefined }[] = [{ node: message, step: undefined }];
  while (stack.length > 0) {
    const { node, step } = stack.pop() as { node: unknown; step: Step | undefined };
    if (typeof node === "string") leaves.push({ step, value: node });
    else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], step: { key: i, parent: step } });
    } else if (node !== null && typeof node === "object") {
      const entries = Object.entries(node as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        if (!isBinaryField(node as Record<string, unknown>, key))
          stack.push({ node: child, step: { key, parent: step } });
      }
    }
  }
  return leaves;
}

/** Lays the leaves out in one text, scanning at most `maxBytes` UTF-8 bytes of them. */
function layOut(found: { step: Step | undefined; value: string }[], maxBytes: number) {
  const encoder = new TextEncoder();
  const leaves: Leaf[] = [];
  const parts: string[] = [];
  let remaining = maxBytes;
  let offset = 0;
  let scannedBytes = 0;
  let unscannedBytes = 0;
  /** Where the strings that reach past the bound are, in part or whole. */
  const cut: (Step | undefined)[] = [];
  for (const { step, value } of found) {
    const bytes = Buffer.byteLength(value, "utf8");
    let scannedLength = value.length;
    let scanned = bytes;
    if (bytes > remaining) {
      // encodeInto stops before a character that does not fit, so the prefix never splits one.
      const { read, written } = encoder.encodeInto(value, new Uint8Array(remaining));
      scannedLength = read;
      scanned = written;
    }
    remaining -= scanned;
    scannedBytes += scanned;
    unscannedBytes += bytes - scanned;
    if (scanned < bytes) cut.push(step);
    if (scannedLength === 0) continue;
    leaves.push({ step, value, scannedLength, offset });
    parts.push(value.slice(0, scannedLength));
    offset += scannedLength + SEPARATOR.length;
  }
  return { leaves, text: parts.join(SEPARATOR), scannedBytes, unscannedBytes, cut };
}

interface LeafHit {
  leaf: Leaf;
  rule: string;
  start: number;
  end: number;
}

/** Each finding as ranges within the leaves it covers (a finding never spans a separator, but is clipped anyway). */
function locate(leaves: readonly Leaf[], findings: readonly SecretFinding[]): LeafHit[] {
  const hits: LeafHit[] = [];
  for (const finding of findings) {
    for (const leaf of leaves) {
      if (leaf.offset >= finding.end) break;
      const start = Math.max(finding.start, leaf.offset) - leaf.offset;
      const end = Math.min(finding.end, leaf.offset + leaf.scannedLength) - leaf.offset;
      if (start < end) hits.push({ leaf, rule: finding.rule, start, end });
    }
  }
  return hits;
}

/** The value with each hit replaced by `[REDACTED:<rule>]`; overlapping hits merge under the first one's rule. */
function redactString(value: string, hits: readonly LeafHit[]): string {
  const sorted = [...hits].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let at = 0;
  for (const hit of sorted) {
    if (hit.end <= at) continue;
    if (hit.start >= at) {
      out += `${value.slice(at, hit.start)}[REDACTED:${hit.rule}]`;
    }
    at = hit.end;
  }
  return out + value.slice(at);
}

function setAt(root: unknown, path: Path, value: string): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
}

/** `content[0].text`, `structuredContent.user.token`: where a secret was, for logs and the block verdict. */
function fieldName(path: Path): string {
  return path.reduce<string>(
    (name, key) => (typeof key === "number" ? `${name}[${key}]` : name ? `${name}.${key}` : key),
    "",
  );
}

export function createSecretGuard(options: SecretGuardOptions): SecretGuard {
  const maxBytes = options.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES;

  async function inspect<T>(message: T, action: SecretAction): Promise<SecretVerdict<T>> {
    if (action === "off")
      return { outcome: "clean", value: message, scan: { scannedBytes: 0, unscannedBytes: 0, findings: 0 } };
    const { leaves, text, scannedBytes, unscannedBytes, cut } = layOut(stringLeaves(message), maxBytes);
    // Fail closed: `block` refuses what it could not scan whole, without spending a scan on the rest.
    if (action === "block" && unscannedBytes > 0) {
      const scan = { scannedBytes: 0, unscannedBytes: scannedBytes + unscannedBytes, findings: 0 };
      return {
        outcome: "blocked",
        rules: [SCAN_TOO_LARGE],
        fields: cut.slice(0, MAX_CUT_FIELDS).map((step) => fieldName(pathOf(step))),
        scan,
      };
    }
    const { findings } = text.length > 0 ? await options.scanner.scan(text) : { findings: [] };
    const hits = locate(leaves, findings);
    const scan = { scannedBytes, unscannedBytes, findings: findings.length };
    if (hits.length === 0) return { outcome: "clean", value: message, scan };
    const rules = [...new Set(hits.map((hit) => hit.rule))].sort();
    const byLeaf = new Map<Leaf, LeafHit[]>();
    for (const hit of hits) byLeaf.set(hit.leaf, [...(byLeaf.get(hit.leaf) ?? []), hit]);
    const fields = [...byLeaf.keys()].map((leaf) => fieldName(pathOf(leaf.step)));
    if (action === "block") return { outcome: "blocked", rules, fields, scan };
    let copy = structuredClone(message);
    for (const [leaf, leafHits] of byLeaf) {
      const redacted = redactString(leaf.value, leafHits);
      if (!leaf.step) copy = redacted as T;
      else setAt(copy, pathOf(leaf.step), redacted);
    }
    return { outcome: "redacted", value: copy, rules, fields, scan };
  }

  return {
    inspect,
    checkArguments: (params, settings) => inspect(params, settings.arguments),
    checkResult: (result, settings) => inspect(result, settings.results),
  };
}

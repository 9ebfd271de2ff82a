// `switchboard tools pending|diff|approve|reject`: review of definitions the integrity gate holds back, in the
// store the configuration names (without starting anything; a running gateway picks decisions up within
// seconds) or through a running gateway's admin API (--url).
import { userInfo } from "node:os";
import { openCommandReview } from "../../app/index.ts";
import { isSwitchboardError, SwitchboardError } from "../../core/errors.ts";
import type { PinnedKind } from "../../core/integrity.ts";
import type { Pin } from "../../ports/pin-store.ts";
import type { FieldChange } from "../../services/integrity/definition-diff.ts";
import { escapeText } from "../../services/integrity/escape.ts";
import type { ItemDiff } from "../../services/integrity/tool-review.ts";
import { type ItemRef, parseItemRef } from "../../services/integrity/tool-review.ts";
import { type CliArgs, UsageError } from "./args.ts";
import { EXIT_FAILURE } from "./commands.ts";
import { loadCliConfig } from "./config-source.ts";
import { out } from "./output.ts";
import { adminRequest, authHint } from "./remote-auth.ts";
import { formatTable } from "./table.ts";

type Decided = { decided: Pin[]; skipped: { key: { server: string; kind: string; key: string }; reason: string }[] };

interface ReviewClient {
  pending(filter: { server?: string; all?: boolean }): Promise<(Pin & { offered?: boolean })[]>;
  diff(ref: ItemRef): Promise<ItemDiff>;
  decide(
    target: { refs: ItemRef[] } | { server: string },
    decision: "approve" | "reject",
    hash?: string,
  ): Promise<Decided>;
  close(): Promise<void>;
}

export const REVIEW_ACTIONS = ["pending", "diff", "approve", "reject"] as const;

export async function toolsReview(args: CliArgs, action: (typeof REVIEW_ACTIONS)[number]): Promise<number> {
  const names = args.positionals.slice(2);
  const kind = (args.kind ?? "tool") as PinnedKind;
  let refs: ItemRef[];
  try {
    refs = names.map((name) => parseItemRef(name, kind));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (action === "diff" && refs.length !== 1) throw new UsageError("tools diff needs one SERVER/NAME");
  if ((action === "approve" || action === "reject") && refs.length === 0 && !args.server)
    throw new UsageError(`tools ${action} needs SERVER/NAME... or --server NAME (every held item of a server)`);
  if ((action === "approve" || action === "reject") && refs.length > 0 && args.server)
    throw new UsageError(`tools ${action}: give items or --server, not both`);
  const client = await openClient(args);
  try {
    if (action === "pending") {
      printPending(await client.pending({ ...(args.server ? { server: args.server } : {}), all: args.all }), args.json);
      return 0;
    }
    if (action === "diff") {
      printDiff(await client.diff(refs[0] as ItemRef), args.json);
      return 0;
    }
    const target = args.server ? { server: args.server } : { refs };
    const result = await client.decide(target, action, args.hash);
    printDecided(result, action, args.json);
    return result.skipped.length > 0 ? EXIT_FAILURE : 0;
  } catch (error) {
    if (isSwitchboardError(error, "invalid_params")) throw new UsageError(error.message);
    throw error;
  } finally {
    await client.close();
  }
}

async function openClient(args: CliArgs): Promise<ReviewClient> {
  const url = args.url ?? process.env.SWITCHBOARD_URL;
  if (url) return remoteClient(url);
  const config = loadCliConfig(args);
  const { review, close } = await openCommandReview(config);
  // Without a gateway there is no authenticated principal: the operating-system user decides.
  const by = `cli:${userInfo().username}`;
  return {
    pending: (filter) => review.pending(filter),
    diff: (ref) => review.diff(ref),
    decide: (target, decision, hash) => review.decide(target, decision, by, hash),
    close,
  };
}

function remoteClient(base: string): ReviewClient {
  const adminCall = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const { status, answer } = await adminRequest(base, method, path, body);
    if (status < 300) return answer;
    const message = String(answer.message ?? `HTTP ${status}`);
    const code = (answer.error as { code?: string } | undefined)?.code;
    if (status === 400 && code === "invalid_params") throw new UsageError(message);
    throw new SwitchboardError("upstream_unavailable", `the gateway answered ${status}: ${message}${authHint(status)}`);
  };
  const query = (params: Record<string, string | undefined>) => {
    const search = new URLSearchParams(
      Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ).toString();
    return search ? `?${search}` : "";
  };
  return {
    pending: async (filter) =>
      (
        (await adminCall(
          "GET",
          `/tools/pending${query({ server: filter.server, all: filter.all ? "1" : undefined })}`,
        )) as unknown as { items: Pin[] }
      ).items,
    diff: async (ref) =>
      (await adminCall(
        "GET",
        `/tools/diff${query({ item: `${ref.server}/${ref.name}`, kind: ref.kind })}`,
      )) as unknown as ItemDiff,
    decide: async (target, decision, hash) => {
      const body =
        "server" in target
          ? { server: target.server }
          : { items: target.refs.map((r) => `${r.server}/${r.name}`), kind: target.refs[0]?.kind, hash };
      return (await adminCall("POST", `/tools/${decision}`, body)) as unknown as Decided;
    },
    close: async () => {},
  };
}

function printPending(items: readonly (Pin & { offered?: boolean })[], json: boolean): void {
  if (json) {
    out(JSON.stringify(items));
    return;
  }
  if (items.length === 0) {
    out("nothing waits for review");
    return;
  }
  const rows = items.map((p) => [
    itemName(p.server, p.key),
    p.kind,
    p.state,
    p.findings.map((f) => f.rule).join(",") || "-",
    p.offered === false ? "no" : "yes",
    p.decidedBy || "-",
    p.updatedAt,
  ]);
  out(formatTable(["ITEM", "KIND", "STATE", "FINDINGS", "OFFERED", "DECIDED BY", "UPDATED"], rows));
  out(
    "Review one with `switchboard tools diff SERVER/NAME`; decide with `switchboard tools approve|reject SERVER/NAME`.",
  );
}

function printDiff(diff: ItemDiff, json: boolean): void {
  if (json) {
    out(JSON.stringify(diff));
    return;
  }
  const item = diff.item;
  out(`${item.kind} ${itemName(item.server, item.key)}: ${item.state}`);
  if (item.pinnedHash) out(`  approved: sha256:${item.pinnedHash}${item.decidedBy ? ` (by ${item.decidedBy})` : ""}`);
  if (item.candidateHash) out(`  waiting:  sha256:${item.candidateHash}`);
  if (!item.pinnedHash && item.candidateDefinition) {
    out("  never approved; its definition:");
    for (const line of JSON.stringify(item.candidateDefinition, null, 2).split("\n"))
      out(`    ${escapeText(line, Number.POSITIVE_INFINITY)}`);
  }
  section("definition", diff.definition);
  section("server identity", diff.identity);
  if (item.findings.length > 0) {
    out("  screening findings:");
    for (const f of item.findings)
      out(`    ${f.severity.padEnd(8)} ${f.rule}  ${escapeText(f.field, 200)}: ${f.message}`);
  }
}

function section(title: string, changes: readonly FieldChange[]): void {
  if (changes.length === 0) return;
  out(`  ${title} changes:`);
  for (const c of changes) {
    if (c.change === "added") out(`    + ${escapeText(c.path, 200)}: ${show(c.after)}`);
    else if (c.change === "removed") out(`    - ${escapeText(c.path, 200)}: ${show(c.before)}`);
    else {
      out(`    ~ ${escapeText(c.path, 200)}:`);
      out(`        was: ${show(c.before)}`);
      out(`        now: ${show(c.after)}`);
    }
  }
}

/**
 * A value on one line: JSON, so strings show their quotes and escapes, with every character a terminal hides or
 * reorders (which JSON leaves as it is) written `U+XXXX`, as in screening findings.
 */
function show(value: unknown): string {
  return escapeText(JSON.stringify(value) ?? String(value), Number.POSITIVE_INFINITY);
}

function printDecided(result: Decided, action: "approve" | "reject", json: boolean): void {
  if (json) {
    out(JSON.stringify(result));
    return;
  }
  const verb = action === "approve" ? "approved" : "rejected";
  if (result.decided.length === 0 && result.skipped.length === 0) out(`nothing to ${action}`);
  for (const pin of result.decided) {
    const hash = action === "approve" ? pin.pinnedHash : pin.candidateHash;
    out(`${verb} ${pin.kind} ${itemName(pin.server, pin.key)} (sha256:${hash})`);
  }
  for (const s of result.skipped) out(`not ${verb}: ${itemName(s.key.server, s.key.key)}: ${s.reason}`);
}

/**
 * An item as `server/name` on one line: a name is the server's choice, and a line break, bidi override or invisible
 * character in it must not forge a line of the output or hide what the operator reads (written `U+XXXX`).
 */
function itemName(server: string, name: string): string {
  return `${server}/${escapeText(name, 200)}`;
}

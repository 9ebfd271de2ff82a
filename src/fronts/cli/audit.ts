// `switchboard audit`: the audit log, newest first, from a running gateway (--url) or straight from the store
// the configuration names (SQLite file or PostgreSQL), without starting anything.
import { commandLogger, openAuditLog } from "../../app/index.ts";
import { SwitchboardError } from "../../core/errors.ts";
import type { AuditRecord } from "../../ports/audit-log.ts";
import { auditQuery } from "../http/admin-state.ts";
import { type CliArgs, UsageError } from "./args.ts";
import { loadCliConfig } from "./config-source.ts";
import { err, out } from "./output.ts";
import { authHint, remoteHeaders } from "./remote-auth.ts";
import { formatTable } from "./table.ts";

export async function audit(args: CliArgs): Promise<number> {
  const params = new URLSearchParams();
  if (args.server) params.set("server", args.server);
  if (args.tool) params.set("tool", args.tool);
  if (args.principal) params.set("principal", args.principal);
  if (args.since) params.set("since", args.since);
  if (args.action) params.set("action", args.action);
  if (args.limit) params.set("limit", args.limit);
  let query: ReturnType<typeof auditQuery>;
  try {
    query = auditQuery(params);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const url = args.url ?? process.env.SWITCHBOARD_URL;
  const { records, servers } = url ? await remote(url, params, args.server) : await local(args, query);
  if (args.server && !servers.includes(args.server)) {
    // A typo must not read as "nothing happened"; records of a server removed since are still shown.
    const known = `servers: ${servers.join(", ") || "none"}`;
    if (records.length === 0) throw new UsageError(`no server named "${args.server}" is configured (${known})`);
    err(`switchboard: "${args.server}" is not configured now (${known}); its recorded calls follow`);
  }
  if (args.json) out(JSON.stringify(records));
  else out(table(records));
  return 0;
}

/** The records, and the names of the servers the gateway knows (asked only when --server needs checking). */
interface AuditAnswer {
  records: AuditRecord[];
  servers: string[];
}

async function remote(base: string, params: URLSearchParams, server: string | undefined): Promise<AuditAnswer> {
  const target = new URL("/audit", base);
  target.search = params.toString();
  const body = (await getJson(base, target)) as { records?: AuditRecord[] };
  const servers = server ? ((await getJson(base, new URL("/servers", base))) as { name: string }[]) : [];
  return { records: body.records ?? [], servers: servers.map((s) => s.name) };
}

async function getJson(base: string, target: URL): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(target, { headers: remoteHeaders() });
  } catch (error) {
    throw new SwitchboardError(
      "upstream_unavailable",
      `cannot reach the gateway at ${base}: ${(error as Error).cause ?? error}`,
    );
  }
  const body = (await response.json()) as { message?: string };
  if (!response.ok)
    throw new SwitchboardError("internal", (body.message ?? `HTTP ${response.status}`) + authHint(response.status));
  return body;
}

async function local(args: CliArgs, query: ReturnType<typeof auditQuery>): Promise<AuditAnswer> {
  const config = loadCliConfig(args);
  const log = await openAuditLog(config.gateway, commandLogger("error"));
  try {
    return { records: await log.query(query), servers: config.servers.map((s) => s.name) };
  } finally {
    await log.close();
  }
}

/** A review decision shows its action as the outcome; the DETAIL column appears when a record has one. */
function table(records: readonly AuditRecord[]): string {
  const details = records.some((r) => typeof r.detail === "string");
  const header = ["TIME", "PRINCIPAL", "SERVER", "TOOL", "OUTCOME", "MS", "CORRELATION ID", "ARGS HASH"];
  const rows = records.map((r) => [
    r.time,
    r.principal ?? "-",
    r.server || "-",
    r.tool,
    outcome(r),
    String(Math.round(r.durationMs)),
    r.correlationId,
    r.argumentsHash.slice(0, 12) || "-",
    ...(details ? [r.detail ?? "-"] : []),
  ]);
  if (details) header.push("DETAIL");
  return rows.length === 0 ? "no audit records" : formatTable(header, rows);
}

function outcome(r: AuditRecord): string {
  if (r.action !== undefined && r.action !== "call") return r.outcome === "ok" ? r.action : `${r.action}:error`;
  return r.outcome === "ok" ? "ok" : `error:${r.errorKind ?? "?"}`;
}

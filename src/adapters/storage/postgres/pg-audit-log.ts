// AuditLog on PostgreSQL; may use a database of its own (its own URL), as the seeds kept mcp_logs apart.
import { randomUUID } from "node:crypto";
import type { AuditLog, AuditRecord } from "../../../ports/audit-log.ts";
import { actionOfRow, auditLimit, auditRow, normalizeTime } from "../audit-values.ts";
import { withReconnect } from "./pg-errors.ts";
import { migratePostgres } from "./pg-migrate.ts";
import { createPgPool, type PostgresOptions } from "./pg-pool.ts";
import { POSTGRES_AUDIT_MIGRATIONS } from "./pg-schema.ts";

export type PostgresAuditLogOptions = PostgresOptions;

const MAX_BATCH_ROWS = 1000;
/** append_id and the columns of auditRow. */
const COLUMNS_PER_ROW = 13;

/** Insert ids by record object: the audit recorder re-sends the very objects of a batch whose write failed. */
const appendIds = new WeakMap<AuditRecord, string>();
function appendIdOf(record: AuditRecord): string {
  let id = appendIds.get(record);
  if (id === undefined) {
    id = randomUUID();
    appendIds.set(record, id);
  }
  return id;
}

/** Connects, migrates, and returns the log; rejects with "PostgreSQL unavailable: …" if it cannot connect. */
export async function createPostgresAuditLog(options: PostgresAuditLogOptions): Promise<AuditLog> {
  const pool = createPgPool(options);
  try {
    await migratePostgres(pool, "audit", POSTGRES_AUDIT_MIGRATIONS);
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const appendMany = async (records: readonly AuditRecord[]) => {
    // One statement (one commit) per 1,000 rows; 13 parameters a row keeps a statement far below PostgreSQL's
    // 65,535-parameter limit. Each record object keeps its id across calls, so appending the same records again
    // after an unknown outcome (a lost commit reply) cannot store them twice.
    for (let start = 0; start < records.length; start += MAX_BATCH_ROWS) {
      const batch = records.slice(start, start + MAX_BATCH_ROWS);
      const values: unknown[] = [];
      const tuples = batch.map((record) => {
        const first = values.length;
        values.push(appendIdOf(record), ...auditRow(record));
        return `(${Array.from({ length: COLUMNS_PER_ROW }, (_, i) => `$${first + i + 1}`).join(", ")})`;
      });
      await withReconnect(() =>
        pool.query(
          `INSERT INTO switchboard_mcp_logs (append_id, time, principal, server, tool, arguments_hash,
               definition_hash, outcome, error_kind, duration_ms, correlation_id, action, detail)
             VALUES ${tuples.join(", ")} ON CONFLICT (append_id) DO NOTHING`,
          values,
        ),
      );
    }
  };
  return {
    append: (record) => appendMany([record]),
    appendMany,
    async ping() {
      await withReconnect(() => pool.query("SELECT 1"));
    },
    async query(query) {
      const where: string[] = [];
      const values: unknown[] = [];
      if (query.server !== undefined) where.push(`server = $${values.push(query.server)}`);
      if (query.tool !== undefined) where.push(`tool = $${values.push(query.tool)}`);
      if (query.principal !== undefined) where.push(`principal = $${values.push(query.principal)}`);
      if (query.since !== undefined) where.push(`time >= $${values.push(normalizeTime(query.since, "since"))}`);
      // Calls are stored with a NULL action (see the audit migrations).
      if (query.action === "call") where.push("action IS NULL");
      else if (query.action !== undefined) where.push(`action = $${values.push(query.action)}`);
      const condition = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
      const limit = `$${values.push(auditLimit(query))}`;
      const { rows } = await withReconnect(() =>
        pool.query(
          `SELECT * FROM switchboard_mcp_logs ${condition} ORDER BY time DESC, id DESC LIMIT ${limit}`,
          values,
        ),
      );
      return rows.map(toRecord);
    },
    async prune(olderThan) {
      const cutoff = normalizeTime(olderThan, "olderThan");
      const result = await withReconnect(() =>
        pool.query("DELETE FROM switchboard_mcp_logs WHERE time < $1", [cutoff]),
      );
      return result.rowCount ?? 0;
    },
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}

function toRecord(row: Record<string, unknown>): AuditRecord {
  return {
    time: (row.time as Date).toISOString(),
    principal: (row.principal as string | null) ?? null,
    server: String(row.server),
    tool: String(row.tool),
    argumentsHash: String(row.arguments_hash),
    definitionHash: (row.definition_hash as string | null) ?? null,
    outcome: row.outcome === "error" ? "error" : "ok",
    errorKind: (row.error_kind as string | null) ?? null,
    durationMs: Number(row.duration_ms),
    correlationId: String(row.correlation_id),
    action: actionOfRow(row.action),
    detail: (row.detail as string | null) ?? null,
  };
}

// AuditLog on PostgreSQL; may use a database of its own (its own URL), as the seeds kept mcp_logs apart.
import { randomUUID } from "node:crypto";
import type { AuditLog, AuditRecord } from "../../../ports/audit-log.ts";
import { auditLimit, auditRow, normalizeTime } from "../audit-values.ts";
import { withReconnect } from "./pg-errors.ts";
import { migratePostgres } from "./pg-migrate.ts";
import { createPgPool, type PostgresOptions } from "./pg-pool.ts";
import { POSTGRES_AUDIT_MIGRATIONS } from "./pg-schema.ts";

export type PostgresAuditLogOptions = PostgresOptions;

const MAX_BATCH_ROWS = 1000;

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
  return {
    async append(record) {
      // The id is fixed before the first attempt, so a retry after an unknown outcome cannot insert twice.
      const values = [randomUUID(), ...auditRow(record)];
      await withReconnect(() =>
        pool.query(
          `INSERT INTO switchboard_mcp_logs (append_id, time, principal, server, tool, arguments_hash,
             definition_hash, outcome, error_kind, duration_ms, correlation_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (append_id) DO NOTHING`,
          values,
        ),
      );
    },
    async appendMany(records) {
      if (records.length === 0) return;
      // One statement (one commit) per 1,000 rows, ids fixed up front as in append so a retry cannot insert twice;
      // 11 parameters a row keeps a statement far below PostgreSQL's 65,535-parameter limit.
      for (let start = 0; start < records.length; start += MAX_BATCH_ROWS) {
        const batch = records.slice(start, start + MAX_BATCH_ROWS);
        const values: unknown[] = [];
        const tuples = batch.map((record) => {
          const first = values.length;
          values.push(randomUUID(), ...auditRow(record));
          return `(${Array.from({ length: 11 }, (_, i) => `$${first + i + 1}`).join(", ")})`;
        });
        await withReconnect(() =>
          pool.query(
            `INSERT INTO switchboard_mcp_logs (append_id, time, principal, server, tool, arguments_hash,
               definition_hash, outcome, error_kind, duration_ms, correlation_id)
             VALUES ${tuples.join(", ")} ON CONFLICT (append_id) DO NOTHING`,
            values,
          ),
        );
      }
    },
    async ping() {
      await withReconnect(() => pool.query("SELECT 1"));
    },
    async query(query) {
      const where: string[] = [];
      const values: unknown[] = [];
      if (query.server !== undefined) where.push(`server = $${values.push(query.server)}`);
      if (query.tool !== undefined) where.push(`tool = $${values.push(query.tool)}`);
      if (query.since !== undefined) where.push(`time >= $${values.push(normalizeTime(query.since, "since"))}`);
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
  };
}

// AuditLog on an embedded SQLite file (node:sqlite); may share the registry's file.
import type { AuditLog, AuditRecord } from "../../../ports/audit-log.ts";
import { actionOfRow, auditLimit, auditRow, normalizeTime } from "../audit-values.ts";
import { openMigrated } from "./migrate.ts";
import { inTransaction, type SqliteOpenOptions } from "./open-database.ts";
import { SQLITE_AUDIT_MIGRATIONS } from "./sqlite-schema.ts";

export type SqliteAuditLogOptions = SqliteOpenOptions;

const MULTI_ROW = 100;
const COLUMNS = `time, principal, server, tool, arguments_hash, definition_hash, outcome, error_kind, duration_ms,
  correlation_id, action, detail`;
const PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/**
 * Opens (creating and migrating if needed) the audit log in the SQLite file at path. Its connection commits with
 * synchronous=NORMAL unless told otherwise: the gateway writes a batch per event-loop turn on the main thread,
 * and an fsync per batch would stall every call behind it; a record still survives kill -9 of the gateway.
 */
export async function createSqliteAuditLog(path: string, options: SqliteAuditLogOptions = {}): Promise<AuditLog> {
  const db = openMigrated(path, "audit", SQLITE_AUDIT_MIGRATIONS, { synchronous: "NORMAL", ...options });
  // Prepared once: append runs on every tools/call.
  const insert = db.prepare(`INSERT INTO switchboard_mcp_logs (${COLUMNS}) VALUES ${PLACEHOLDERS}`);
  const multiRow = new Map<number, ReturnType<typeof db.prepare>>();
  const insertRows = (count: number) => {
    let statement = multiRow.get(count);
    if (!statement) {
      statement = db.prepare(
        `INSERT INTO switchboard_mcp_logs (${COLUMNS}) VALUES ${Array(count).fill(PLACEHOLDERS).join(", ")}`,
      );
      // Batches come in every size; keep the common ones.
      if (multiRow.size < 16 || count === MULTI_ROW) multiRow.set(count, statement);
    }
    return statement;
  };
  let closed = false;
  return {
    async append(record) {
      // One autocommit statement: durable (in the sense of the connection's synchronous mode) when run() returns.
      insert.run(...auditRow(record));
    },
    async appendMany(records) {
      if (records.length === 0) return;
      // One transaction (one commit) for the batch, and multi-row INSERTs of up to 100 rows: a statement per
      // row costs ~13 µs here, most of it crossing into SQLite, on the gateway's main thread.
      const rows = records.map(auditRow);
      inTransaction(db, () => {
        for (let start = 0; start < rows.length; start += MULTI_ROW) {
          const chunk = rows.slice(start, start + MULTI_ROW);
          insertRows(chunk.length).run(...chunk.flat());
        }
      });
    },
    async ping() {
      db.prepare("SELECT 1").get();
    },
    async query(query) {
      // Only the filters given go into the SQL, so SQLite can pick the (server, tool, time) or (time) index.
      const where: string[] = [];
      const values: string[] = [];
      const filter = (sql: string, value: string) => {
        where.push(sql);
        values.push(value);
      };
      if (query.server !== undefined) filter("server = ?", query.server);
      if (query.tool !== undefined) filter("tool = ?", query.tool);
      if (query.principal !== undefined) filter("principal = ?", query.principal);
      if (query.since !== undefined) filter("time >= ?", normalizeTime(query.since, "since"));
      // Calls are stored with a NULL action (see the audit migrations).
      if (query.action === "call") where.push("action IS NULL");
      else if (query.action !== undefined) filter("action = ?", query.action);
      const condition = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
      return db
        .prepare(`SELECT * FROM switchboard_mcp_logs ${condition} ORDER BY time DESC, id DESC LIMIT ?`)
        .all(...values, auditLimit(query))
        .map(toRecord);
    },
    async prune(olderThan) {
      const result = db
        .prepare("DELETE FROM switchboard_mcp_logs WHERE time < ?")
        .run(normalizeTime(olderThan, "olderThan"));
      return Number(result.changes);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

function toRecord(row: Record<string, unknown>): AuditRecord {
  return {
    time: String(row.time),
    principal: row.principal === null ? null : String(row.principal),
    server: String(row.server),
    tool: String(row.tool),
    argumentsHash: String(row.arguments_hash),
    definitionHash: row.definition_hash === null ? null : String(row.definition_hash),
    outcome: row.outcome === "error" ? "error" : "ok",
    errorKind: row.error_kind === null ? null : String(row.error_kind),
    durationMs: Number(row.duration_ms),
    correlationId: String(row.correlation_id),
    action: actionOfRow(row.action),
    detail: row.detail === null ? null : String(row.detail),
  };
}

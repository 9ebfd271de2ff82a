// ApiKeyStore on the registry's SQLite file: one row per key, holding the scrypt hash of its secret only.
import type { DatabaseSync } from "node:sqlite";
import { SwitchboardError } from "../../../core/errors.ts";
import type { ApiKeyRecord, ApiKeyStore } from "../../../ports/api-key-store.ts";

type Row = Record<string, unknown>;

const COLUMNS = "id, principal, principal_groups, hash, description, created_at, expires_at, revoked_at";

/** The store on an open, migrated connection (see sqlite-identity-store.ts); the caller closes it. */
export function createSqliteApiKeyStore(db: DatabaseSync): ApiKeyStore {
  return {
    async insertKey(record) {
      try {
        db.prepare(`INSERT INTO switchboard_api_keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
          record.id,
          record.principal,
          JSON.stringify(record.groups),
          record.hash,
          record.description,
          record.createdAt,
          record.expiresAt,
          record.revokedAt,
        );
      } catch (error) {
        if ((error as { errcode?: unknown }).errcode === SQLITE_CONSTRAINT_PRIMARYKEY) throw idTaken(record.id, error);
        throw error;
      }
    },
    async getKey(id) {
      const row = db.prepare(`SELECT ${COLUMNS} FROM switchboard_api_keys WHERE id = ?`).get(id);
      return row === undefined ? undefined : toRecord(row);
    },
    async listKeys() {
      return db.prepare(`SELECT ${COLUMNS} FROM switchboard_api_keys ORDER BY created_at, id`).all().map(toRecord);
    },
    async revokeKey(id, at) {
      const result = db
        .prepare("UPDATE switchboard_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        .run(at, id);
      return Number(result.changes) > 0;
    },
  };
}

/** SQLite's extended result code for a PRIMARY KEY violation. */
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

export function idTaken(id: string, cause: unknown): SwitchboardError {
  return new SwitchboardError("invalid_params", `an API key with id ${id} exists already`, { cause });
}

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    principal: String(row.principal),
    groups: JSON.parse(String(row.principal_groups)) as string[],
    hash: String(row.hash),
    description: row.description === null ? null : String(row.description),
    createdAt: String(row.created_at),
    expiresAt: row.expires_at === null ? null : String(row.expires_at),
    revokedAt: row.revoked_at === null ? null : String(row.revoked_at),
  };
}

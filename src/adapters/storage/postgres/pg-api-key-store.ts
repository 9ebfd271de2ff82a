// ApiKeyStore on the registry's PostgreSQL database: one row per key, holding the scrypt hash of its secret only.
import type { Pool } from "pg";
import { SwitchboardError } from "../../../core/errors.ts";
import type { ApiKeyRecord, ApiKeyStore } from "../../../ports/api-key-store.ts";
import { withReconnect } from "./pg-errors.ts";

type Row = Record<string, unknown>;

const COLUMNS = "id, principal, principal_groups, hash, description, created_at, expires_at, revoked_at";

/** The store on a pool whose database is migrated (see pg-identity-store.ts); the caller ends the pool. */
export function createPostgresApiKeyStore(pool: Pool): ApiKeyStore {
  const getKey = async (id: string) => {
    const { rows } = await withReconnect(() =>
      pool.query(`SELECT ${COLUMNS} FROM switchboard_api_keys WHERE id = $1`, [id]),
    );
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  };
  return {
    async insertKey(record) {
      // An insert retried after a lost reply finds its own row: same id and hash means it was ours.
      const { rowCount } = await withReconnect(() =>
        pool.query(
          `INSERT INTO switchboard_api_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (id) DO NOTHING`,
          [
            record.id,
            record.principal,
            record.groups,
            record.hash,
            record.description,
            record.createdAt,
            record.expiresAt,
            record.revokedAt,
          ],
        ),
      );
      if (rowCount === 1) return;
      const existing = await getKey(record.id);
      if (existing?.hash !== record.hash) {
        throw new SwitchboardError("invalid_params", `an API key with id ${record.id} exists already`);
      }
    },
    getKey,
    async listKeys() {
      const { rows } = await withReconnect(() =>
        pool.query(`SELECT ${COLUMNS} FROM switchboard_api_keys ORDER BY created_at, id`),
      );
      return rows.map(toRecord);
    },
    async revokeKey(id, at) {
      const { rowCount } = await withReconnect(() =>
        pool.query("UPDATE switchboard_api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [id, at]),
      );
      return rowCount === 1;
    },
  };
}

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: String(row.id),
    principal: String(row.principal),
    groups: (row.principal_groups as string[]).map(String),
    hash: String(row.hash),
    description: row.description === null ? null : String(row.description),
    createdAt: isoOf(row.created_at) as string,
    expiresAt: isoOf(row.expires_at),
    revokedAt: isoOf(row.revoked_at),
  };
}

/** timestamptz arrives as a Date (pg's default parser). */
function isoOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

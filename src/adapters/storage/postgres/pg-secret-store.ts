// SecretStore on the registry's PostgreSQL database: sealed values only (the box seals and opens them elsewhere).
import type { Pool } from "pg";
import type { SecretKey, SecretKind, SecretStore } from "../../../ports/secret-store.ts";
import { withReconnect } from "./pg-errors.ts";

type Row = Record<string, unknown>;

const KEY_MATCH = "kind = $1 AND server = $2 AND principal = $3 AND name = $4";

/** The store on a pool whose database is migrated (see pg-identity-store.ts); the caller ends the pool. */
export function createPostgresSecretStore(pool: Pool, now: () => number = Date.now): SecretStore {
  return {
    async putSecret(secret) {
      // An upsert: retrying one whose reply was lost writes the same value again.
      await withReconnect(() =>
        pool.query(
          `INSERT INTO switchboard_secrets (kind, server, principal, name, sealed, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (kind, server, principal, name) DO UPDATE SET sealed = excluded.sealed,
             updated_at = excluded.updated_at`,
          [...keyValues(secret), secret.sealed, new Date(now()).toISOString()],
        ),
      );
    },
    async getSecret(key) {
      const { rows } = await withReconnect(() =>
        pool.query(`SELECT * FROM switchboard_secrets WHERE ${KEY_MATCH}`, keyValues(key)),
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      return { ...toKey(row), sealed: String(row.sealed), updatedAt: (row.updated_at as Date).toISOString() };
    },
    async deleteSecret(key) {
      const { rowCount } = await withReconnect(() =>
        pool.query(`DELETE FROM switchboard_secrets WHERE ${KEY_MATCH}`, keyValues(key)),
      );
      return rowCount === 1;
    },
    async listSecrets(filter) {
      const { rows } = await withReconnect(() =>
        pool.query(
          `SELECT kind, server, principal, name FROM switchboard_secrets
           WHERE kind = $1 AND ($2::text IS NULL OR server = $2) AND ($3::text IS NULL OR principal = $3)
           ORDER BY server, principal, name`,
          [filter.kind, filter.server ?? null, filter.principal ?? null],
        ),
      );
      return rows.map(toKey);
    },
  };
}

function keyValues(key: SecretKey): [string, string, string, string] {
  return [key.kind, key.server, key.principal, key.name];
}

function toKey(row: Row): SecretKey {
  return {
    kind: String(row.kind) as SecretKind,
    server: String(row.server),
    principal: String(row.principal),
    name: String(row.name),
  };
}

// SecretStore on the registry's SQLite file: sealed values only (the box seals and opens them elsewhere).
import type { DatabaseSync } from "node:sqlite";
import type { SecretKey, SecretKind, SecretStore } from "../../../ports/secret-store.ts";

type Row = Record<string, unknown>;

const KEY_MATCH = "kind = ? AND server = ? AND principal = ? AND name = ?";

/** The store on an open, migrated connection (see sqlite-identity-store.ts); the caller closes it. */
export function createSqliteSecretStore(db: DatabaseSync, now: () => number = Date.now): SecretStore {
  return {
    async putSecret(secret) {
      db.prepare(
        `INSERT INTO switchboard_secrets (kind, server, principal, name, sealed, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, server, principal, name) DO UPDATE SET sealed = excluded.sealed,
           updated_at = excluded.updated_at`,
      ).run(...keyValues(secret), secret.sealed, new Date(now()).toISOString());
    },
    async getSecret(key) {
      const row = db.prepare(`SELECT * FROM switchboard_secrets WHERE ${KEY_MATCH}`).get(...keyValues(key));
      return row === undefined
        ? undefined
        : { ...toKey(row), sealed: String(row.sealed), updatedAt: String(row.updated_at) };
    },
    async deleteSecret(key) {
      const result = db.prepare(`DELETE FROM switchboard_secrets WHERE ${KEY_MATCH}`).run(...keyValues(key));
      return Number(result.changes) > 0;
    },
    async listSecrets(filter) {
      return db
        .prepare(
          `SELECT kind, server, principal, name FROM switchboard_secrets
           WHERE kind = ?1 AND (?2 IS NULL OR server = ?2) AND (?3 IS NULL OR principal = ?3)
           ORDER BY server, principal, name`,
        )
        .all(filter.kind, filter.server ?? null, filter.principal ?? null)
        .map(toKey);
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

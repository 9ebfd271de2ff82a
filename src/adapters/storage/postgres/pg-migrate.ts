// Versioned, idempotent migrations for PostgreSQL, recorded in switchboard_migrations and applied under an
// advisory lock so several replicas starting at once apply each step exactly once.
import type { Pool } from "pg";
import { withReconnect } from "./pg-errors.ts";
import { inTransaction } from "./pg-pool.ts";

/** One schema step. Versions only grow; a released migration is never edited, a new one is added instead. */
export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

/** Any fixed number works; it only has to be the same in every replica. Advisory locks are per database. */
const MIGRATION_LOCK_KEY = 0x5b_6d_67;

/**
 * One transaction: take the transaction-scoped advisory lock (a second replica blocks here until the first
 * commits), create the bookkeeping table if needed, apply what is missing, commit (which releases the lock).
 * PostgreSQL DDL is transactional, so a failing step leaves nothing half-applied. Components (registry,
 * audit) keep separate version sequences because they may live in one database or in two.
 */
export async function migratePostgres(
  pool: Pool,
  component: string,
  migrations: readonly PostgresMigration[],
): Promise<void> {
  await withReconnect(() =>
    inTransaction(pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      await client.query(`CREATE TABLE IF NOT EXISTS switchboard_migrations (
        component text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (component, version)
      )`);
      const { rows } = await client.query("SELECT version FROM switchboard_migrations WHERE component = $1", [
        component,
      ]);
      const applied = new Set(rows.map((row) => Number(row.version)));
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query("INSERT INTO switchboard_migrations (component, version, name) VALUES ($1, $2, $3)", [
          component,
          migration.version,
          migration.name,
        ]);
      }
    }),
  );
}

// Versioned, idempotent schema migrations for a SQLite file, recorded in schema_migrations per component.
import type { DatabaseSync } from "node:sqlite";
import { inTransaction, openSqliteDatabase, type SqliteOpenOptions } from "./open-database.ts";

/** One schema step. Versions only grow; a released migration is never edited, a new one is added instead. */
export interface SqliteMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Applies the component's missing migrations in one IMMEDIATE transaction: a second process opening the same
 * file waits (busy_timeout) for the first to finish and then finds nothing left to do. SQLite DDL is
 * transactional, so a failed step leaves no half-built schema. The registry and the audit log are separate
 * components so they can share one file or live in two.
 */
export function migrateSqlite(db: DatabaseSync, component: string, migrations: readonly SqliteMigration[]): void {
  inTransaction(db, () => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component TEXT NOT NULL,
      version INTEGER NOT NULL,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL,
      PRIMARY KEY (component, version)
    ) STRICT`);
    const applied = new Set(
      db
        .prepare("SELECT version FROM schema_migrations WHERE component = ?")
        .all(component)
        .map((row) => Number(row.version)),
    );
    const record = db.prepare(
      "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)",
    );
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      record.run(component, migration.version, migration.name, new Date().toISOString());
    }
  });
}

/** Opens the SQLite file at path on its own connection and brings the component's schema up to date. */
export function openMigrated(
  path: string,
  component: string,
  migrations: readonly SqliteMigration[],
  options: SqliteOpenOptions = {},
): DatabaseSync {
  const db = openSqliteDatabase(path, options);
  try {
    migrateSqlite(db, component, migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

// The embedded SQLite store as doctor sees it: node:sqlite loads, the file opens read-only (a missing file is
// not created: the gateway does that on start), its journal mode, and whether its schema is current.
import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { loadSqlite } from "../storage/sqlite/load-sqlite.ts";
import { check, type DoctorCheck, errorText } from "./checks.ts";
import { type AppliedMigration, type ComponentMigrations, migrationsCheck } from "./migrations.ts";

export interface SqliteCheckOptions {
  /** Absolute path of the SQLite file. */
  path: string;
  /** The components whose schema lives in this file. */
  components: readonly ComponentMigrations[];
}

/** Rows: `database` and `database migrations`. */
export async function checkSqlite(options: SqliteCheckOptions): Promise<DoctorCheck[]> {
  const { path, components } = options;
  const schemaName = "database migrations";
  let sqlite: ReturnType<typeof loadSqlite>;
  try {
    sqlite = loadSqlite();
  } catch (error) {
    return [
      check("database", "fail", `node:sqlite is not available in Node ${process.versions.node}: ${errorText(error)}`),
      check(schemaName, "skip", "not checked: database unavailable"),
    ];
  }
  const version = sqliteVersion(sqlite.DatabaseSync);
  if (!existsSync(path)) {
    const parent = nearestExisting(dirname(path));
    try {
      accessSync(parent, constants.W_OK);
    } catch {
      return [
        check("database", "fail", `SQLite file ${path} cannot be created: ${parent} is not writable`, { path }),
        check(schemaName, "skip", "not checked: database unavailable"),
      ];
    }
    return [
      check("database", "ok", `SQLite ${version} at ${path}: not created yet; the gateway creates it on start`, {
        path,
        version,
        exists: false,
      }),
      migrationsCheck(schemaName, components, undefined),
    ];
  }
  let db: DatabaseSync | undefined;
  try {
    db = new sqlite.DatabaseSync(path, { readOnly: true });
    db.exec("PRAGMA busy_timeout = 1000");
    const mode = String(db.prepare("PRAGMA journal_mode").get()?.journal_mode);
    const note = mode === "wal" ? "" : " (the gateway switches it to wal on start)";
    const rows = [
      check("database", "ok", `SQLite ${version} at ${path}, journal mode ${mode}${note}`, {
        path,
        version,
        exists: true,
        journalMode: mode,
      }),
    ];
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    const applied = table
      ? db
          .prepare("SELECT component, version FROM schema_migrations")
          .all()
          .map((row): AppliedMigration => ({ component: String(row.component), version: Number(row.version) }))
      : undefined;
    rows.push(migrationsCheck(schemaName, components, applied));
    return rows;
  } catch (error) {
    return [
      check("database", "fail", `SQLite file ${path} cannot be read: ${errorText(error)}`, { path }),
      check(schemaName, "skip", "not checked: database unavailable"),
    ];
  } finally {
    db?.close();
  }
}

function sqliteVersion(Database: typeof DatabaseSync): string {
  const db = new Database(":memory:");
  try {
    return String(db.prepare("SELECT sqlite_version() AS version").get()?.version);
  } finally {
    db.close();
  }
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

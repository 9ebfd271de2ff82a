// Opens a SQLite file for the state adapters: WAL, fully synchronous commits, a busy timeout, and a
// transaction helper.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { loadSqlite } from "./load-sqlite.ts";

export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface SqliteOpenOptions {
  /**
   * How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. The wait
   * blocks the event loop (node:sqlite is synchronous), so keep it short; writes are small. Default 5000.
   */
  busyTimeoutMs?: number;
  /**
   * FULL (default): a commit is fsynced, so it survives a power cut. NORMAL: in WAL mode a commit survives the
   * process being killed (the WAL write reached the kernel) but a power cut may lose the last commits; the
   * fsync then happens at checkpoints only. A commit costs ~0.6 ms with FULL here and blocks the event loop.
   */
  synchronous?: "FULL" | "NORMAL";
}

/**
 * WAL lets readers run beside the one writer (the registry and audit log may share a file, each with its own
 * connection). synchronous=FULL (the default here) fsyncs the WAL at every commit, so an acknowledged write
 * survives not only kill -9 (which NORMAL would already survive in WAL mode) but also a power cut or kernel
 * crash; registry writes are rare and small enough for the fsync to be cheap. The audit log, written on every
 * call, asks for NORMAL (see sqlite-audit-log.ts).
 */
export function openSqliteDatabase(path: string, options: SqliteOpenOptions = {}): DatabaseSync {
  const { DatabaseSync } = loadSqlite();
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  try {
    // busy_timeout first: switching to WAL takes a lock another opener may hold.
    db.exec(
      `PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS))}`,
    );
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${options.synchronous === "NORMAL" ? "NORMAL" : "FULL"}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Runs fn in an IMMEDIATE transaction (the write lock is taken up front, so it cannot fail half-way on BUSY). */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

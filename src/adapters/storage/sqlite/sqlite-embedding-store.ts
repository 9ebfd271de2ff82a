// EmbeddingStore in the SQLite state file (node:sqlite), beside the registry: vectors survive a restart, so the
// gateway does not pay the embeddings API again for tools whose definitions did not change.
import type { EmbeddingStore } from "../../../ports/embedding-store.ts";
import { decodeVector, encodeVector } from "../embedding-codec.ts";
import { openMigrated } from "./migrate.ts";
import { inTransaction, type SqliteOpenOptions } from "./open-database.ts";
import { SQLITE_EMBEDDING_MIGRATIONS } from "./sqlite-schema.ts";

export interface SqliteEmbeddingStoreOptions extends SqliteOpenOptions {
  /** Epoch milliseconds of created_at; default Date.now. */
  now?: () => number;
}

/**
 * Opens (creating and migrating if needed) the embeddings table in the SQLite file at path, on its own
 * connection. Commits are synchronous=NORMAL unless told otherwise: a vector lost to a power cut is simply
 * computed again, so it is not worth an fsync.
 */
export async function createSqliteEmbeddingStore(
  path: string,
  options: SqliteEmbeddingStoreOptions = {},
): Promise<EmbeddingStore> {
  const db = openMigrated(path, "embeddings", SQLITE_EMBEDDING_MIGRATIONS, { synchronous: "NORMAL", ...options });
  const now = options.now ?? Date.now;
  // The hashes go as one JSON array, so a lookup of any size is one statement.
  const select = db.prepare(
    `SELECT hash, vector FROM switchboard_mcp_embeddings
     WHERE model = ? AND hash IN (SELECT value FROM json_each(?))`,
  );
  const upsert = db.prepare(
    `INSERT INTO switchboard_mcp_embeddings (model, hash, dims, vector, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (model, hash) DO UPDATE SET dims = excluded.dims, vector = excluded.vector,
       created_at = excluded.created_at`,
  );
  let closed = false;
  return {
    async get(model, hashes) {
      const found = new Map<string, Float32Array>();
      if (hashes.length === 0) return found;
      for (const row of select.all(model, JSON.stringify(hashes))) {
        found.set(String(row.hash), decodeVector(row.vector as Uint8Array));
      }
      return found;
    },
    async put(model, entries) {
      if (entries.length === 0) return;
      const createdAt = new Date(now()).toISOString();
      inTransaction(db, () => {
        for (const { hash, vector } of entries) {
          upsert.run(model, hash, vector.length, encodeVector(vector), createdAt);
        }
      });
    },
    async ping() {
      db.prepare("SELECT 1").get();
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

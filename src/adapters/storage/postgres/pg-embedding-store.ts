// EmbeddingStore on PostgreSQL, shared by replicas: a tool embedded by one gateway is not embedded again by the
// others. Vectors go in a pgvector column when the migration could create the extension, else in bytea.
import type { EmbeddingStore } from "../../../ports/embedding-store.ts";
import { decodeVector, encodeVector } from "../embedding-codec.ts";
import { withReconnect } from "./pg-errors.ts";
import { migratePostgres } from "./pg-migrate.ts";
import { createPgPool, type PostgresOptions } from "./pg-pool.ts";
import { POSTGRES_EMBEDDING_MIGRATIONS } from "./pg-schema.ts";

/** How the vector column is stored: pgvector's `vector`, or little-endian float32 bytes. */
export type PostgresVectorColumn = "vector" | "bytea";

export interface PostgresEmbeddingStore extends EmbeddingStore {
  readonly column: PostgresVectorColumn;
}

/** Connects, migrates, and returns the store; rejects with "PostgreSQL unavailable: …" if it cannot connect. */
export async function createPostgresEmbeddingStore(options: PostgresOptions): Promise<PostgresEmbeddingStore> {
  const pool = createPgPool(options);
  let column: PostgresVectorColumn;
  try {
    await migratePostgres(pool, "embeddings", POSTGRES_EMBEDDING_MIGRATIONS);
    column = await vectorColumnType(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const pgvector = column === "vector";
  let closing: Promise<void> | undefined;
  return {
    column,
    async get(model, hashes) {
      const found = new Map<string, Float32Array>();
      if (hashes.length === 0) return found;
      const { rows } = await withReconnect(() =>
        pool.query(
          `SELECT hash, ${pgvector ? "vector::text AS vector" : "vector"} FROM switchboard_mcp_embeddings
           WHERE model = $1 AND hash = ANY($2::text[])`,
          [model, hashes],
        ),
      );
      for (const row of rows) {
        found.set(row.hash, pgvector ? parsePgvector(row.vector) : decodeVector(row.vector as Buffer));
      }
      return found;
    },
    async put(model, entries) {
      if (entries.length === 0) return;
      // One statement for the whole batch; an upsert, so retrying after a lost connection is harmless.
      await withReconnect(() =>
        pool.query(
          `INSERT INTO switchboard_mcp_embeddings (model, hash, dims, vector)
           SELECT $1, t.hash, t.dims, t.vector${pgvector ? "::vector" : ""}
           FROM unnest($2::text[], $3::integer[], $4::${pgvector ? "text" : "bytea"}[]) AS t(hash, dims, vector)
           ON CONFLICT (model, hash) DO UPDATE SET dims = excluded.dims, vector = excluded.vector,
             created_at = now()`,
          [
            model,
            entries.map((entry) => entry.hash),
            entries.map((entry) => entry.vector.length),
            entries.map((entry) => (pgvector ? pgvectorText(entry.vector) : encodeVector(entry.vector))),
          ],
        ),
      );
    },
    async ping() {
      await withReconnect(() => pool.query("SELECT 1"));
    },
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}

async function vectorColumnType(pool: ReturnType<typeof createPgPool>): Promise<PostgresVectorColumn> {
  const { rows } = await withReconnect(() =>
    pool.query(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = 'switchboard_mcp_embeddings'::regclass AND attname = 'vector'`,
    ),
  );
  return String(rows[0]?.type).startsWith("vector") ? "vector" : "bytea";
}

/** pgvector's text form, `[0.1,-2,3e-05]`; each float32 written exactly (String(-0) would lose the sign). */
function pgvectorText(vector: Float32Array): string {
  return `[${Array.from(vector, (value) => (Object.is(value, -0) ? "-0" : String(value))).join(",")}]`;
}

/** pgvector's text form, which is also a JSON array. */
function parsePgvector(text: string): Float32Array {
  return new Float32Array(JSON.parse(text) as number[]);
}

// The EmbeddingStore contract on memory, SQLite and a real PostgreSQL (SWITCHBOARD_TEST_POSTGRES_URL, default
// postgres://postgres@127.0.0.1:5432/test; a database of its own per run), plus the schema each database gets.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createPinoLogger } from "../../src/adapters/observability/pino-logger.ts";
import { createMemoryEmbeddingStore } from "../../src/adapters/storage/memory-embedding-store.ts";
import { createPostgresEmbeddingStore } from "../../src/adapters/storage/postgres/pg-embedding-store.ts";
import { createSqliteEmbeddingStore } from "../../src/adapters/storage/sqlite/sqlite-embedding-store.ts";
import { createSqliteRegistryStore } from "../../src/adapters/storage/sqlite/sqlite-registry-store.ts";
import { openState } from "../../src/app/state.ts";
import { normalizeConfig } from "../../src/config/load.ts";
import { admin, POOL_DEFAULTS, testDatabases } from "../helpers/postgres.ts";
import { embeddingStoreContract, sampleVector } from "./embedding-store.contract.ts";

const databases = testDatabases();
let dir = "";
let files = 0;
let shared = "";
const freshFile = () => join(dir, `state-${++files}.db`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchboard-embeddings-"));
  shared = await databases.create("embeddings");
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await databases.dropAll();
});

embeddingStoreContract("memory", async () => {
  const store = createMemoryEmbeddingStore();
  return { store, cleanup: () => store.close() };
});

embeddingStoreContract("sqlite", async () => {
  const store = await createSqliteEmbeddingStore(freshFile());
  return { store, cleanup: () => store.close() };
});

embeddingStoreContract("postgres", async () => {
  const store = await createPostgresEmbeddingStore({ ...POOL_DEFAULTS, url: shared, poolSize: 2 });
  await admin("TRUNCATE switchboard_mcp_embeddings", shared);
  return { store, cleanup: () => store.close() };
});

describe("embedding store schema", () => {
  test("SQLite: the table lives in the state file beside the registry and survives reopening", async () => {
    const file = freshFile();
    const registry = await createSqliteRegistryStore(file);
    const store = await createSqliteEmbeddingStore(file);
    await store.put("m", [{ hash: "h", vector: sampleVector(1, 12) }]);
    await store.close();
    await registry.close();
    const reopened = await createSqliteEmbeddingStore(file);
    assert.deepStrictEqual((await reopened.get("m", ["h"])).get("h"), sampleVector(1, 12));
    await reopened.close();
    const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
    const db = new DatabaseSync(file);
    const rows = db.prepare("SELECT component, version FROM schema_migrations ORDER BY component, version").all();
    db.close();
    assert.deepEqual(
      rows.map((row) => [row.component, row.version]),
      [
        ["embeddings", 1],
        ["registry", 1],
        ["registry", 2],
        ["registry", 3],
      ],
    );
  });

  test("PostgreSQL: pgvector when the server has it, else bytea; replicas migrate once", async () => {
    const url = await databases.create("schema");
    const stores = await Promise.all(
      [1, 2, 3].map(() => createPostgresEmbeddingStore({ ...POOL_DEFAULTS, url, poolSize: 1 })),
    );
    const available = await admin("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'", url);
    const expected = available.rowCount === 0 ? "bytea" : "vector";
    assert.deepEqual(
      stores.map((store) => store.column),
      [expected, expected, expected],
    );
    await stores[0]?.put("m", [{ hash: "h", vector: sampleVector(1, 3) }]);
    assert.deepStrictEqual((await stores[2]?.get("m", ["h"]))?.get("h"), sampleVector(1, 3));
    await Promise.all(stores.map((store) => store.close()));
    const { rows } = await admin("SELECT component, version FROM switchboard_migrations", url);
    assert.deepEqual(
      rows.map((row) => [row.component, row.version]),
      [["embeddings", 1]],
    );
  });
});

describe("the gateway's state", () => {
  const settings = (enabled: boolean, database: Record<string, unknown> = {}) =>
    normalizeConfig(
      {
        gateway: {
          stateDir: join(dir, `gateway-${++files}`),
          database,
          discovery: { search: { semantic: { enabled, url: "http://127.0.0.1:9/v1", model: "m" } } },
        },
      },
      undefined,
      { env: {} },
    ).gateway;
  const logger = createPinoLogger({ level: "silent", json: true });

  test("opens the embedding store beside the registry only when semantic search is enabled", async () => {
    const off = await openState(settings(false), logger);
    assert.equal(off.embeddings, undefined);
    await off.close();
    for (const database of [{}, { url: shared }]) {
      const state = await openState(settings(true, database), logger);
      try {
        await state.embeddings?.put("state-model", [{ hash: "h", vector: sampleVector(4, 8) }]);
        assert.deepStrictEqual((await state.embeddings?.get("state-model", ["h"]))?.get("h"), sampleVector(4, 8));
      } finally {
        await state.close();
      }
    }
  });
});

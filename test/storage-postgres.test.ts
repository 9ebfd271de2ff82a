// The registry, audit and pin contracts against a real PostgreSQL (SWITCHBOARD_TEST_POSTGRES_URL, default
// postgres://postgres@127.0.0.1:5432/test), plus concurrent migrations, durability across kill -9, pool
// recovery and outages. Every run creates its own databases and drops them at the end. No PostgreSQL is a
// failure, not a skip: CI starts one.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { createPostgresAuditLog } from "../src/adapters/storage/postgres/pg-audit-log.ts";
import { createPostgresIdentityStore } from "../src/adapters/storage/postgres/pg-identity-store.ts";
import { migratePostgres } from "../src/adapters/storage/postgres/pg-migrate.ts";
import { createPgPool } from "../src/adapters/storage/postgres/pg-pool.ts";
import { createPostgresRegistryStore } from "../src/adapters/storage/postgres/pg-registry-store.ts";
import { POSTGRES_AUDIT_MIGRATIONS } from "../src/adapters/storage/postgres/pg-schema.ts";
import type { AuditRecord } from "../src/ports/audit-log.ts";
import type { Logger } from "../src/ports/logger.ts";
import { auditLogContract, auditRecord } from "./contracts/audit-log.contract.ts";
import { pinStoreContract } from "./contracts/pin-store.contract.ts";
import { registryStoreContract, sampleManifest } from "./contracts/registry-store.contract.ts";
import { killWriterAfterAck } from "./helpers/kill-after-ack.ts";
import { ADMIN_URL, admin, POOL_DEFAULTS, testDatabases } from "./helpers/postgres.ts";
import { startTcpProxy } from "./helpers/tcp-proxy.ts";

const databases = testDatabases();
const createDatabase = (suffix: string) => databases.create(suffix);

let shared = "";
before(async () => {
  shared = await createDatabase("contracts");
});
after(() => databases.dropAll());

registryStoreContract("postgres", async (clock) => {
  const store = await createPostgresRegistryStore({ ...POOL_DEFAULTS, url: shared, poolSize: 4, now: clock.now });
  await admin("TRUNCATE switchboard_mcp, switchboard_mcp_manifests, switchboard_mcp_tools", shared);
  return { store, cleanup: () => store.close() };
});

auditLogContract("postgres", async () => {
  const store = await createPostgresAuditLog({ ...POOL_DEFAULTS, url: shared, poolSize: 4 });
  await admin("TRUNCATE switchboard_mcp_logs", shared);
  return { store, cleanup: () => store.close() };
});

// Two identity stores (two pools) on one database are two replicas sharing the pins.
pinStoreContract(
  "postgres",
  async () => {
    const store = await createPostgresIdentityStore({ ...POOL_DEFAULTS, url: shared, poolSize: 2 });
    const replica = await createPostgresIdentityStore({ ...POOL_DEFAULTS, url: shared, poolSize: 2 });
    await admin("TRUNCATE switchboard_pins", shared);
    return {
      store,
      replica,
      cleanup: async () => {
        await store.close();
        await replica.close();
      },
    };
  },
  { replicas: true },
);

describe("PostgreSQL storage", () => {
  test("replicas starting at once apply each migration exactly once", async () => {
    const url = await createDatabase("migrate");
    const stores = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        i % 2 === 0
          ? createPostgresRegistryStore({ ...POOL_DEFAULTS, url, poolSize: 1 })
          : createPostgresAuditLog({ ...POOL_DEFAULTS, url, poolSize: 1 }),
      ),
    );
    await Promise.all(stores.map((store) => store.close()));
    const again = await createPostgresRegistryStore({ ...POOL_DEFAULTS, url, poolSize: 1 });
    await again.close();
    const { rows } = await admin(
      "SELECT component, version FROM switchboard_migrations ORDER BY component, version",
      url,
    );
    assert.deepEqual(
      rows.map((row) => [row.component, row.version]),
      [
        ["audit", 1],
        ["audit", 2],
        ["registry", 1],
        ["registry", 2],
        ["registry", 3],
      ],
    );
  });

  test("audit records written before review decisions existed read back as calls after the migration", async () => {
    const url = await createDatabase("auditv1");
    const pool = createPgPool({ ...POOL_DEFAULTS, url, poolSize: 1 });
    try {
      await migratePostgres(pool, "audit", POSTGRES_AUDIT_MIGRATIONS.slice(0, 1));
      await pool.query(
        `INSERT INTO switchboard_mcp_logs (append_id, time, principal, server, tool, arguments_hash, definition_hash,
           outcome, error_kind, duration_ms, correlation_id)
         VALUES (gen_random_uuid(), $1, NULL, 'fs', 'read_file', $2, $3, 'ok', NULL, 12, 'corr-0')`,
        [auditRecord(0).time, "a".repeat(64), "d".repeat(64)],
      );
    } finally {
      await pool.end();
    }
    const audit = await createPostgresAuditLog({ ...POOL_DEFAULTS, url, poolSize: 1 });
    try {
      await audit.append(auditRecord(1000, { action: "approve", detail: "sha256:x", correlationId: "decision" }));
      assert.deepStrictEqual(await audit.query({ action: "call" }), [auditRecord(0)]);
      assert.deepEqual(
        (await audit.query({})).map((record) => [record.correlationId, record.action]),
        [
          ["decision", "approve"],
          ["corr-0", "call"],
        ],
      );
    } finally {
      await audit.close();
    }
  });

  test("acknowledged writes survive kill -9 of the writer", async () => {
    const url = await createDatabase("durable");
    await killWriterAfterAck(["postgres", url]);
    const registry = await createPostgresRegistryStore({ ...POOL_DEFAULTS, url, poolSize: 1 });
    const audit = await createPostgresAuditLog({ ...POOL_DEFAULTS, url, poolSize: 1 });
    try {
      assert.deepStrictEqual(await registry.getManifest("durable"), sampleManifest("durable"));
      assert.deepEqual(
        (await audit.query({ server: "durable" })).map((record) => record.correlationId),
        ["durable-1"],
      );
    } finally {
      await registry.close();
      await audit.close();
    }
  });

  test("the pool recovers after its backends are terminated, without crashing on idle-client errors", async () => {
    const url = await createDatabase("recover");
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
    const registry = await createPostgresRegistryStore({ ...POOL_DEFAULTS, url, poolSize: 3, logger });
    const audit = await createPostgresAuditLog({ ...POOL_DEFAULTS, url, poolSize: 3, logger });
    try {
      await registry.putManifest(sampleManifest("fs"));
      await Promise.all([0, 1, 2].map((i) => audit.append(auditRecord(i))));
      const terminate = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                         WHERE datname = $1 AND pid <> pg_backend_pid()`;
      const name = new URL(url).pathname.slice(1);
      // Straight away: the next writes may be handed a client whose backend is dying.
      assert.ok((await admin(terminate, ADMIN_URL, [name])).rowCount! > 0);
      await audit.append(auditRecord(10, { correlationId: "after-1" }));
      await registry.putManifest(sampleManifest("fs", { tools: [] }));
      // After the idle clients noticed: their errors go to the logger, not to an unhandled 'error' event.
      await admin(terminate, ADMIN_URL, [name]);
      await delay(200);
      assert.ok(warnings.length > 0, "idle-client errors reached the logger");
      await audit.append(auditRecord(20, { correlationId: "after-2" }));
      assert.deepEqual(
        (await audit.query({ limit: 2 })).map((record) => record.correlationId),
        ["after-2", "after-1"],
      );
      assert.deepEqual((await registry.getManifest("fs"))?.tools, []);
    } finally {
      await registry.close();
      await audit.close();
    }
  });

  test("dropped connections are replaced; while the server is down writes reject as unavailable, then recover", async () => {
    const url = new URL(await createDatabase("outage"));
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.host = `127.0.0.1:${proxy.port}`;
    const options = { url: url.href, poolSize: 2, connectTimeoutMs: 1000 };
    const registry = await createPostgresRegistryStore(options);
    const audit = await createPostgresAuditLog(options);
    try {
      await audit.append(auditRecord(0));
      await registry.putManifest(sampleManifest("fs", { tools: [] }));
      // Cut in the same tick as the writes: they are handed pooled clients whose connections just died.
      proxy.cut();
      await Promise.all([audit.append(auditRecord(1)), registry.putManifest(sampleManifest("fs", { prompts: [] }))]);
      assert.deepEqual((await registry.getManifest("fs"))?.prompts, []);
      await proxy.down();
      const unavailable = {
        name: "SwitchboardError",
        code: "storage_unavailable",
        message: /^PostgreSQL unavailable: /,
      };
      await assert.rejects(audit.append(auditRecord(9)), unavailable);
      await assert.rejects(registry.putManifest(sampleManifest("fs")), unavailable);
      await assert.rejects(registry.putServer({ server: "fs", configHash: "h", config: {} }), unavailable);
      await assert.rejects(createPostgresAuditLog(options), unavailable, "opening fails the same way");
      await proxy.up();
      await audit.append(auditRecord(2));
      await registry.putManifest(sampleManifest("fs"));
      assert.deepEqual(
        (await audit.query({})).map((record) => record.correlationId),
        ["corr-2", "corr-1", "corr-0"],
        "each acknowledged append stored once, the refused one not at all",
      );
      assert.deepStrictEqual(await registry.getManifest("fs"), sampleManifest("fs"));
    } finally {
      await registry.close();
      await audit.close();
      await proxy.close();
    }
  });

  test("appending the same record objects again (a retry after an unknown outcome) stores them once", async () => {
    const url = await createDatabase("retry");
    const audit = await createPostgresAuditLog({ ...POOL_DEFAULTS, url, poolSize: 1 });
    try {
      const batch = [auditRecord(0, { correlationId: "r-0" }), auditRecord(1, { correlationId: "r-1" })];
      await audit.appendMany(batch);
      await audit.appendMany(batch);
      await audit.append(batch[0] as AuditRecord);
      assert.deepEqual(
        (await audit.query({})).map((record) => record.correlationId),
        ["r-1", "r-0"],
      );
    } finally {
      await audit.close();
    }
  });

  test("the pool opens at most poolSize connections", async () => {
    const url = await createDatabase("poolsize");
    const audit = await createPostgresAuditLog({ ...POOL_DEFAULTS, url, poolSize: 2 });
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => audit.append(auditRecord(i))));
      const { rows } = await admin(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'switchboard'",
        ADMIN_URL,
        [new URL(url).pathname.slice(1)],
      );
      assert.ok(rows[0].n >= 1 && rows[0].n <= 2, `connections: ${rows[0].n}`);
      assert.equal((await audit.query({})).length, 20);
    } finally {
      await audit.close();
    }
  });

  test("sessions commit synchronously even where the database default is off", async () => {
    const url = await createDatabase("synccommit");
    await admin(`ALTER DATABASE ${new URL(url).pathname.slice(1)} SET synchronous_commit = off`);
    const pool = createPgPool({ ...POOL_DEFAULTS, url, poolSize: 1 });
    try {
      const { rows } = await pool.query("SHOW synchronous_commit");
      assert.equal(rows[0].synchronous_commit, "on");
    } finally {
      await pool.end();
    }
  });
});

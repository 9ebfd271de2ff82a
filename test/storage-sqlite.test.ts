// The registry, audit and pin contracts against the embedded SQLite adapters, plus durability across kill -9,
// migrations on an existing file, and the experimental-warning filter.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { migrateSqlite } from "../src/adapters/storage/sqlite/migrate.ts";
import { openSqliteDatabase } from "../src/adapters/storage/sqlite/open-database.ts";
import { createSqliteAuditLog } from "../src/adapters/storage/sqlite/sqlite-audit-log.ts";
import { createSqliteIdentityStore } from "../src/adapters/storage/sqlite/sqlite-identity-store.ts";
import { createSqliteRegistryStore } from "../src/adapters/storage/sqlite/sqlite-registry-store.ts";
import { SQLITE_AUDIT_MIGRATIONS } from "../src/adapters/storage/sqlite/sqlite-schema.ts";
import { auditLogContract, auditRecord } from "./contracts/audit-log.contract.ts";
import { pinStoreContract } from "./contracts/pin-store.contract.ts";
import { registryStoreContract, sampleManifest } from "./contracts/registry-store.contract.ts";
import { killWriterAfterAck } from "./helpers/kill-after-ack.ts";

let dir = "";
let files = 0;
const freshFile = () => join(dir, `state-${++files}.db`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchboard-sqlite-"));
});
after(() => rm(dir, { recursive: true, force: true }));

registryStoreContract("sqlite", async (clock) => {
  const store = await createSqliteRegistryStore(freshFile(), { now: clock.now });
  return { store, cleanup: () => store.close() };
});

auditLogContract("sqlite", async () => {
  const store = await createSqliteAuditLog(freshFile());
  return { store, cleanup: () => store.close() };
});

// The pins live on the identity store's connection; a second connection to the same file is a replica.
pinStoreContract(
  "sqlite",
  async () => {
    const file = freshFile();
    const store = await createSqliteIdentityStore(file);
    const replica = await createSqliteIdentityStore(file);
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

describe("SQLite storage", () => {
  test("registry and audit log share one file; reopening finds the data and migrates nothing twice", async () => {
    const file = freshFile();
    const registry = await createSqliteRegistryStore(file);
    const audit = await createSqliteAuditLog(file);
    await registry.putManifest(sampleManifest("fs"));
    await audit.append(auditRecord(0));
    await registry.close();
    await registry.close(); // close is idempotent
    await audit.close();
    const reopened = await createSqliteRegistryStore(file);
    const reopenedAudit = await createSqliteAuditLog(file);
    assert.deepStrictEqual(await reopened.getManifest("fs"), sampleManifest("fs"));
    assert.equal((await reopenedAudit.query({})).length, 1);
    await reopened.close();
    await reopenedAudit.close();
    const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
    const db = new DatabaseSync(file);
    const rows = db.prepare("SELECT component, version FROM schema_migrations ORDER BY component, version").all();
    const pragmas = db.prepare("PRAGMA journal_mode").get();
    db.close();
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
    assert.equal(pragmas?.journal_mode, "wal");
  });

  test("audit records written before review decisions existed read back as calls after the migration", async () => {
    const file = freshFile();
    const db = openSqliteDatabase(file);
    migrateSqlite(db, "audit", SQLITE_AUDIT_MIGRATIONS.slice(0, 1));
    db.prepare(
      `INSERT INTO switchboard_mcp_logs (time, principal, server, tool, arguments_hash, definition_hash, outcome,
         error_kind, duration_ms, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(auditRecord(0).time, null, "fs", "read_file", "a".repeat(64), "d".repeat(64), "ok", null, 12, "corr-0");
    db.close();
    const audit = await createSqliteAuditLog(file);
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
    const file = freshFile();
    await killWriterAfterAck(["sqlite", file]);
    const registry = await createSqliteRegistryStore(file);
    const audit = await createSqliteAuditLog(file);
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

  test("opening a store prints no SQLite experimental warning, other warnings still print", () => {
    const script = `
      const { createSqliteAuditLog } = await import(${JSON.stringify(new URL("../src/adapters/storage/sqlite/sqlite-audit-log.ts", import.meta.url).href)});
      const log = await createSqliteAuditLog(":memory:");
      await log.close();
      process.emitWarning("still here", "ExperimentalWarning");
    `;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /SQLite is an experimental feature/);
    assert.match(result.stderr, /ExperimentalWarning: still here/);
  });
});

// RegistryStore on an embedded SQLite file (node:sqlite): the default when no PostgreSQL URL is configured.
import type { DatabaseSync } from "node:sqlite";
import type { ItemKind, RegistryItem, RegistryStore, ServerSnapshot } from "../../../ports/registry-store.ts";
import { assembleManifest, headerOf, headerRow, type ItemRow, planManifest } from "../manifest-items.ts";
import { openMigrated } from "./migrate.ts";
import { inTransaction, type SqliteOpenOptions } from "./open-database.ts";
import { SQLITE_REGISTRY_MIGRATIONS } from "./sqlite-schema.ts";

export interface SqliteRegistryStoreOptions extends SqliteOpenOptions {
  /** Epoch milliseconds; injected so tests can date changes. Default Date.now. */
  now?: () => number;
}

type Row = Record<string, unknown>;

const ITEM_COLUMNS = "server, kind, key, definition_hash, first_seen_at, changed_at, definition";

/** Opens (creating and migrating if needed) the registry in the SQLite file at path. */
export async function createSqliteRegistryStore(
  path: string,
  options: SqliteRegistryStoreOptions = {},
): Promise<RegistryStore> {
  const db = openMigrated(path, "registry", SQLITE_REGISTRY_MIGRATIONS, options);
  const now = options.now ?? Date.now;
  let closed = false;
  return {
    async putServer(snapshot) {
      db.prepare(
        `INSERT INTO switchboard_mcp (server, config_hash, config, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (server) DO UPDATE SET config_hash = excluded.config_hash, config = excluded.config,
           updated_at = excluded.updated_at`,
      ).run(snapshot.server, snapshot.configHash, JSON.stringify(snapshot.config), new Date(now()).toISOString());
    },
    async getServer(server) {
      const row = db.prepare("SELECT * FROM switchboard_mcp WHERE server = ?").get(server);
      return row === undefined ? undefined : toSnapshot(row);
    },
    async putManifest(manifest) {
      return inTransaction(db, () => {
        const previous = db
          .prepare(`SELECT ${ITEM_COLUMNS} FROM switchboard_mcp_tools WHERE server = ?`)
          .all(manifest.server)
          .map(toItem);
        const plan = planManifest(manifest, previous, new Date(now()).toISOString());
        writeHeader(db, manifest);
        const remove = db.prepare("DELETE FROM switchboard_mcp_tools WHERE server = ? AND kind = ? AND key = ?");
        for (const item of plan.change.removed) remove.run(item.server, item.kind, item.key);
        const upsert = prepareUpsert(db);
        for (const row of plan.rows) upsertRow(upsert, row);
        return plan.change;
      });
    },
    async getManifest(server) {
      const header = db.prepare("SELECT * FROM switchboard_mcp_manifests WHERE server = ?").get(server);
      if (header === undefined) return undefined;
      const items = db
        .prepare(`SELECT ${ITEM_COLUMNS} FROM switchboard_mcp_tools WHERE server = ? ORDER BY position`)
        .all(server)
        .map(toItem);
      return assembleManifest(
        {
          server,
          specHash: String(header.spec_hash),
          fetchedAt: String(header.fetched_at),
          protocolVersion: String(header.protocol_version),
          serverInfo: JSON.parse(String(header.server_info)),
          capabilities: JSON.parse(String(header.capabilities)),
          instructions: header.instructions === null ? undefined : String(header.instructions),
        },
        items,
      );
    },
    async items(filter = {}) {
      return db
        .prepare(
          `SELECT ${ITEM_COLUMNS} FROM switchboard_mcp_tools
           WHERE (?1 IS NULL OR server = ?1) AND (?2 IS NULL OR kind = ?2) ORDER BY server, position`,
        )
        .all(filter.server ?? null, filter.kind ?? null)
        .map(toItem);
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

function writeHeader(db: DatabaseSync, manifest: Parameters<typeof headerOf>[0]): void {
  const header = headerOf(manifest);
  db.prepare(
    `INSERT OR REPLACE INTO switchboard_mcp_manifests
       (server, spec_hash, fetched_at, protocol_version, server_info, capabilities, instructions)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(...headerRow(header));
}

function prepareUpsert(db: DatabaseSync) {
  return db.prepare(
    `INSERT INTO switchboard_mcp_tools (${ITEM_COLUMNS}, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (server, kind, key) DO UPDATE SET definition_hash = excluded.definition_hash,
       changed_at = excluded.changed_at, definition = excluded.definition, position = excluded.position`,
  );
}

function upsertRow(upsert: ReturnType<typeof prepareUpsert>, row: ItemRow): void {
  upsert.run(
    row.server,
    row.kind,
    row.key,
    row.definitionHash,
    row.firstSeenAt,
    row.changedAt,
    JSON.stringify(row.definition),
    row.position,
  );
}

function toItem(row: Row): RegistryItem {
  return {
    server: String(row.server),
    kind: String(row.kind) as ItemKind,
    key: String(row.key),
    definitionHash: String(row.definition_hash),
    firstSeenAt: String(row.first_seen_at),
    changedAt: String(row.changed_at),
    definition: JSON.parse(String(row.definition)),
  };
}

function toSnapshot(row: Row): ServerSnapshot {
  return {
    server: String(row.server),
    configHash: String(row.config_hash),
    config: JSON.parse(String(row.config)),
    updatedAt: String(row.updated_at),
  };
}

// RegistryStore on PostgreSQL, for gateways that share one registry (several replicas, or operators querying it).
import type { PoolClient } from "pg";
import type { ServerManifest } from "../../../ports/manifest-store.ts";
import type { ItemKind, RegistryItem, RegistryStore } from "../../../ports/registry-store.ts";
import { assembleManifest, headerOf, headerRow, type ItemRow, planManifest } from "../manifest-items.ts";
import { withReconnect } from "./pg-errors.ts";
import { migratePostgres } from "./pg-migrate.ts";
import { createPgPool, inTransaction, type PostgresOptions } from "./pg-pool.ts";
import { POSTGRES_REGISTRY_MIGRATIONS } from "./pg-schema.ts";

export interface PostgresRegistryStoreOptions extends PostgresOptions {
  /** Epoch milliseconds; injected so tests can date changes. Default Date.now. */
  now?: () => number;
}

type Row = Record<string, unknown>;

const ITEM_COLUMNS = "server, kind, key, definition_hash, first_seen_at, changed_at, definition";

/** Connects, migrates, and returns the store; rejects with "PostgreSQL unavailable: …" if it cannot connect. */
export async function createPostgresRegistryStore(options: PostgresRegistryStoreOptions): Promise<RegistryStore> {
  const pool = createPgPool(options);
  try {
    await migratePostgres(pool, "registry", POSTGRES_REGISTRY_MIGRATIONS);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const now = options.now ?? Date.now;
  let closing: Promise<void> | undefined;
  return {
    async putServer(snapshot) {
      await withReconnect(() =>
        pool.query(
          `INSERT INTO switchboard_mcp (server, config_hash, config, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (server) DO UPDATE SET config_hash = excluded.config_hash, config = excluded.config,
             updated_at = excluded.updated_at`,
          [snapshot.server, snapshot.configHash, JSON.stringify(snapshot.config), new Date(now()).toISOString()],
        ),
      );
    },
    async getServer(server) {
      const { rows } = await withReconnect(() =>
        pool.query("SELECT * FROM switchboard_mcp WHERE server = $1", [server]),
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      const updatedAt = isoOf(row.updated_at);
      return { server: row.server, configHash: row.config_hash, config: row.config, updatedAt };
    },
    async putManifest(manifest) {
      // Retrying is safe: a transaction that lost its connection before COMMIT left nothing behind.
      return withReconnect(() => inTransaction(pool, (client) => writeManifest(client, manifest, now())));
    },
    async getManifest(server) {
      return withReconnect(async () => {
        const header = (await pool.query("SELECT * FROM switchboard_mcp_manifests WHERE server = $1", [server]))
          .rows[0];
        if (header === undefined) return undefined;
        const { rows } = await pool.query(
          `SELECT ${ITEM_COLUMNS} FROM switchboard_mcp_tools WHERE server = $1 ORDER BY position`,
          [server],
        );
        return assembleManifest(
          {
            server,
            specHash: header.spec_hash,
            fetchedAt: header.fetched_at,
            protocolVersion: header.protocol_version,
            serverInfo: header.server_info,
            capabilities: header.capabilities,
            instructions: header.instructions ?? undefined,
          },
          rows.map(toItem),
        );
      });
    },
    async items(filter = {}) {
      const where: string[] = [];
      const values: string[] = [];
      if (filter.server !== undefined) where.push(`server = $${values.push(filter.server)}`);
      if (filter.kind !== undefined) where.push(`kind = $${values.push(filter.kind)}`);
      const condition = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
      const { rows } = await withReconnect(() =>
        pool.query(`SELECT ${ITEM_COLUMNS} FROM switchboard_mcp_tools ${condition} ORDER BY server, position`, values),
      );
      return rows.map(toItem);
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

/**
 * The per-server advisory lock serialises two replicas storing the same server's manifest, so each compares
 * against what the other committed and first-seen/changed-at times stay exact. Rows go as one json array
 * (json_to_recordset), so a manifest of any size is three statements, not one per item.
 */
async function writeManifest(client: PoolClient, manifest: ServerManifest, nowMs: number) {
  await client.query("SELECT pg_advisory_xact_lock(hashtext('switchboard_mcp_tools'), hashtext($1))", [
    manifest.server,
  ]);
  const previous = await client.query(`SELECT ${ITEM_COLUMNS} FROM switchboard_mcp_tools WHERE server = $1`, [
    manifest.server,
  ]);
  const plan = planManifest(manifest, previous.rows.map(toItem), new Date(nowMs).toISOString());
  const header = headerOf(manifest);
  await client.query(
    `INSERT INTO switchboard_mcp_manifests
       (server, spec_hash, fetched_at, protocol_version, server_info, capabilities, instructions)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (server) DO UPDATE SET spec_hash = excluded.spec_hash, fetched_at = excluded.fetched_at,
       protocol_version = excluded.protocol_version, server_info = excluded.server_info,
       capabilities = excluded.capabilities, instructions = excluded.instructions`,
    headerRow(header),
  );
  if (plan.change.removed.length > 0) {
    await client.query(
      `DELETE FROM switchboard_mcp_tools WHERE server = $1 AND (kind, key) IN
         (SELECT kind, key FROM json_to_recordset($2::json) AS r(kind text, key text))`,
      [manifest.server, JSON.stringify(plan.change.removed)],
    );
  }
  if (plan.rows.length > 0) await upsertRows(client, manifest.server, plan.rows);
  return plan.change;
}

async function upsertRows(client: PoolClient, server: string, rows: ItemRow[]) {
  const records = rows.map((row) => ({
    kind: row.kind,
    key: row.key,
    position: row.position,
    definition_hash: row.definitionHash,
    first_seen_at: row.firstSeenAt,
    changed_at: row.changedAt,
    definition: row.definition,
  }));
  await client.query(
    `INSERT INTO switchboard_mcp_tools (${ITEM_COLUMNS}, position)
     SELECT $1, kind, key, definition_hash, first_seen_at, changed_at, definition, position
     FROM json_to_recordset($2::json) AS r(kind text, key text, position integer, definition_hash text,
       first_seen_at timestamptz, changed_at timestamptz, definition json)
     ON CONFLICT (server, kind, key) DO UPDATE SET definition_hash = excluded.definition_hash,
       changed_at = excluded.changed_at, definition = excluded.definition, position = excluded.position`,
    [server, JSON.stringify(records)],
  );
}

function toItem(row: Row): RegistryItem {
  return {
    server: String(row.server),
    kind: String(row.kind) as ItemKind,
    key: String(row.key),
    definitionHash: String(row.definition_hash),
    firstSeenAt: isoOf(row.first_seen_at),
    changedAt: isoOf(row.changed_at),
    definition: row.definition as Record<string, unknown>,
  };
}

/** timestamptz arrives as a Date (pg's default parser). */
function isoOf(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

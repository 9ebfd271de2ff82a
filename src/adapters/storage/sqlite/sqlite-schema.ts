// The SQLite schema of the registry (with API keys, sealed secrets and pins) and the audit log, as migrations. Table
// names follow the seeds' PostgreSQL databases (mcp, mcp_tools, mcp_logs) with a switchboard_ prefix, the same
// names as the PostgreSQL adapter uses.
import type { SqliteMigration } from "./migrate.ts";

/** Times are TEXT in Date.toISOString() form, which sorts and compares as the instants do. */
export const SQLITE_REGISTRY_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: "servers, manifests and items",
    sql: `
      CREATE TABLE switchboard_mcp (
        server TEXT PRIMARY KEY,
        config_hash TEXT NOT NULL,
        config TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE switchboard_mcp_manifests (
        server TEXT PRIMARY KEY,
        spec_hash TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        protocol_version TEXT NOT NULL,
        server_info TEXT NOT NULL,
        capabilities TEXT NOT NULL,
        instructions TEXT
      ) STRICT;
      CREATE TABLE switchboard_mcp_tools (
        server TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('tool', 'prompt', 'resource', 'resourceTemplate')),
        key TEXT NOT NULL,
        position INTEGER NOT NULL,
        definition_hash TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        definition TEXT NOT NULL,
        PRIMARY KEY (server, kind, key)
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: "api keys and sealed secrets",
    // principal_groups is a JSON array of strings. hash is the scrypt hash of the key's secret, never the key.
    // A secret's principal is '' for one that belongs to the whole gateway (part of the primary key, so not NULL).
    sql: `
      CREATE TABLE switchboard_api_keys (
        id TEXT PRIMARY KEY,
        principal TEXT NOT NULL,
        principal_groups TEXT NOT NULL,
        hash TEXT NOT NULL,
        description TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT
      ) STRICT;
      CREATE TABLE switchboard_secrets (
        kind TEXT NOT NULL CHECK (kind IN ('credential', 'oauth')),
        server TEXT NOT NULL,
        principal TEXT NOT NULL,
        name TEXT NOT NULL,
        sealed TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, server, principal, name)
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: "pins of tools, prompts and resource templates",
    // Definitions, identities and findings are JSON text; a NULL definition means none (never approved, or
    // nothing waiting). pinned_hash is '' while never approved. updated_at is indexed for replicas' polling.
    sql: `
      CREATE TABLE switchboard_pins (
        server TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('tool', 'prompt', 'resourceTemplate', 'instructions')),
        key TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('approved', 'pending', 'changed', 'rejected')),
        pinned_hash TEXT NOT NULL,
        pinned_definition TEXT,
        pinned_identity TEXT,
        candidate_hash TEXT,
        candidate_definition TEXT,
        candidate_identity TEXT,
        findings TEXT NOT NULL,
        decided_by TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (server, kind, key)
      ) STRICT;
      CREATE INDEX switchboard_pins_updated_at ON switchboard_pins (updated_at);
    `,
  },
];

export const SQLITE_AUDIT_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: "audit log",
    sql: `
      CREATE TABLE switchboard_mcp_logs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        principal TEXT,
        server TEXT NOT NULL,
        tool TEXT NOT NULL,
        arguments_hash TEXT NOT NULL,
        definition_hash TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error')),
        error_kind TEXT,
        duration_ms REAL NOT NULL,
        correlation_id TEXT NOT NULL
      ) STRICT;
      CREATE INDEX switchboard_mcp_logs_time ON switchboard_mcp_logs (time);
      CREATE INDEX switchboard_mcp_logs_server_tool_time ON switchboard_mcp_logs (server, tool, time);
    `,
  },
  {
    version: 2,
    name: "review decisions",
    // action is NULL for a tools/call (every record before this migration is one), so calls stay stored one way.
    // Decisions are rare beside calls: a partial index finds them without growing with the calls.
    sql: `
      ALTER TABLE switchboard_mcp_logs ADD COLUMN action TEXT CHECK (action IN ('approve', 'reject'));
      ALTER TABLE switchboard_mcp_logs ADD COLUMN detail TEXT;
      CREATE INDEX switchboard_mcp_logs_action_time ON switchboard_mcp_logs (action, time)
        WHERE action IS NOT NULL;
    `,
  },
];

/**
 * Vectors of tool documents for semantic search, keyed by the embedding model and the document's hash (the
 * tool's definition hash), so a tool is embedded once per definition. vector is little-endian float32, dims long.
 */
export const SQLITE_EMBEDDING_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: "embeddings",
    sql: `
      CREATE TABLE switchboard_mcp_embeddings (
        model TEXT NOT NULL,
        hash TEXT NOT NULL,
        dims INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (model, hash)
      ) STRICT;
    `,
  },
];

// The PostgreSQL schema of the registry and the audit log, as migrations.
//
// Names: the seeds kept three databases, mcp (servers), mcp_tools (tool metadata) and mcp_logs (logs). We keep
// those names as tables with a switchboard_ prefix, because our tables usually share a database with others and
// an unprefixed mcp_tools left over from the seeds' own scripts (other columns) would be silently accepted by
// CREATE TABLE IF NOT EXISTS. switchboard_mcp_tools holds every kind of item, not only tools. The audit table
// may live in a database of its own (a separate URL), as the seeds kept mcp_logs apart.
import type { PostgresMigration } from "./pg-migrate.ts";

/**
 * Definitions and server fields are json, not jsonb: json keeps the text as written, key order included (jsonb
 * reorders keys), so items read back exactly as the server sent them. fetched_at is text so it round-trips
 * verbatim, as in SQLite; the times the registry sets itself are timestamptz.
 */
export const POSTGRES_REGISTRY_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: "servers, manifests and items",
    sql: `
      CREATE TABLE switchboard_mcp (
        server text PRIMARY KEY,
        config_hash text NOT NULL,
        config json NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE switchboard_mcp_manifests (
        server text PRIMARY KEY,
        spec_hash text NOT NULL,
        fetched_at text NOT NULL,
        protocol_version text NOT NULL,
        server_info json NOT NULL,
        capabilities json NOT NULL,
        instructions text
      );
      CREATE TABLE switchboard_mcp_tools (
        server text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('tool', 'prompt', 'resource', 'resourceTemplate')),
        key text NOT NULL,
        position integer NOT NULL,
        definition_hash text NOT NULL,
        first_seen_at timestamptz NOT NULL,
        changed_at timestamptz NOT NULL,
        definition json NOT NULL,
        PRIMARY KEY (server, kind, key)
      );
    `,
  },
  {
    version: 2,
    name: "api keys and sealed secrets",
    // hash is the scrypt hash of the key's secret, never the key. A secret's principal is '' for one that
    // belongs to the whole gateway (part of the primary key, so not NULL).
    sql: `
      CREATE TABLE switchboard_api_keys (
        id text PRIMARY KEY,
        principal text NOT NULL,
        principal_groups text[] NOT NULL,
        hash text NOT NULL,
        description text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz
      );
      CREATE TABLE switchboard_secrets (
        kind text NOT NULL CHECK (kind IN ('credential', 'oauth')),
        server text NOT NULL,
        principal text NOT NULL,
        name text NOT NULL,
        sealed text NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (kind, server, principal, name)
      );
    `,
  },
  {
    version: 3,
    name: "pins of tools, prompts and resource templates",
    // Definitions and identities are json (key order kept, so a diff shows them as the server sent them); a
    // NULL definition means none (never approved, or nothing waiting). pinned_hash is '' while never approved.
    // updated_at is indexed: replicas poll for pins written since their last look.
    sql: `
      CREATE TABLE switchboard_pins (
        server text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('tool', 'prompt', 'resourceTemplate', 'instructions')),
        key text NOT NULL,
        state text NOT NULL CHECK (state IN ('approved', 'pending', 'changed', 'rejected')),
        pinned_hash text NOT NULL,
        pinned_definition json,
        pinned_identity json,
        candidate_hash text,
        candidate_definition json,
        candidate_identity json,
        findings json NOT NULL,
        decided_by text NOT NULL,
        first_seen_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (server, kind, key)
      );
      CREATE INDEX switchboard_pins_updated_at ON switchboard_pins (updated_at);
    `,
  },
];

/**
 * append_id is chosen by the writer, so an append retried after a dropped connection (which may or may not
 * have committed) is inserted at most once.
 */
export const POSTGRES_AUDIT_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: "audit log",
    sql: `
      CREATE TABLE switchboard_mcp_logs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        append_id uuid NOT NULL UNIQUE,
        time timestamptz NOT NULL,
        principal text,
        server text NOT NULL,
        tool text NOT NULL,
        arguments_hash text NOT NULL,
        definition_hash text,
        outcome text NOT NULL CHECK (outcome IN ('ok', 'error')),
        error_kind text,
        duration_ms double precision NOT NULL,
        correlation_id text NOT NULL
      );
      CREATE INDEX switchboard_mcp_logs_time ON switchboard_mcp_logs (time);
      CREATE INDEX switchboard_mcp_logs_server_tool_time ON switchboard_mcp_logs (server, tool, time);
    `,
  },
  {
    version: 2,
    name: "review decisions",
    // action is NULL for a tools/call (every record before this migration is one), so calls stay stored one way;
    // adding a nullable column without a default rewrites no rows. Decisions are rare beside calls: a partial
    // index finds them without growing with the calls.
    sql: `
      ALTER TABLE switchboard_mcp_logs ADD COLUMN action text CHECK (action IN ('approve', 'reject'));
      ALTER TABLE switchboard_mcp_logs ADD COLUMN detail text;
      CREATE INDEX switchboard_mcp_logs_action_time ON switchboard_mcp_logs (action, time)
        WHERE action IS NOT NULL;
    `,
  },
];

/**
 * Vectors of tool documents for semantic search, keyed by model and document hash. The vector column is a
 * pgvector `vector` when the extension is available and can be created (this migration tries; lacking the
 * privilege is not an error), else bytea holding little-endian float32s. Either way ranking happens in the
 * gateway; the adapter reads the column's type at open. A database that gains pgvector later keeps bytea.
 */
export const POSTGRES_EMBEDDING_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: "embeddings",
    sql: `
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
          BEGIN
            CREATE EXTENSION IF NOT EXISTS vector;
          EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'pgvector not usable (%); embeddings are stored as bytea', SQLERRM;
          END;
        END IF;
        EXECUTE format(
          'CREATE TABLE switchboard_mcp_embeddings (
             model text NOT NULL,
             hash text NOT NULL,
             dims integer NOT NULL,
             vector %s NOT NULL,
             created_at timestamptz NOT NULL DEFAULT now(),
             PRIMARY KEY (model, hash)
           )',
          CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN 'vector' ELSE 'bytea' END
        );
      END
      $$;
    `,
  },
];

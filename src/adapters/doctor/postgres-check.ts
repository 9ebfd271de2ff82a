// PostgreSQL as doctor sees it: one connection (not a pool), the server version, whether the schema is current
// (read from switchboard_migrations, never applied), and pgvector. Every step is bounded; the URL is redacted.
import type { Client } from "pg";
import { redactUrl } from "../../core/redact-url.ts";
import { isConnectionError } from "../storage/postgres/pg-errors.ts";
import { withDefaultUser } from "../storage/postgres/pg-user.ts";
import {
  check,
  type DoctorCheck,
  errorText,
  NETWORK_TIMEOUT_MS,
  SERVICE_BUDGET_MS,
  withoutPassword,
  withTimeout,
} from "./checks.ts";
import { type AppliedMigration, type ComponentMigrations, migrationsCheck } from "./migrations.ts";

export interface PostgresCheckOptions {
  url: string;
  /** The configured connect timeout; doctor caps it at NETWORK_TIMEOUT_MS. */
  connectTimeoutMs: number;
  /** Row name: `database`, `audit database`. */
  label: string;
  /** The components whose schema lives in this database. */
  components: readonly ComponentMigrations[];
  /** Also report pgvector (for the database semantic search would use). */
  pgvector: boolean;
}

/** Rows: `<label>`, `<label> migrations` and, when asked, `pgvector`; the later ones skip when `<label>` fails. */
export async function checkPostgres(options: PostgresCheckOptions): Promise<DoctorCheck[]> {
  const where = redactUrl(options.url) as string;
  const connectTimeoutMs = Math.min(Math.max(1, options.connectTimeoutMs), NETWORK_TIMEOUT_MS);
  // Loaded here, not at startup: every `switchboard` command imports doctor, and only doctor needs pg.
  const { Client: PgClient } = await import("pg");
  const client = new PgClient({
    connectionString: withDefaultUser(options.url),
    connectionTimeoutMillis: connectTimeoutMs,
    query_timeout: NETWORK_TIMEOUT_MS,
    application_name: "switchboard-doctor",
  });
  client.on("error", () => {}); // a backend dying mid-check surfaces as the failing query instead
  let connected = false;
  const probe = async (): Promise<DoctorCheck[]> => {
    await client.connect();
    connected = true;
    const [row] = await query(client, "SHOW server_version");
    const version = String(row?.server_version);
    return [
      check(options.label, "ok", `PostgreSQL ${version} at ${where}`, { url: where, version }),
      await schemaRow(client, options),
      ...(options.pgvector ? [await pgvectorRow(client)] : []),
    ];
  };
  try {
    return await withTimeout(probe(), SERVICE_BUDGET_MS, "the check");
  } catch (error) {
    const text = withoutPassword(errorText(error), options.url);
    const timedOut = /timeout expired|timed out/.test(text);
    const cause = timedOut ? `no answer within ${connected ? SERVICE_BUDGET_MS : connectTimeoutMs} ms` : text;
    const detail = connected
      ? `PostgreSQL at ${where} failed after connecting: ${cause}`
      : timedOut || isConnectionError(error)
        ? `PostgreSQL unreachable at ${where}: ${cause}`
        : `PostgreSQL refused the connection at ${where}: ${cause}`;
    const dependent = [`${options.label} migrations`, ...(options.pgvector ? ["pgvector"] : [])];
    return [
      check(options.label, "fail", detail, { url: where }),
      ...dependent.map((name) => check(name, "skip", `not checked: ${options.label} unavailable`)),
    ];
  } finally {
    await withTimeout(client.end(), 1_000, "closing").catch(() => {}); // also ends a probe still waiting
  }
}

async function schemaRow(client: Client, options: PostgresCheckOptions): Promise<DoctorCheck> {
  const name = `${options.label} migrations`;
  try {
    const [table] = await query(client, "SELECT to_regclass('switchboard_migrations') IS NOT NULL AS present");
    if (!table?.present) return migrationsCheck(name, options.components, undefined);
    const applied = await query(client, "SELECT component, version FROM switchboard_migrations");
    return migrationsCheck(
      name,
      options.components,
      applied.map((row): AppliedMigration => ({ component: String(row.component), version: Number(row.version) })),
    );
  } catch (error) {
    return check(name, "fail", `could not read switchboard_migrations: ${errorText(error)}`);
  }
}

/** Never a fail: without pgvector, semantic search computes similarities in the gateway. */
async function pgvectorRow(client: Client): Promise<DoctorCheck> {
  const fallback = "semantic search will use in-app vectors";
  try {
    const [installed] = await query(client, "SELECT extversion FROM pg_extension WHERE extname = 'vector'");
    if (installed) {
      return check("pgvector", "ok", `pgvector ${installed.extversion} installed`, {
        installed: true,
        version: String(installed.extversion),
      });
    }
    const [available] = await query(
      client,
      "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'",
    );
    if (available) {
      return check(
        "pgvector",
        "warn",
        `available (${available.default_version}) but not installed (CREATE EXTENSION vector): ${fallback}`,
        { installed: false, available: true, version: String(available.default_version) },
      );
    }
    return check("pgvector", "warn", `not installed: ${fallback}`, { installed: false, available: false });
  } catch (error) {
    return check("pgvector", "warn", `could not tell (${errorText(error)}): ${fallback}`);
  }
}

/** Bounded by the client's query_timeout. */
async function query(client: Client, sql: string): Promise<Record<string, unknown>[]> {
  return (await client.query(sql)).rows as Record<string, unknown>[];
}

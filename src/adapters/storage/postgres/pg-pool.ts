// The connection pool behind the PostgreSQL adapters, and the one way they run a transaction on it.
import { Pool, type PoolClient } from "pg";
import type { Logger } from "../../../ports/logger.ts";
import { isConnectionError, unavailableError } from "./pg-errors.ts";
import { withDefaultUser } from "./pg-user.ts";

export interface PostgresOptions {
  /** postgres://user@host:port/database (libpq URL; sslmode etc. as query parameters). */
  url: string;
  /** Most connections the pool opens. */
  poolSize: number;
  /** How long to wait for a new connection before failing as unavailable. */
  connectTimeoutMs: number;
  /** Where idle-connection errors go (they are expected when the server restarts). */
  logger?: Logger;
}

/**
 * synchronous_commit=on is set for our sessions because the ports promise a write is durable when it resolves,
 * whatever the server's default. The pool 'error' handler is required: without it an idle client's error
 * (its backend was terminated) is an unhandled 'error' event and ends the process. pg drops such clients, and
 * the next query opens a fresh connection, which is how the pool recovers once the server is back.
 */
export function createPgPool(options: PostgresOptions): Pool {
  const pool = new Pool({
    connectionString: withDefaultUser(options.url),
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: "switchboard",
    options: "-c synchronous_commit=on",
  });
  pool.on("error", (error) => {
    options.logger?.warn({ err: error }, "PostgreSQL connection lost while idle; it will be replaced");
  });
  return pool;
}

/**
 * Runs fn between BEGIN and COMMIT on one pooled client. A connection lost before COMMIT was sent rolls the
 * whole transaction back, so it surfaces as the raw connection error and withReconnect may retry it; lost
 * during COMMIT, the outcome is unknown, so it becomes unavailableError at once and is never retried.
 */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: a backend dying between our queries must not crash the process.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    try {
      await client.query("COMMIT");
    } catch (error) {
      if (isConnectionError(error)) throw unavailableError(error, " (the commit may or may not have happened)");
      throw error;
    }
    return result;
  } catch (error) {
    lost ??= await rollback(client, error);
    throw error;
  } finally {
    client.removeListener("error", onError);
    client.release(lost);
  }
}

/** Rolls back after a failure; returns an error when the client is unusable and must be discarded. */
async function rollback(client: PoolClient, failure: unknown): Promise<Error | undefined> {
  if (isConnectionError(failure)) return failure as Error;
  try {
    await client.query("ROLLBACK");
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

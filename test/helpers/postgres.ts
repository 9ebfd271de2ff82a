// Throwaway PostgreSQL databases for tests: each run creates its own (sb_test_<run>_<suffix>) on the server at
// SWITCHBOARD_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) and drops them at the end.
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { DatabaseSchema } from "../../src/config/state-schema.ts";

/** The configured defaults of a pool (size, connect timeout): what the gateway passes unless told otherwise. */
export const POOL_DEFAULTS = DatabaseSchema.parse({});

export const ADMIN_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Runs one statement on its own connection (the admin database unless another URL is given). */
export async function admin(sql: string, url = ADMIN_URL, values: unknown[] = []) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

export interface TestDatabases {
  /** postgres URL of a new, empty database of this run. */
  create(suffix: string): Promise<string>;
  dropAll(): Promise<void>;
}

export function testDatabases(): TestDatabases {
  const run = `sb_test_${randomBytes(6).toString("hex")}`;
  const created: string[] = [];
  return {
    async create(suffix) {
      const name = `${run}_${suffix}`;
      await admin(`CREATE DATABASE ${name}`);
      created.push(name);
      const url = new URL(ADMIN_URL);
      url.pathname = `/${name}`;
      return url.href;
    },
    async dropAll() {
      for (const name of created.splice(0)) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

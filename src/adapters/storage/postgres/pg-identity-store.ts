// The API keys, sealed secrets and pins in the registry's PostgreSQL database, on a small pool of their own.
import type { ApiKeyStore } from "../../../ports/api-key-store.ts";
import type { PinStore } from "../../../ports/pin-store.ts";
import type { SecretStore } from "../../../ports/secret-store.ts";
import { createPostgresApiKeyStore } from "./pg-api-key-store.ts";
import { migratePostgres } from "./pg-migrate.ts";
import { createPostgresPinStore } from "./pg-pin-store.ts";
import { createPgPool, type PostgresOptions } from "./pg-pool.ts";
import { POSTGRES_REGISTRY_MIGRATIONS } from "./pg-schema.ts";
import { createPostgresSecretStore } from "./pg-secret-store.ts";

export interface PostgresIdentityStore extends ApiKeyStore, SecretStore, PinStore {
  close(): Promise<void>;
}

export interface PostgresIdentityStoreOptions extends PostgresOptions {
  /** Epoch milliseconds for secrets' updated_at; injected so tests can date writes. Default Date.now. */
  now?: () => number;
}

/**
 * Connects, migrates, and returns the store; rejects with "PostgreSQL unavailable: …" if it cannot connect. The
 * tables belong to the registry's migrations, so this store and the registry may be opened in either order.
 * Every query goes through withReconnect, so an outage surfaces as `storage_unavailable`.
 */
export async function createPostgresIdentityStore(
  options: PostgresIdentityStoreOptions,
): Promise<PostgresIdentityStore> {
  const pool = createPgPool(options);
  try {
    await migratePostgres(pool, "registry", POSTGRES_REGISTRY_MIGRATIONS);
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    ...createPostgresApiKeyStore(pool),
    ...createPostgresSecretStore(pool, options.now),
    ...createPostgresPinStore(pool),
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}

// The API keys, sealed secrets and pins in the registry's SQLite file, on a connection of their own.
import type { ApiKeyStore } from "../../../ports/api-key-store.ts";
import type { PinStore } from "../../../ports/pin-store.ts";
import type { SecretStore } from "../../../ports/secret-store.ts";
import { openMigrated } from "./migrate.ts";
import type { SqliteOpenOptions } from "./open-database.ts";
import { createSqliteApiKeyStore } from "./sqlite-api-key-store.ts";
import { createSqlitePinStore } from "./sqlite-pin-store.ts";
import { SQLITE_REGISTRY_MIGRATIONS } from "./sqlite-schema.ts";
import { createSqliteSecretStore } from "./sqlite-secret-store.ts";

export interface IdentityStore extends ApiKeyStore, SecretStore, PinStore {
  close(): Promise<void>;
}

export interface SqliteIdentityStoreOptions extends SqliteOpenOptions {
  /** Epoch milliseconds for secrets' updated_at; injected so tests can date writes. Default Date.now. */
  now?: () => number;
}

/**
 * Opens (creating and migrating if needed) the file at path. The tables belong to the registry's migrations, so
 * this store and the registry may be opened in either order, by the gateway or by `switchboard keys`.
 */
export async function createSqliteIdentityStore(
  path: string,
  options: SqliteIdentityStoreOptions = {},
): Promise<IdentityStore> {
  const db = openMigrated(path, "registry", SQLITE_REGISTRY_MIGRATIONS, options);
  let closed = false;
  return {
    ...createSqliteApiKeyStore(db),
    ...createSqliteSecretStore(db, options.now),
    ...createSqlitePinStore(db),
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

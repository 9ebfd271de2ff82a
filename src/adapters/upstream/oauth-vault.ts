// Sealed JSON records of one remote server's OAuth client state, keyed by (server, principal): `tokens`,
// `client` (its registration) and `verifier` (a pending authorization: state, PKCE verifier, discovery).
import type { SecretStore } from "../../ports/secret-store.ts";
import type { SecretBox } from "../secrets/secret-box.ts";

export type OAuthRecordName = "tokens" | "client" | "verifier";

export interface OAuthVault {
  read<T>(name: OAuthRecordName): Promise<T | undefined>;
  write(name: OAuthRecordName, value: unknown): Promise<void>;
  remove(name: OAuthRecordName): Promise<void>;
}

export function createOAuthVault(store: SecretStore, box: SecretBox, server: string, principal: string): OAuthVault {
  const keyOf = (name: OAuthRecordName) => ({ kind: "oauth" as const, server, principal, name });
  return {
    async read<T>(name: OAuthRecordName) {
      const found = await store.getSecret(keyOf(name));
      return found ? (JSON.parse(box.open(found.sealed, keyOf(name))) as T) : undefined;
    },
    async write(name, value) {
      await store.putSecret({ ...keyOf(name), sealed: box.seal(JSON.stringify(value), keyOf(name)) });
    },
    async remove(name) {
      await store.deleteSecret(keyOf(name));
    },
  };
}

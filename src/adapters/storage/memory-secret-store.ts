// Sealed secrets in this process's memory: for tests and for gateways whose registry is not a database. Values
// are what the secret box sealed; nothing here is in clear.
import type { SealedSecret, SecretKey, SecretStore } from "../../ports/secret-store.ts";

const keyOf = (k: SecretKey) => JSON.stringify([k.kind, k.server, k.principal, k.name]);

export function createMemorySecretStore(): SecretStore {
  const secrets = new Map<string, SealedSecret>();
  return {
    async putSecret(secret) {
      secrets.set(keyOf(secret), { ...secret, updatedAt: new Date().toISOString() });
    },
    async getSecret(key) {
      const found = secrets.get(keyOf(key));
      return found ? { ...found } : undefined;
    },
    async deleteSecret(key) {
      return secrets.delete(keyOf(key));
    },
    async listSecrets(filter) {
      return [...secrets.values()]
        .filter(
          (s) =>
            s.kind === filter.kind &&
            (filter.server === undefined || s.server === filter.server) &&
            (filter.principal === undefined || s.principal === filter.principal),
        )
        .map(({ kind, server, principal, name }) => ({ kind, server, principal, name }));
    },
  };
}

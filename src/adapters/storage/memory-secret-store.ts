// The SecretStore in memory: for tests and for a gateway without a database (sealed values are lost when the
// process ends, so OAuth authorizations must then be repeated after a restart).
import type { SealedSecret, SecretKey, SecretStore } from "../../ports/secret-store.ts";

/** Length-prefixed parts, so no two identities share a map key. */
function keyOf(key: SecretKey): string {
  return [key.kind, key.server, key.principal, key.name].map((p) => `${p.length}:${p}`).join("|");
}

export function createMemorySecretStore(now: () => number = Date.now): SecretStore {
  const secrets = new Map<string, SealedSecret>();
  return {
    async putSecret(secret) {
      const { kind, server, principal, name, sealed } = secret;
      secrets.set(keyOf(secret), { kind, server, principal, name, sealed, updatedAt: new Date(now()).toISOString() });
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

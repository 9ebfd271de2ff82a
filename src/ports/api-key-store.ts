// The API key port: keys as the registry database keeps them (only a slow hash of the secret, never the key),
// created, listed and revoked by `switchboard keys` and the admin API, looked up by id on every request.

export interface ApiKeyRecord {
  /** Public id of the key (the part of the key before its secret); safe to log and show. */
  id: string;
  /** The principal the key authenticates as. */
  principal: string;
  groups: string[];
  /** The secret's hash in PHC-like form: `scrypt$N$r$p$<salt b64url>$<hash b64url>`. */
  hash: string;
  /** What the key is for, as given at creation; null when none. */
  description: string | null;
  /** ISO times. */
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface ApiKeyStore {
  /** Stores a new key; rejects when the id exists. */
  insertKey(record: ApiKeyRecord): Promise<void>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every key, revoked and expired ones included, oldest first. */
  listKeys(): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked at `at` (ISO); false when no such key exists or it was already revoked. */
  revokeKey(id: string, at: string): Promise<boolean>;
}

// The secret port: values only their owner may use (a principal's credential for a server, an OAuth token the
// gateway holds for a remote server), kept sealed (AES-256-GCM, see adapters/secrets/secret-box.ts) in the
// registry database. The store never sees a value in clear; it keeps what the box sealed.

/** What a secret is: a credential slot a principal filled, or an OAuth token set of a remote server. */
export type SecretKind = "credential" | "oauth";

export interface SecretKey {
  kind: SecretKind;
  server: string;
  /** The principal it belongs to; "" for a secret of the whole gateway (an OAuth token not per principal). */
  principal: string;
  /** The slot name (credentials) or a fixed name such as `tokens` or `client` (OAuth). */
  name: string;
}

export interface SealedSecret extends SecretKey {
  /** The sealed value (base64url of nonce, ciphertext and tag); opened only with the same key and AAD. */
  sealed: string;
  /** ISO time of the last write. */
  updatedAt: string;
}

export interface SecretStore {
  putSecret(secret: Omit<SealedSecret, "updatedAt">): Promise<void>;
  getSecret(key: SecretKey): Promise<SealedSecret | undefined>;
  /** False when there was none. */
  deleteSecret(key: SecretKey): Promise<boolean>;
  /** The keys (no values) of one kind, optionally of one server and/or principal. */
  listSecrets(filter: { kind: SecretKind; server?: string; principal?: string }): Promise<SecretKey[]>;
}

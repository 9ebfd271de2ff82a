// API keys: created and revoked by operators (`switchboard keys`, the admin API), verified on every request.
// Verification is the slow part by design (scrypt), so successes are remembered for cacheMs and the hashing
// of uncached keys is bounded (see docs/authentication.md).
import { createHash } from "node:crypto";
import { SwitchboardError } from "../../core/errors.ts";
import type { Principal } from "../../core/identity.ts";
import type { ApiKeyRecord, ApiKeyStore } from "../../ports/api-key-store.ts";
import type { Clock } from "../../ports/clock.ts";
import { type NewApiKey, validateNewApiKey } from "./api-key-input.ts";
import { generateKey, hashSecret, isKeyId, parseKey, secretMatches } from "./api-key-secret.ts";
import { createVerifiedKeys } from "./verified-keys.ts";
import { createWorkGate } from "./work-gate.ts";

export const DEFAULT_MAX_CACHED_KEYS = 10_000;
export const DEFAULT_MAX_CONCURRENT_VERIFICATIONS = 4;
export const DEFAULT_MAX_QUEUED_VERIFICATIONS = 64;
/** What a client refused for overload is told to wait before retrying. */
const OVERLOAD_RETRY_AFTER_MS = 1_000;

/**
 * Where a key stands now: `active` (accepted), `expired` (its expiresAt has passed), `revoked` (revoked by an
 * operator; a key both revoked and expired is `revoked`).
 */
export type ApiKeyStatus = "active" | "expired" | "revoked";

/** A key as shown to operators: the stored record without its hash, and its status. */
export type ApiKeyInfo = Omit<ApiKeyRecord, "hash"> & { status: ApiKeyStatus };

export interface ApiKeys {
  /** Stores a new key and returns it: the key text exists only in this answer. */
  create(input: NewApiKey): Promise<{ key: string; record: ApiKeyInfo }>;
  /** Every key, revoked and expired ones included, oldest first; never a hash. */
  list(): Promise<ApiKeyInfo[]>;
  /** False when no such key exists or it was revoked already. Drops this process's cached verification at once. */
  revoke(id: string): Promise<boolean>;
  /** The key's principal; `unauthenticated` (data.error `invalid_token`) for any key that is not accepted. */
  verify(key: string): Promise<Principal>;
}

export interface ApiKeysOptions {
  store: ApiKeyStore;
  clock: Clock;
  /** How long a verified key is remembered, in ms (a revocation reaches other replicas within this); 0: never. */
  cacheMs: number;
  /** Most keys remembered; the oldest goes first. Default 10000. */
  maxCachedKeys?: number;
  /** Uncached verifications hashing at once. Default 4. */
  maxConcurrentVerifications?: number;
  /** Uncached verifications waiting for a slot; one more is refused with `rate_limited`. Default 64. */
  maxQueuedVerifications?: number;
}

export function createApiKeys(options: ApiKeysOptions): ApiKeys {
  const { store, clock, cacheMs } = options;
  const cache = createVerifiedKeys(options.maxCachedKeys ?? DEFAULT_MAX_CACHED_KEYS);
  const gate = createWorkGate({
    concurrency: options.maxConcurrentVerifications ?? DEFAULT_MAX_CONCURRENT_VERIFICATIONS,
    maxQueued: options.maxQueuedVerifications ?? DEFAULT_MAX_QUEUED_VERIFICATIONS,
    refuse: () =>
      new SwitchboardError("rate_limited", "too many API key verifications in progress; try again shortly", {
        data: { retryAfterMs: OVERLOAD_RETRY_AFTER_MS, scope: "apiKeyVerification" },
      }),
  });
  // Requests carrying the same uncached key share one verification (keyed like the cache).
  const inFlight = new Map<string, { id: string; verification: Promise<Principal> }>();
  // Keys whose secret has matched once (by sha256 of the whole key, with the stored hash it matched): when their
  // cache entry runs out they are checked against the store again (revoked? expired? hash unchanged?) without
  // another scrypt, and without waiting behind a flood of unknown keys in the verification queue.
  const known = new Map<string, { id: string; hash: string }>();
  const maxKnown = options.maxCachedKeys ?? DEFAULT_MAX_CACHED_KEYS;
  // Bumped by every revoke: a verification that read its record before a revoke must not cache the key after it.
  let revocations = 0;
  let dummyHash: Promise<string> | undefined;

  const info = (record: ApiKeyRecord): ApiKeyInfo => {
    const { hash: _hash, ...rest } = record;
    return { ...rest, status: statusOf(record, clock.now()) };
  };

  const check = async (id: string, secret: string, cacheKey: string): Promise<Principal> => {
    const revocationsAtStart = revocations;
    const record = await store.getKey(id);
    // An unknown id costs a hash too, so neither the answer nor its timing says whether the id exists.
    dummyHash ??= hashSecret(generateKey().secret);
    const matches = await secretMatches(secret, record?.hash ?? (await dummyHash));
    if (record === undefined || !matches) throw refused("invalid API key");
    if (record.revokedAt !== null) throw refused(`API key ${id} has been revoked`);
    const now = clock.now();
    const expiresMs = record.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(record.expiresAt);
    if (expiresMs <= now) throw refused(`API key ${id} expired at ${record.expiresAt}`);
    const principal: Principal = Object.freeze({
      name: record.principal,
      groups: Object.freeze([...record.groups]),
      scopes: Object.freeze([]) as readonly string[],
      via: "apiKey",
      credentialId: id,
    });
    if (cacheMs > 0 && revocations === revocationsAtStart) {
      cache.set(cacheKey, principal, Math.min(now + cacheMs, expiresMs));
      known.delete(cacheKey);
      known.set(cacheKey, { id, hash: record.hash });
      if (known.size > maxKnown) known.delete(known.keys().next().value as string);
    }
    return principal;
  };

  /** A key that matched before: only its record is read again (no hash, no queue). */
  const recheck = async (cacheKey: string, seen: { id: string; hash: string }): Promise<Principal> => {
    const revocationsAtStart = revocations;
    const record = await store.getKey(seen.id);
    if (record === undefined || record.hash !== seen.hash) {
      known.delete(cacheKey);
      throw refused("invalid API key");
    }
    if (record.revokedAt !== null) throw refused(`API key ${seen.id} has been revoked`);
    const now = clock.now();
    const expiresMs = record.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(record.expiresAt);
    if (expiresMs <= now) throw refused(`API key ${seen.id} expired at ${record.expiresAt}`);
    const principal: Principal = Object.freeze({
      name: record.principal,
      groups: Object.freeze([...record.groups]),
      scopes: Object.freeze([]) as readonly string[],
      via: "apiKey",
      credentialId: seen.id,
    });
    if (revocations === revocationsAtStart) cache.set(cacheKey, principal, Math.min(now + cacheMs, expiresMs));
    return principal;
  };

  return {
    async create(input) {
      const valid = validateNewApiKey(input, clock.now());
      const { id, secret, key } = generateKey();
      const record: ApiKeyRecord = {
        id,
        ...valid,
        hash: await hashSecret(secret),
        createdAt: new Date(clock.now()).toISOString(),
        revokedAt: null,
      };
      await store.insertKey(record);
      return { key, record: info(record) };
    },
    async list() {
      return (await store.listKeys()).map(info);
    },
    async revoke(id) {
      if (!isKeyId(id)) return false;
      revocations++;
      cache.dropId(id);
      for (const [cacheKey, seen] of known) if (seen.id === id) known.delete(cacheKey);
      // Requests from now on check the store again instead of joining a verification that began before.
      for (const [cacheKey, entry] of inFlight) if (entry.id === id) inFlight.delete(cacheKey);
      const revoked = await store.revokeKey(id, new Date(clock.now()).toISOString());
      // Once more: a verification of this key may have finished while the store was writing.
      cache.dropId(id);
      return revoked;
    },
    async verify(key) {
      const parsed = parseKey(key);
      if (parsed === undefined) throw refused("malformed API key: expected sb_<12 hex characters>_<secret>");
      const cacheKey = createHash("sha256").update(key).digest("hex");
      const cached = cache.get(cacheKey, clock.now());
      if (cached !== undefined) return cached;
      const pending = inFlight.get(cacheKey);
      if (pending !== undefined) return pending.verification;
      const seen = known.get(cacheKey);
      const verification =
        seen !== undefined && seen.id === parsed.id
          ? recheck(cacheKey, seen)
          : gate.run(() => check(parsed.id, parsed.secret, cacheKey));
      const entry = { id: parsed.id, verification };
      inFlight.set(cacheKey, entry);
      const forget = () => {
        if (inFlight.get(cacheKey) === entry) inFlight.delete(cacheKey);
      };
      verification.then(forget, forget);
      return verification;
    },
  };
}

function statusOf(record: ApiKeyRecord, nowMs: number): ApiKeyStatus {
  if (record.revokedAt !== null) return "revoked";
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= nowMs) return "expired";
  return "active";
}

function refused(message: string): SwitchboardError {
  return new SwitchboardError("unauthenticated", message, { data: { error: "invalid_token" } });
}

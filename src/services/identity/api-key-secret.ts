// The text form of an API key (sb_<id>_<secret>) and the slow hash of its secret, the only part the store keeps.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/**
 * `sb_`, 12 lowercase hex characters of id (6 random bytes), `_`, 43 base64url characters of secret (32 random
 * bytes). The id is public (logs, listings, revoke); only the secret authenticates. The secret's alphabet
 * includes `_`, so a key is split by position, not by its underscores.
 */
const KEY_PATTERN = /^sb_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
export const API_KEY_LENGTH = 59;
const ID_PATTERN = /^[0-9a-f]{12}$/;

/**
 * scrypt with N=2^15, r=8, p=1 (OWASP's minimum for scrypt): ~32 MiB and tens of milliseconds per hash, so a
 * stolen table cannot be brute-forced cheaply. 16-byte random salt, 32-byte output. The stored form names its
 * parameters, so keys hashed with other parameters keep verifying if the defaults change.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Stored parameters past these are refused rather than run (a tampered row must not exhaust memory). */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

export interface ParsedKey {
  id: string;
  secret: string;
}

/** A fresh key: its id, its secret and the text the client sends. */
export function generateKey(): ParsedKey & { key: string } {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return { id, secret, key: `sb_${id}_${secret}` };
}

/** The key's parts, or undefined when the text is not a well-formed key (no lookup or hashing is needed then). */
export function parseKey(text: unknown): ParsedKey | undefined {
  if (typeof text !== "string" || text.length !== API_KEY_LENGTH) return undefined;
  const match = KEY_PATTERN.exec(text);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

export function isKeyId(text: string): boolean {
  return ID_PATTERN.test(text);
}

/** `scrypt$N$r$p$<salt b64url>$<hash b64url>`. */
export async function hashSecret(secret: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(secret, salt, params, HASH_BYTES);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

/** Whether secret hashes to stored (compared in constant time); false for a stored form this cannot read. */
export async function secretMatches(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (!validParams(N, r, p)) return false;
  const salt = Buffer.from(parts[4] as string, "base64url");
  const expected = Buffer.from(parts[5] as string, "base64url");
  if (salt.length === 0 || expected.length < 16) return false;
  const actual = await derive(secret, salt, { N, r, p }, expected.length);
  return timingSafeEqual(actual, expected);
}

function validParams(N: number, r: number, p: number): boolean {
  const powerOfTwo = Number.isInteger(N) && N >= 2 && N <= MAX_N && (N & (N - 1)) === 0;
  return powerOfTwo && Number.isInteger(r) && r >= 1 && r <= MAX_R && Number.isInteger(p) && p >= 1 && p <= MAX_P;
}

function derive(secret: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) is exactly that for the defaults and is refused.
  const maxmem = 256 * params.N * params.r;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { ...params, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

// Sealing secrets at rest: AES-256-GCM with a random 96-bit nonce per value, and the value's identity (kind,
// server, principal, name) as additional authenticated data, so a sealed value copied to another row (another
// principal's slot) fails to open instead of being used. The key comes from SWITCHBOARD_SECRET_KEY, from a key
// file, or (embedded default only) from a key file the gateway creates in its state directory.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SwitchboardError } from "../../core/errors.ts";
import type { SecretKey } from "../../ports/secret-store.ts";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Version prefix of a sealed value, so the format can change without guessing. */
const FORMAT = "v1.";

export interface SecretBox {
  seal(plaintext: string, key: SecretKey): string;
  /** Throws SwitchboardError `internal` (never the value) when the value was tampered with or sealed under another key or identity. */
  open(sealed: string, key: SecretKey): string;
}

/** The AAD of a secret: its identity, unambiguous (each part length-prefixed). */
function aadOf(key: SecretKey): Buffer {
  const parts = [key.kind, key.server, key.principal, key.name].map((p) => `${Buffer.byteLength(p)}:${p}`);
  return Buffer.from(parts.join("|"), "utf8");
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("a secret key must be 32 bytes");
  return {
    seal(plaintext, id) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, nonce);
      cipher.setAAD(aadOf(id));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return FORMAT + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64url");
    },
    open(sealed, id) {
      try {
        if (!sealed.startsWith(FORMAT)) throw new Error("unknown format");
        const raw = Buffer.from(sealed.slice(FORMAT.length), "base64url");
        if (raw.length < NONCE_BYTES + TAG_BYTES) throw new Error("too short");
        const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, NONCE_BYTES));
        decipher.setAAD(aadOf(id));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        return Buffer.concat([
          decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)),
          decipher.final(),
        ]).toString("utf8");
      } catch {
        throw new SwitchboardError(
          "internal",
          `the stored ${id.kind} secret "${id.name}" of server "${id.server}" cannot be opened: it was sealed with ` +
            "another key (SWITCHBOARD_SECRET_KEY changed?) or altered",
        );
      }
    },
  };
}

/** Parses a key given as 64 hex characters or base64/base64url of 32 bytes. */
export function parseSecretKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64url");
  if (key.length !== 32) {
    throw new SwitchboardError(
      "config_invalid",
      `${source} must hold a 32-byte key (64 hex characters or base64); generate one with: openssl rand -hex 32`,
      { data: { source, problems: [{ path: source, message: "not a 32-byte key" }] } },
    );
  }
  return key;
}

export interface SecretKeySource {
  /** SWITCHBOARD_SECRET_KEY, when set. */
  envKey: string | undefined;
  /** A file holding the key, when configured. */
  keyFile: string | undefined;
  /** Where a key is created when neither is given (the state directory's `secret.key`); undefined: none is created. */
  fallbackFile: string | undefined;
}

/**
 * The key to seal with, and where it came from. A created fallback key is written 0600; the caller warns that it
 * lives beside the data it protects (fine on a laptop, not in production: set SWITCHBOARD_SECRET_KEY).
 */
export function loadSecretKey(source: SecretKeySource): { key: Buffer; from: "env" | "file" | "created" | "state" } {
  if (source.envKey) return { key: parseSecretKey(source.envKey, "env.SWITCHBOARD_SECRET_KEY"), from: "env" };
  if (source.keyFile)
    return { key: parseSecretKey(readFileSync(source.keyFile, "utf8"), source.keyFile), from: "file" };
  if (!source.fallbackFile) {
    throw new SwitchboardError(
      "config_invalid",
      "stored secrets need a key: set SWITCHBOARD_SECRET_KEY (openssl rand -hex 32) or gateway.secrets.keyFile",
    );
  }
  if (existsSync(source.fallbackFile)) {
    return { key: parseSecretKey(readFileSync(source.fallbackFile, "utf8"), source.fallbackFile), from: "state" };
  }
  const key = randomBytes(32);
  mkdirSync(dirname(source.fallbackFile), { recursive: true });
  writeFileSync(source.fallbackFile, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(source.fallbackFile, 0o600);
  return { key, from: "created" };
}

// Per-principal credentials in the configuration: a server's credential slots (which make it per-principal) and
// the key that seals stored values (gateway.secrets). docs/credentials.md describes both.
import { z } from "zod";

/** What a per-principal server gets when it does not set `maxInstances`. */
export const DEFAULT_MAX_INSTANCES = 64;

const SLOT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const CredentialSlotSchema = z
  .object({
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional()
      .describe("Environment variable of a stdio server that receives the value."),
    header: z
      .string()
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/)
      .optional()
      .describe("HTTP header of a remote server that receives the value."),
    format: z
      .string()
      .includes("{value}")
      .default("{value}")
      .describe('How the value is written; `{value}` is replaced by it (e.g. "Bearer {value}"); default {value}.'),
    description: z.string().optional().describe("What the value is, shown by `switchboard credentials list`."),
    required: z
      .boolean()
      .default(true)
      .describe("A call without a value fails with credentials_required; false: the slot is left out; default true."),
  })
  .strict()
  .describe("One credential slot: exactly one of env (stdio) or header (remote).");

/** Server fields of per-principal servers (spread into the server schema). */
export const credentialServerSettings = {
  credentials: z
    .record(z.string().regex(SLOT_NAME), CredentialSlotSchema)
    .optional()
    .describe(
      "Credential slots each principal fills for itself; set, the server runs one instance per principal with that principal's values only.",
    ),
  maxInstances: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      `Most instances of a per-principal server at once; the least recently used idle one is stopped to make room; default ${DEFAULT_MAX_INSTANCES}.`,
    ),
};

export const SecretsSchema = z
  .object({
    keyFile: z
      .string()
      .optional()
      .describe(
        "File holding the 32-byte key that seals stored credentials (64 hex characters), relative to the config file; SWITCHBOARD_SECRET_KEY takes precedence; unset: <stateDir>/secret.key, created if missing.",
      ),
  })
  .strict()
  .describe("Sealing of stored credentials (AES-256-GCM).");

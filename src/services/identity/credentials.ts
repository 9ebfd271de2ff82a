// Per-principal upstream credentials: the values each principal stores for a server's credential slots, sealed
// at rest (the seal binds each value to its server, principal and slot), and the spec of a principal's own
// instance with its values in place. Values are never logged and never listed; only their keys are.
import { SwitchboardError } from "../../core/errors.ts";
import type { EventBus } from "../../core/events.ts";
import type { CredentialSlot, ServerSpec } from "../../core/server-spec.ts";
import type { SecretKey, SecretStore } from "../../ports/secret-store.ts";

/** Seals and opens values under their identity (adapters/secrets/secret-box.ts implements it). */
export interface SecretSealer {
  seal(plaintext: string, key: SecretKey): string;
  open(sealed: string, key: SecretKey): string;
}

export interface CredentialKey {
  server: string;
  /** The principal's name. */
  principal: string;
  slot: string;
}

export interface CredentialsOptions {
  store: SecretStore;
  sealer: SecretSealer;
  /** The configured server of that name, if any. */
  spec(server: string): ServerSpec | undefined;
  /** Where each stored or deleted value is announced (`credential-changed`): the instance must not keep the old one. */
  events?: EventBus;
}

/** Longest value accepted: far above any token, low enough that an environment or a header cannot be flooded. */
export const MAX_CREDENTIAL_BYTES = 16 * 1024;

export class Credentials {
  private readonly o: CredentialsOptions;

  constructor(options: CredentialsOptions) {
    this.o = options;
  }

  /** Stores a principal's value for a declared slot (replacing any earlier one). */
  async set(key: CredentialKey, value: string): Promise<void> {
    const slot = this.slotOf(key);
    checkValue(value, slot, key);
    const id = secretKey(key);
    await this.o.store.putSecret({ ...id, sealed: this.o.sealer.seal(value, id) });
    this.o.events?.emit("credential-changed", { ...key, revoked: false });
  }

  /** The principal's own value, opened; undefined when it stored none. */
  async open(key: CredentialKey): Promise<string | undefined> {
    const id = secretKey(key);
    const found = await this.o.store.getSecret(id);
    return found ? this.o.sealer.open(found.sealed, id) : undefined;
  }

  /** False when there was no value. */
  async delete(key: CredentialKey): Promise<boolean> {
    this.slotOf(key);
    const deleted = await this.o.store.deleteSecret(secretKey(key));
    if (deleted) this.o.events?.emit("credential-changed", { ...key, revoked: true });
    return deleted;
  }

  /** Which values are stored (keys only, never values), optionally of one server and/or principal. */
  async list(filter: { server?: string; principal?: string } = {}): Promise<CredentialKey[]> {
    const keys = await this.o.store.listSecrets({ kind: "credential", ...filter });
    return keys
      .map((k) => ({ server: k.server, principal: k.principal, slot: k.name }))
      .sort(
        (a, b) =>
          a.server.localeCompare(b.server) || a.principal.localeCompare(b.principal) || a.slot.localeCompare(b.slot),
      );
  }

  /**
   * The spec of `principal`'s own instance of a per-principal server: its values opened from the store now (a
   * value set since the last start is used) and put in the environment or headers. A required slot without a
   * value fails with `credentials_required` naming the slots; nothing else (no shared value, no other
   * principal's) is ever put in its place.
   */
  async instanceSpec(spec: ServerSpec, principal: string): Promise<ServerSpec> {
    const slots = spec.credentials ?? {};
    const values: [string, CredentialSlot, string][] = [];
    const missing: string[] = [];
    for (const [name, slot] of Object.entries(slots)) {
      const value = await this.open({ server: spec.name, principal, slot: name });
      if (value !== undefined) values.push([name, slot, slot.format.replaceAll("{value}", () => value)]);
      else if (slot.required) missing.push(name);
    }
    if (missing.length > 0) {
      throw new SwitchboardError(
        "credentials_required",
        `server ${spec.name} needs your own credentials: no value for ${missing.map((s) => `"${s}"`).join(", ")}; ` +
          `set ${missing.length > 1 ? "them" : "it"} with: switchboard credentials set ${spec.name} ${missing[0]}`,
        { data: { server: spec.name, slots: missing } },
      );
    }
    return withValues({ ...spec, principal }, values);
  }

  private slotOf(key: CredentialKey): CredentialSlot {
    const spec = this.o.spec(key.server);
    if (!spec) throw new SwitchboardError("server_not_found", `no server named "${key.server}" is configured`);
    const slots = spec.credentials;
    if (!slots) {
      throw new SwitchboardError("invalid_params", `server ${key.server} declares no credential slots`, {
        data: { server: key.server },
      });
    }
    const slot = slots[key.slot];
    if (!slot) {
      throw new SwitchboardError(
        "invalid_params",
        `server ${key.server} has no credential slot "${key.slot}" (slots: ${Object.keys(slots).join(", ")})`,
        { data: { server: key.server, slots: Object.keys(slots) } },
      );
    }
    return slot;
  }
}

function secretKey(key: CredentialKey): SecretKey {
  return { kind: "credential", server: key.server, principal: key.principal, name: key.slot };
}

function checkValue(value: string, slot: CredentialSlot, key: CredentialKey): void {
  const problem =
    typeof value !== "string" || value === ""
      ? "is empty"
      : Buffer.byteLength(value) > MAX_CREDENTIAL_BYTES
        ? `is longer than ${MAX_CREDENTIAL_BYTES} bytes`
        : value.includes("\0")
          ? "contains a NUL character"
          : slot.header !== undefined && /[\r\n]/.test(value)
            ? "contains a line break (not allowed in a header)"
            : undefined;
  if (problem) {
    throw new SwitchboardError("invalid_params", `the value for ${key.server} slot "${key.slot}" ${problem}`, {
      data: { server: key.server, slot: key.slot },
    });
  }
}

/**
 * The spec with the values in its environment (stdio) or headers (remote); config validation pairs them. Every
 * slot's target is cleared first: an optional slot without a value is absent, not the shared config's value.
 */
function withValues(spec: ServerSpec, values: readonly [string, CredentialSlot, string][]): ServerSpec {
  const { transport } = spec;
  const slots = Object.values(spec.credentials ?? {});
  if (transport.kind === "stdio") {
    const env = { ...transport.env };
    for (const slot of slots) if (slot.env !== undefined) delete env[slot.env];
    for (const [, slot, text] of values) if (slot.env !== undefined) env[slot.env] = text;
    return { ...spec, transport: { ...transport, env } };
  }
  const headers = { ...transport.headers };
  const cleared = new Set(slots.flatMap((slot) => (slot.header ? [slot.header.toLowerCase()] : [])));
  for (const name of Object.keys(headers)) if (cleared.has(name.toLowerCase())) delete headers[name];
  for (const [, slot, text] of values) if (slot.header !== undefined) headers[slot.header] = text;
  return { ...spec, transport: { ...transport, headers } };
}

// `switchboard credentials set|list|delete`: a principal's values for a per-principal server's credential slots,
// through a running gateway's admin API (--url / SWITCHBOARD_URL, bearer SWITCHBOARD_TOKEN) or straight in the
// store the configuration names. A value is read from stdin, never from the command line (other users can
// read a process's arguments).
import { openCommandCredentials } from "../../app/index.ts";
import { SwitchboardError } from "../../core/errors.ts";
import { ANONYMOUS } from "../../core/identity.ts";
import type { CredentialKey } from "../../services/identity/credentials.ts";
import { type CliArgs, UsageError } from "./args.ts";
import { loadCliConfig } from "./config-source.ts";
import { out } from "./output.ts";
import { readSecret } from "./read-secret.ts";
import { adminRequest, authHint } from "./remote-auth.ts";
import { formatTable } from "./table.ts";

/** What the command does, locally or through the admin API. */
interface CredentialTarget {
  set(key: CredentialKey, value: string): Promise<void>;
  list(server: string | undefined): Promise<CredentialKey[]>;
  delete(key: CredentialKey): Promise<boolean>;
  close(): Promise<void>;
}

export async function credentials(args: CliArgs): Promise<number> {
  const [, action, server, slot] = args.positionals;
  const principal = args.principal ?? ANONYMOUS.name;
  if (action === "list") {
    if (slot !== undefined) throw new UsageError("credentials list takes at most a server name");
  } else if (action === "set" || action === "delete") {
    if (!server || !slot || args.positionals.length > 4)
      throw new UsageError(`usage: switchboard credentials ${action} SERVER SLOT [--principal NAME]`);
  } else {
    throw new UsageError("usage: switchboard credentials set|list|delete … (see switchboard help credentials)");
  }
  // The value is read before anything is opened: a prompt must not wait behind a database connection.
  const value = action === "set" ? await readSecret(`Value for ${server} ${slot} (${principal}): `) : undefined;
  const url = args.url ?? process.env.SWITCHBOARD_URL;
  const target = url ? remote(url) : await local(args);
  try {
    if (action === "list") {
      const keys = await target.list(server);
      out(args.json ? JSON.stringify(keys) : table(keys));
      return 0;
    }
    const key = { server: server as string, slot: slot as string, principal };
    if (action === "set") {
      await target.set(key, value as string);
      out(`stored ${key.server} ${key.slot} for ${key.principal}`);
      return 0;
    }
    const deleted = await target.delete(key);
    out(deleted ? `deleted ${key.server} ${key.slot} of ${key.principal}` : `no value was stored for ${key.principal}`);
    return 0;
  } finally {
    await target.close();
  }
}

function table(keys: readonly CredentialKey[]): string {
  if (keys.length === 0) return "no stored credentials";
  return formatTable(
    ["SERVER", "SLOT", "PRINCIPAL"],
    keys.map((k) => [k.server, k.slot, k.principal]),
  );
}

async function local(args: CliArgs): Promise<CredentialTarget> {
  const opened = await openCommandCredentials(loadCliConfig(args));
  return {
    set: (key, value) => opened.credentials.set(key, value),
    list: (server) => opened.credentials.list(server ? { server } : {}),
    delete: (key) => opened.credentials.delete(key),
    close: () => opened.close(),
  };
}

function remote(base: string): CredentialTarget {
  const path = (key: CredentialKey) => `/credentials/${encodeURIComponent(key.server)}/${encodeURIComponent(key.slot)}`;
  return {
    async set(key, value) {
      await admin(base, "PUT", path(key), { value, principal: key.principal });
    },
    async list(server) {
      const query = server ? `?server=${encodeURIComponent(server)}` : "";
      const body = (await admin(base, "GET", `/credentials${query}`)) as { credentials?: CredentialKey[] };
      return body.credentials ?? [];
    },
    async delete(key) {
      const body = (await admin(base, "DELETE", `${path(key)}?principal=${encodeURIComponent(key.principal)}`)) as {
        deleted?: boolean;
      };
      return body.deleted === true;
    },
    close: async () => {},
  };
}

async function admin(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const { status, answer } = await adminRequest(base, method, path, body);
  if (status < 200 || status >= 300) {
    throw new SwitchboardError("internal", String(answer.message ?? `HTTP ${status}`) + authHint(status));
  }
  return answer;
}

// `switchboard keys create|list|revoke`: API keys, in the store the configuration names (without starting
// anything) or through a running gateway's admin API (--url).
import { commandLogger, openIdentityStore } from "../../app/index.ts";
import { isSwitchboardError, SwitchboardError } from "../../core/errors.ts";
import { systemClock } from "../../ports/clock.ts";
import type { NewApiKey } from "../../services/identity/api-key-input.ts";
import { type ApiKeyInfo, createApiKeys } from "../../services/identity/api-keys.ts";
import { type CliArgs, UsageError } from "./args.ts";
import { EXIT_FAILURE } from "./commands.ts";
import { loadCliConfig } from "./config-source.ts";
import { err, out } from "./output.ts";
import { adminRequest } from "./remote-auth.ts";
import { formatTable } from "./table.ts";

/** What a created key's answer shows (the admin API's POST /keys body). */
type CreatedKey = Pick<ApiKeyInfo, "id" | "principal" | "groups" | "expiresAt" | "createdAt" | "description"> & {
  key: string;
};

interface KeysClient {
  create(input: NewApiKey): Promise<CreatedKey>;
  list(): Promise<ApiKeyInfo[]>;
  revoke(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function keys(args: CliArgs): Promise<number> {
  const action = args.positionals[1];
  if (action !== "create" && action !== "list" && action !== "revoke")
    throw new UsageError(`keys needs create, list or revoke ID${action ? `, got "${action}"` : ""}`);
  const input = action === "create" ? createInput(args) : undefined;
  const id = args.positionals[2];
  if (action === "revoke" && !id) throw new UsageError("keys revoke needs the key's id (see keys list)");
  const client = await openClient(args);
  try {
    if (input) printCreated(await client.create(input), args.json);
    else if (action === "list") printList(await client.list(), args.json);
    else if (!(await client.revoke(id as string))) {
      err(`switchboard: no active API key with id "${id}" (unknown, or revoked already)`);
      return EXIT_FAILURE;
    } else out(args.json ? JSON.stringify({ revoked: true, id }) : `API key ${id} revoked`);
    return 0;
  } catch (error) {
    // Bad input is the caller's to fix: a usage error (exit 2) with the service's message.
    if (isSwitchboardError(error, "invalid_params")) throw new UsageError(error.message);
    throw error;
  } finally {
    await client.close();
  }
}

function createInput(args: CliArgs): NewApiKey {
  if (!args.principal) throw new UsageError("keys create needs --principal NAME");
  const groups = (args.groups ?? "")
    .split(",")
    .map((group) => group.trim())
    .filter((group) => group !== "");
  return {
    principal: args.principal,
    groups,
    expiresAt: args.expires === undefined ? null : expiryOf(args.expires, Date.now()),
    description: args.description ?? null,
  };
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90m`, `12h`, `30d` from now, or an ISO time as given (the service checks it). */
export function expiryOf(text: string, nowMs: number): string {
  const match = /^(\d{1,6})([mhd])$/.exec(text.trim());
  if (!match) return text;
  const amount = Number(match[1]);
  if (amount === 0) throw new UsageError("--expires must be in the future (a duration above 0, or an ISO time)");
  return new Date(nowMs + amount * (UNIT_MS[match[2] as string] as number)).toISOString();
}

function printCreated(created: CreatedKey, json: boolean): void {
  if (json) {
    out(JSON.stringify(created));
    return;
  }
  out(
    [
      `API key ${created.id} created for principal "${created.principal}"`,
      `  groups:      ${created.groups.join(", ") || "none"}`,
      `  expires:     ${created.expiresAt ?? "never"}`,
      ...(created.description ? [`  description: ${created.description}`] : []),
      "Shown once: store it now. Only a hash of it is kept, so it cannot be shown again.",
      created.key,
    ].join("\n"),
  );
}

function printList(list: readonly ApiKeyInfo[], json: boolean): void {
  if (json) {
    out(JSON.stringify(list));
    return;
  }
  if (list.length === 0) {
    out("no API keys");
    return;
  }
  const header = ["ID", "PRINCIPAL", "GROUPS", "STATUS", "CREATED", "EXPIRES", "DESCRIPTION"];
  const rows = list.map((k) => [
    k.id,
    k.principal,
    k.groups.join(",") || "-",
    k.status === "revoked" && k.revokedAt ? `revoked ${k.revokedAt}` : k.status,
    k.createdAt,
    k.expiresAt ?? "never",
    k.description ?? "",
  ]);
  out(formatTable(header, rows));
}

async function openClient(args: CliArgs): Promise<KeysClient> {
  const url = args.url ?? process.env.SWITCHBOARD_URL;
  if (url) return remoteClient(url, process.env.SWITCHBOARD_TOKEN);
  const config = loadCliConfig(args);
  const store = await openIdentityStore(config.gateway, commandLogger("error"));
  const service = createApiKeys({ store, clock: systemClock, cacheMs: 0 });
  return {
    create: async (input) => {
      const { key, record } = await service.create(input);
      return { key, ...record };
    },
    list: () => service.list(),
    revoke: (id) => service.revoke(id),
    close: () => store.close(),
  };
}

function remoteClient(base: string, token: string | undefined): KeysClient {
  const call = (method: string, path: string, body?: unknown) => adminRequest(base, method, path, body);
  const failure = (status: number, answer: Record<string, unknown>) => {
    const message = String(answer.message ?? `HTTP ${status}`);
    const code = (answer.error as { code?: string } | undefined)?.code;
    if (status === 400 && code === "invalid_params") return new UsageError(message);
    if (status === 401 || status === 403) {
      const hint = token ? "the token given is not accepted" : "set SWITCHBOARD_TOKEN to an admin's key or token";
      return new SwitchboardError("unauthenticated", `the gateway refused: ${message} (${hint})`);
    }
    return new SwitchboardError("internal", `the gateway answered ${status}: ${message}`);
  };
  return {
    async create(input) {
      const { status, answer } = await call("POST", "/keys", input);
      if (status !== 201) throw failure(status, answer);
      return answer as unknown as CreatedKey;
    },
    async list() {
      const { status, answer } = await call("GET", "/keys");
      if (status !== 200) throw failure(status, answer);
      return (answer.keys ?? []) as ApiKeyInfo[];
    },
    async revoke(id) {
      const { status, answer } = await call("DELETE", `/keys/${encodeURIComponent(id)}`);
      if (status === 404 && (answer.error as { code?: string } | undefined)?.code === "resource_not_found")
        return false;
      if (status !== 200) throw failure(status, answer);
      return true;
    },
    close: async () => {},
  };
}

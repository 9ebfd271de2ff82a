// The gateway as an OAuth 2.1 client of its remote servers: providers for the HTTP connector, starting an
// authorization (admin API, CLI) and completing it from /oauth/callback. Tokens, registrations and pending
// authorizations are sealed in the SecretStore under (server, principal): "" for the gateway's own tokens, the
// instance's principal for a server with `oauth.perPrincipal`.
import { timingSafeEqual } from "node:crypto";
import {
  auth,
  LATEST_PROTOCOL_VERSION,
  OAuthError,
  SdkHttpError,
  SSEClientTransport,
  type StoredOAuthTokens,
  StreamableHTTPClientTransport,
  type Transport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { SwitchboardError } from "../../core/errors.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import type { Logger } from "../../ports/logger.ts";
import type { SecretStore } from "../../ports/secret-store.ts";
import {
  type AuthorizeOutcome,
  type CompletedAuthorization,
  OAUTH_CALLBACK_PATH,
  type UpstreamAuthorizer,
} from "../../ports/upstream-authorizer.ts";
import type { SecretBox } from "../secrets/secret-box.ts";
import {
  GatewayOAuthProvider,
  isPendingValid,
  PENDING_AUTHORIZATION_TTL_MS,
  type PendingAuthorization,
  type TokenCache,
} from "./oauth-provider.ts";
import { createOAuthVault } from "./oauth-vault.ts";

export interface UpstreamOAuthOptions {
  servers: readonly ServerSpec[];
  store: SecretStore;
  box: SecretBox;
  logger: Logger;
  now?: () => number;
  /** The gateway's public base URL (behind a proxy); the redirect URL is built on it when set. */
  publicUrl?: string | undefined;
  /** The configured listen address (`http://host:port`), until the HTTP front reports the bound one. */
  configuredUrl?: string | undefined;
}

export interface UpstreamOAuth extends UpstreamAuthorizer {
  /** The provider a connection to `spec` authenticates with; undefined for a server without `oauth`. */
  providerFor(spec: ServerSpec): GatewayOAuthProvider | undefined;
}

export function createUpstreamOAuth(options: UpstreamOAuthOptions): UpstreamOAuth {
  const now = options.now ?? Date.now;
  const specs = new Map(options.servers.map((spec) => [spec.name, spec]));
  const caches = new Map<string, StoredOAuthTokens | undefined>();
  let listeningUrl: string | undefined;

  const redirectUrlOf = (spec: ServerSpec) => () => {
    const configured = spec.oauth?.redirectUrl;
    if (configured) return configured;
    const base = options.publicUrl ?? listeningUrl ?? options.configuredUrl;
    if (!base) {
      throw new SwitchboardError(
        "upstream_unavailable",
        `server ${spec.name} needs an OAuth redirect URL: set servers.${spec.name}.oauth.redirectUrl, or serve HTTP`,
      );
    }
    return `${base.replace(/\/+$/, "")}${OAUTH_CALLBACK_PATH}`;
  };

  const provider = (spec: ServerSpec, principal: string, pending?: PendingAuthorization) => {
    const settings = spec.oauth as NonNullable<ServerSpec["oauth"]>;
    const cacheKey = `${spec.name}\u0000${principal}`;
    const tokens: TokenCache = {
      get: () => caches.get(cacheKey),
      set: (value) => void caches.set(cacheKey, value),
    };
    const vault = createOAuthVault(options.store, options.box, spec.name, principal);
    return new GatewayOAuthProvider({
      settings,
      vault,
      tokens,
      redirectUrl: redirectUrlOf(spec),
      now,
      ...(pending ? { pending } : {}),
    });
  };

  const oauthSpec = (name: string): ServerSpec & { oauth: NonNullable<ServerSpec["oauth"]> } => {
    const spec = specs.get(name);
    if (!spec) throw new SwitchboardError("server_not_found", `no server named "${name}" is configured`);
    if (!spec.oauth || spec.transport.kind !== "http")
      throw new SwitchboardError("invalid_params", `server ${name} does not use OAuth (no \`oauth\` setting)`);
    return spec as ServerSpec & { oauth: NonNullable<ServerSpec["oauth"]> };
  };

  return {
    providerFor(spec) {
      if (!spec.oauth) return undefined;
      if (spec.oauth.perPrincipal && spec.principal === undefined) {
        throw new SwitchboardError(
          "upstream_unavailable",
          `server ${spec.name} uses per-principal OAuth tokens: it is connected for one principal at a time`,
        );
      }
      return provider(spec, spec.oauth.perPrincipal ? (spec.principal ?? "") : "");
    },

    async authorize(name, principal, signal) {
      const spec = oauthSpec(name);
      const owner = ownerOf(spec, principal);
      const vault = createOAuthVault(options.store, options.box, name, owner);
      const waiting = await vault.read<PendingAuthorization>("verifier");
      if (isPendingValid(waiting, now()) && waiting.authorizationUrl) return pendingOutcome(waiting);
      // The same first request a connection makes: the server's 401 challenge (resource metadata, scope) drives
      // the SDK's flow exactly as it would at a start.
      const flow = provider({ ...spec, ...(owner ? { principal: owner } : {}) }, owner);
      const outcome = await probe(spec, flow, signal);
      if (outcome === "authorized") return { authorized: true };
      const started = await vault.read<PendingAuthorization>("verifier");
      if (!started?.authorizationUrl) throw new SwitchboardError("internal", `server ${name}: no authorization URL`);
      return pendingOutcome(started);
    },

    async complete(query, signal) {
      signal?.throwIfAborted();
      const state = query.get("state");
      if (!state) throw callbackError("the callback carries no `state`");
      const found = await findPending(options, state);
      if (!found) {
        throw callbackError(
          "this authorization is unknown or was already used; start it again (switchboard servers authorize NAME)",
        );
      }
      const { server, principal, pending, vault } = found;
      // One use: gone before anything else can fail.
      await vault.remove("verifier");
      if (!isPendingValid(pending, now())) {
        throw callbackError(`the authorization of server ${server} expired (10 minutes); start it again`);
      }
      const error = query.get("error");
      if (error) {
        const description = query.get("error_description");
        throw callbackError(
          `server ${server}'s authorization server refused: ${error}${description ? ` (${description})` : ""}`,
        );
      }
      const code = query.get("code");
      if (!code) throw callbackError("the callback carries no `code`");
      const spec = oauthSpec(server);
      const flow = provider(spec, principal, pending);
      const resourceMetadataUrl = pending.discovery?.resourceMetadataUrl;
      try {
        const result = await auth(flow, {
          serverUrl: transportUrl(spec),
          authorizationCode: code,
          iss: query.get("iss") ?? undefined,
          ...(resourceMetadataUrl ? { resourceMetadataUrl: new URL(resourceMetadataUrl) } : {}),
        });
        if (result !== "AUTHORIZED") throw new Error(`the flow ended in ${result}`);
      } catch (cause) {
        const detail = cause instanceof Error ? cause.message : String(cause);
        throw new SwitchboardError(
          "invalid_request",
          `server ${server}: exchanging the authorization code failed: ${detail}`,
          {
            cause,
          },
        );
      }
      options.logger.info({ server, principal: principal || undefined }, "remote server authorized");
      return { server, principal } satisfies CompletedAuthorization;
    },

    listening(baseUrl) {
      listeningUrl = baseUrl;
    },
  };
}

/** Whose tokens an authorization is for: the gateway's ("") or, with perPrincipal, the named principal's. */
function ownerOf(
  spec: ServerSpec & { oauth: NonNullable<ServerSpec["oauth"]> },
  principal: string | undefined,
): string {
  if (spec.oauth.perPrincipal && !principal)
    throw new SwitchboardError("invalid_params", `server ${spec.name} keeps tokens per principal: name the principal`);
  if (!spec.oauth.perPrincipal && principal)
    throw new SwitchboardError(
      "invalid_params",
      `server ${spec.name} keeps one token set for the gateway (oauth.perPrincipal is false): give no principal`,
    );
  return principal ?? "";
}

function pendingOutcome(pending: PendingAuthorization): AuthorizeOutcome {
  return {
    authorized: false,
    authorizationUrl: pending.authorizationUrl as string,
    expiresAt: new Date(pending.createdAtMs + PENDING_AUTHORIZATION_TTL_MS).toISOString(),
  };
}

function transportUrl(spec: ServerSpec): string {
  if (spec.transport.kind !== "http") throw new Error(`server ${spec.name} is not a remote server`);
  return spec.transport.url;
}

function callbackError(message: string): SwitchboardError {
  return new SwitchboardError("invalid_request", message);
}

/** The pending authorization whose state matches, wherever it is (the state does not say whose it is). */
async function findPending(options: UpstreamOAuthOptions, state: string) {
  const wanted = Buffer.from(state);
  const keys = await options.store.listSecrets({ kind: "oauth" });
  for (const key of keys.filter((k) => k.name === "verifier")) {
    const vault = createOAuthVault(options.store, options.box, key.server, key.principal);
    const pending = await vault.read<PendingAuthorization>("verifier").catch(() => undefined);
    const candidate = Buffer.from(pending?.state ?? "");
    if (pending && candidate.length === wanted.length && timingSafeEqual(candidate, wanted)) {
      return { server: key.server, principal: key.principal, pending, vault };
    }
  }
  return undefined;
}

const INITIALIZE = {
  jsonrpc: "2.0" as const,
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: "switchboard-authorize", version: "1.0.0" },
  },
};

function isAuthRefusal(error: unknown): boolean {
  if (error instanceof UnauthorizedError || error instanceof OAuthError) return true;
  if (error instanceof SwitchboardError) return true;
  return error instanceof SdkHttpError && (error.status === 401 || error.status === 403);
}

/**
 * Sends tools/list with the stored token, if any, and lets the SDK's flow answer a 401 or 403 challenge as it
 * does for a connection. "authorized": the server took the request; "redirect": a pending authorization waits.
 */
async function probe(
  spec: ServerSpec,
  flow: GatewayOAuthProvider,
  signal?: AbortSignal,
): Promise<"authorized" | "redirect"> {
  if (spec.transport.kind !== "http") throw new Error(`server ${spec.name} is not a remote server`);
  const url = new URL(spec.transport.url);
  // The protocol version header too: servers of the 2026 era refuse a request without one, initialize included.
  const transportOptions = {
    authProvider: flow,
    requestInit: { headers: { ...spec.transport.headers } },
    protocolVersion: LATEST_PROTOCOL_VERSION,
  };
  const transport: Transport =
    spec.transport.mode === "sse"
      ? new SSEClientTransport(url, transportOptions)
      : new StreamableHTTPClientTransport(url, transportOptions);
  transport.onerror = () => {};
  try {
    signal?.throwIfAborted();
    await transport.start();
    // A request servers guard whatever the protocol era (some let initialize through without a token). Only a
    // refusal for want of a token matters here: any other answer means the server took the request (or the
    // token), so there is nothing to authorize.
    if (spec.transport.mode !== "sse") {
      const refusedOnly = (error: unknown) => {
        if (isAuthRefusal(error)) throw error;
      };
      const listed = await transport
        .send({ jsonrpc: "2.0", id: 0, method: "tools/list", params: {} })
        .then(() => true, refusedOnly);
      // Refused for another reason (a server that wants a session first): try initialize, which it must take.
      if (!listed) await transport.send(INITIALIZE).catch(refusedOnly);
    }
    return "authorized";
  } catch (error) {
    if (error instanceof UnauthorizedError && flow.authorizationUrl) return "redirect";
    if (error instanceof SwitchboardError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new SwitchboardError("upstream_unavailable", `server ${spec.name}: authorization failed: ${detail}`, {
      cause: error,
    });
  } finally {
    await (transport as Partial<StreamableHTTPClientTransport>).terminateSession?.().catch(() => {});
    await transport.close().catch(() => {});
  }
}

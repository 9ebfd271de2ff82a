// The SDK's OAuthClientProvider for one remote server and one token owner (the gateway, or a principal): the
// SDK runs the OAuth flows (discovery, registration, PKCE, token exchange, refresh); this decides where their
// results live (sealed, in the SecretStore) and turns "send the user to this URL" into a pending authorization
// that the gateway's /oauth/callback completes.
import { randomBytes } from "node:crypto";
import {
  type AddClientAuthentication,
  createPrivateKeyJwtAuth,
  type OAuthClientInformationContext,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from "@modelcontextprotocol/client";
import type { UpstreamOAuthSpec } from "../../core/server-spec.ts";
import type { OAuthVault } from "./oauth-vault.ts";

/** How long a started authorization may be completed. */
export const PENDING_AUTHORIZATION_TTL_MS = 10 * 60_000;

/** An authorization waiting for its callback (the `verifier` record). */
export interface PendingAuthorization {
  state: string;
  codeVerifier: string;
  /** The redirect URI the authorization URL carries: the code exchange must send the same. */
  redirectUrl: string;
  createdAtMs: number;
  authorizationUrl?: string;
  /** Where discovery led (authorization server, metadata): the callback leg must use the same server. */
  discovery?: OAuthDiscoveryState;
}

/** The `client` record: a registration (dynamic, CIMD, or the configured client stamped with its issuer). */
interface ClientRecord {
  info: StoredOAuthClientInformation;
  /** The redirect URI it was registered with. */
  redirectUrl: string | undefined;
}

/** The last token set read or written, shared by every provider of the same (server, principal). */
export interface TokenCache {
  get(): StoredOAuthTokens | undefined;
  set(tokens: StoredOAuthTokens | undefined): void;
}

export interface GatewayOAuthProviderOptions {
  settings: UpstreamOAuthSpec;
  vault: OAuthVault;
  tokens: TokenCache;
  /** The redirect URI now (authorization code grant); throws when the gateway cannot tell its own URL. */
  redirectUrl: () => string;
  now: () => number;
  /** Set when completing a callback: the pending authorization it answers. */
  pending?: PendingAuthorization;
}

export function isPendingValid(
  pending: PendingAuthorization | undefined,
  now: number,
): pending is PendingAuthorization {
  return pending !== undefined && now - pending.createdAtMs < PENDING_AUTHORIZATION_TTL_MS;
}

export class GatewayOAuthProvider implements OAuthClientProvider {
  /** The URL a person must open, once a flow asked for one (the new pending one, or the one still waiting). */
  authorizationUrl: string | undefined;
  readonly clientMetadataUrl: string | undefined;
  /** Set with a configured private key: token requests carry a signed client assertion (private_key_jwt). */
  readonly addClientAuthentication: AddClientAuthentication | undefined;
  private readonly options: GatewayOAuthProviderOptions;
  private discovery: OAuthDiscoveryState | undefined;
  private issuedState: string | undefined;
  private started: PendingAuthorization | undefined;

  constructor(options: GatewayOAuthProviderOptions) {
    this.options = options;
    this.clientMetadataUrl = options.settings.clientMetadataUrl;
    const { clientId, privateKey, signingAlgorithm } = options.settings;
    this.addClientAuthentication =
      clientId && privateKey
        ? createPrivateKeyJwtAuth({ issuer: clientId, subject: clientId, privateKey, alg: signingAlgorithm })
        : undefined;
    this.discovery = options.pending?.discovery;
  }

  private get interactive(): boolean {
    return this.options.settings.grant === "authorization_code";
  }

  get redirectUrl(): string | undefined {
    if (!this.interactive) return undefined;
    return this.options.pending?.redirectUrl ?? this.options.redirectUrl();
  }

  get clientMetadata(): OAuthClientMetadata {
    const { settings } = this.options;
    const redirectUrl = this.redirectUrl;
    return {
      client_name: "Switchboard MCP gateway",
      redirect_uris: redirectUrl ? [redirectUrl] : [],
      grant_types: this.interactive ? ["authorization_code", "refresh_token"] : ["client_credentials"],
      response_types: this.interactive ? ["code"] : [],
      token_endpoint_auth_method: settings.privateKey
        ? "private_key_jwt"
        : settings.clientSecret
          ? "client_secret_basic"
          : "none",
      ...(settings.scopes.length > 0 ? { scope: settings.scopes.join(" ") } : {}),
    };
  }

  state(): string {
    this.issuedState = randomBytes(32).toString("base64url");
    return this.issuedState;
  }

  async clientInformation(): Promise<StoredOAuthClientInformation | undefined> {
    const { settings } = this.options;
    const stored = await this.options.vault.read<ClientRecord>("client");
    if (stored && this.stillValid(stored)) return stored.info;
    if (settings.clientId === undefined) return undefined;
    return settings.clientSecret === undefined
      ? { client_id: settings.clientId }
      : { client_id: settings.clientId, client_secret: settings.clientSecret };
  }

  /** A stored registration is of the configured client, or (registered by the gateway) for this redirect URI. */
  private stillValid(stored: ClientRecord): boolean {
    const { settings } = this.options;
    if (settings.clientId !== undefined) return stored.info.client_id === settings.clientId;
    return !this.interactive || stored.redirectUrl === this.redirectUrl;
  }

  async saveClientInformation(info: StoredOAuthClientInformation): Promise<void> {
    const record: ClientRecord = { info, redirectUrl: this.redirectUrl };
    await this.options.vault.write("client", record);
  }

  /** Without `ctx` (before every request) the cached set; with it (an OAuth flow) the stored one. */
  async tokens(ctx?: OAuthClientInformationContext): Promise<StoredOAuthTokens | undefined> {
    const cached = this.options.tokens.get();
    if (cached && !ctx) return cached;
    const stored = await this.options.vault.read<StoredOAuthTokens>("tokens");
    this.options.tokens.set(stored);
    return stored;
  }

  async saveTokens(tokens: StoredOAuthTokens): Promise<void> {
    await this.options.vault.write("tokens", tokens);
    this.options.tokens.set(tokens);
  }

  /**
   * A flow needs a person. An authorization still waiting is kept (its URL may already be in someone's browser);
   * otherwise the new one is stored for the callback.
   */
  async saveCodeVerifier(codeVerifier: string): Promise<void> {
    const waiting = await this.options.vault.read<PendingAuthorization>("verifier");
    if (isPendingValid(waiting, this.options.now()) && waiting.authorizationUrl) {
      this.authorizationUrl = waiting.authorizationUrl;
      return;
    }
    this.started = {
      state: this.issuedState ?? this.state(),
      codeVerifier,
      redirectUrl: this.redirectUrl as string,
      createdAtMs: this.options.now(),
      ...(this.discovery ? { discovery: this.discovery } : {}),
    };
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    if (!this.started) return;
    this.started.authorizationUrl = authorizationUrl.href;
    this.authorizationUrl = authorizationUrl.href;
    await this.options.vault.write("verifier", this.started);
    this.started = undefined;
  }

  codeVerifier(): string {
    const verifier = this.options.pending?.codeVerifier;
    if (!verifier) throw new Error("no authorization is waiting for a code");
    return verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }

  /**
   * Only the callback leg reuses a discovery (it must reach the authorization server that issued the code). Any
   * other flow discovers afresh, so a server that moved to another authorization server is followed there.
   */
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.options.pending?.discovery;
  }

  /** Client credentials ask for a token directly; the authorization code grant uses the SDK's default request. */
  prepareTokenRequest(scope?: string): URLSearchParams | undefined {
    if (this.interactive) return undefined;
    const params = new URLSearchParams({ grant_type: "client_credentials" });
    if (scope) params.set("scope", scope);
    return params;
  }

  async invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery"): Promise<void> {
    if (scope === "all" || scope === "discovery") this.discovery = undefined;
    if (scope === "all" || scope === "client") await this.options.vault.remove("client");
    if (scope === "all" || scope === "verifier") await this.options.vault.remove("verifier");
    if (scope === "all" || scope === "tokens") {
      await this.options.vault.remove("tokens");
      this.options.tokens.set(undefined);
    }
  }
}

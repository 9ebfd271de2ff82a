// A real OAuth 2.1 authorization server for tests: oidc-provider on 127.0.0.1 port 0 with dynamic client
// registration (public clients), PKCE required, resource indicators (RFC 8707) that mint JWT access tokens whose
// `aud` is the requested resource, a `groups` claim, and a headless interaction: whoever the authorization request
// names in `login_hint` (default alice) is logged in and every requested scope is consented to.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { closeAtEnd } from "./cleanup.ts";

/** The user logged in when the authorization request names none. */
export const DEFAULT_USER = "alice";

export interface TestAuthorizationServerOptions {
  /** The scopes every resource server accepts, space-separated. */
  resourceScopes: string;
  /** Each user's groups, put in the access token's `groups` claim; users not listed have none. */
  groups?: Record<string, readonly string[]>;
  /** Pre-registered clients (oidc-provider client metadata), besides those that register themselves. */
  clients?: readonly Record<string, unknown>[];
}

export interface TestAuthorizationServer {
  /** The issuer URL (no trailing slash): `iss` of its tokens and the base of its metadata. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** What went wrong inside the provider (server errors, refused requests), for failure messages. */
  readonly problems: string[];
  close(): Promise<void>;
}

/** Access tokens live ten minutes; the tests take seconds. */
const ACCESS_TOKEN_TTL_SECONDS = 600;

export async function startTestAuthorizationServer(
  options: TestAuthorizationServerOptions,
): Promise<TestAuthorizationServer> {
  // The issuer must be known before the provider exists: bind first, hand requests over once it is built.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const problems: string[] = [];
  const provider = new Provider(issuer, await configuration(options));
  for (const event of ["server_error", "authorization.error", "grant.error", "registration_create.error"]) {
    provider.on(event, (_ctx, error) => problems.push(`${event}: ${describe(error)}`));
  }
  const callback = provider.callback();
  handle = (req, res) => {
    if (req.url?.startsWith("/interaction/")) {
      interact(provider, req, res).catch((error: unknown) => {
        problems.push(`interaction: ${describe(error)}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`interaction failed: ${describe(error)}`);
      });
      return;
    }
    callback(req, res);
  };
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      forget();
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closing;
  };
  const forget = closeAtEnd(close);
  return { issuer, jwksUri: `${issuer}/jwks`, problems, close };
}

async function configuration(options: TestAuthorizationServerOptions): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: "test-rs256", alg: "RS256", use: "sig" };
  const groups = options.groups ?? {};
  return {
    clients: [...(options.clients ?? [])],
    jwks: { keys: [signingKey] },
    cookies: { keys: ["test-cookie-signing-key"] },
    responseTypes: ["code"],
    // Registration requests name the scopes they will ask for; the resource scopes must be known to pass.
    scopes: ["openid", "offline_access", ...options.resourceScopes.split(" ")],
    // S256 is the only method oidc-provider supports; required for every client, not just public ones.
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        // Any resource the client names gets a JWT access token bound to it (`aud`), with the scopes asked for
        // among those the resource accepts.
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          audience: resource,
          scope: options.resourceScopes,
          accessTokenFormat: "jwt",
          accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    findAccount: (_ctx: unknown, accountId: string) => ({ accountId, claims: () => ({ sub: accountId }) }),
    extraTokenClaims: (_ctx: unknown, token: { kind: string; accountId?: string }) =>
      token.kind === "AccessToken" && token.accountId ? { groups: [...(groups[token.accountId] ?? [])] } : undefined,
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
      RefreshToken: 3600,
    },
  };
}

/** One interaction step: log the hinted user in, then consent to whatever the client asked for. */
async function interact(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === "login") {
    const hint = typeof params.login_hint === "string" && params.login_hint !== "" ? params.login_hint : DEFAULT_USER;
    await provider.interactionFinished(req, res, { login: { accountId: hint } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name !== "consent") throw new Error(`unexpected prompt ${prompt.name}`);
  const accountId = session?.accountId ?? DEFAULT_USER;
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId: String(params.client_id) });
  const missingOIDCScope = prompt.details.missingOIDCScope as string[] | undefined;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(" "));
  const missingResourceScopes = prompt.details.missingResourceScopes as Record<string, string[]> | undefined;
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(" "));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

function describe(error: unknown): string {
  const e = error as { error?: string; error_description?: string; message?: string };
  return e?.error ? `${e.error}: ${e.error_description ?? ""}` : (e?.message ?? String(error));
}

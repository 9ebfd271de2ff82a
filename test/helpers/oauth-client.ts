// The client side of the MCP OAuth flow for tests: an in-memory OAuthClientProvider for the SDK v2 client that
// plays the user agent headlessly — it follows the authorization server's redirects (with a cookie jar) until the
// redirect to its loopback redirect URL, which is never served, and keeps the callback's parameters for finishAuth.
import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from "@modelcontextprotocol/client";

/** Never listened on: the flow stops at the redirect to it. */
export const REDIRECT_URL = "http://127.0.0.1:1/callback";

/** Redirects followed at most from the authorization URL to the callback. */
const MAX_REDIRECTS = 10;

export interface HeadlessOAuthClient extends OAuthClientProvider {
  /** Every authorization URL the SDK sent the "user" to, in order. */
  readonly authorizationUrls: URL[];
  /** The query of the last redirect to REDIRECT_URL (code, state, iss), for `transport.finishAuth`. */
  callback(): URLSearchParams;
  /** The current access token. */
  accessToken(): string;
}

export interface HeadlessOAuthClientOptions {
  /** Sent as `login_hint`: the user the test authorization server logs in. */
  user?: string;
  /** Overrides the RFC 8707 resource the client asks a token for (to mint tokens for another audience). */
  resource?: string;
  /** A client id registered in advance: the client skips dynamic registration. */
  clientId?: string;
}

export function createHeadlessOAuthClient(options: HeadlessOAuthClientOptions = {}): HeadlessOAuthClient {
  let client: StoredOAuthClientInformation | undefined =
    options.clientId === undefined ? undefined : { client_id: options.clientId };
  let tokens: StoredOAuthTokens | undefined;
  let verifier: string | undefined;
  let discovery: OAuthDiscoveryState | undefined;
  let callback: URLSearchParams | undefined;
  const authorizationUrls: URL[] = [];
  const metadata: OAuthClientMetadata = {
    client_name: "switchboard oauth test client",
    redirect_uris: [REDIRECT_URL],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
  const provider: HeadlessOAuthClient = {
    authorizationUrls,
    get redirectUrl() {
      return REDIRECT_URL;
    },
    get clientMetadata() {
      return metadata;
    },
    clientInformation: () => client,
    saveClientInformation: (information) => {
      client = information;
    },
    tokens: () => tokens,
    saveTokens: (saved) => {
      tokens = saved;
    },
    saveCodeVerifier: (saved) => {
      verifier = saved;
    },
    codeVerifier: () => {
      if (verifier === undefined) throw new Error("no PKCE code verifier was saved before the redirect");
      return verifier;
    },
    saveDiscoveryState: (state) => {
      discovery = state;
    },
    discoveryState: () => discovery,
    async redirectToAuthorization(url) {
      if (options.user !== undefined) url.searchParams.set("login_hint", options.user);
      authorizationUrls.push(new URL(url));
      callback = await followToCallback(url);
    },
    callback() {
      if (callback === undefined) throw new Error("the authorization flow has not reached the redirect URL");
      return callback;
    },
    accessToken() {
      if (tokens === undefined) throw new Error("the client holds no access token");
      return tokens.access_token;
    },
  };
  if (options.resource !== undefined) {
    const resource = new URL(options.resource);
    provider.validateResourceURL = async () => resource;
  }
  return provider;
}

/**
 * Plays the browser: GETs the authorization URL and follows redirects, keeping the authorization server's
 * cookies, until it is sent to REDIRECT_URL; returns that redirect's query. An error page stops it with its text.
 */
async function followToCallback(start: URL): Promise<URLSearchParams> {
  const cookies = new Map<string, string>();
  let current = start;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await fetch(current, {
      redirect: "manual",
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; ") },
    });
    for (const line of response.headers.getSetCookie()) keepCookie(cookies, line);
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || location === null) {
      const text = await response.text();
      throw new Error(
        `authorization stopped at ${current.pathname} with HTTP ${response.status}: ${text.slice(0, 500)}`,
      );
    }
    await response.body?.cancel();
    const next = new URL(location, current);
    if (`${next.origin}${next.pathname}` === REDIRECT_URL) {
      if (next.searchParams.has("error")) {
        throw new Error(
          `authorization refused: ${next.searchParams.get("error")} ${next.searchParams.get("error_description") ?? ""}`,
        );
      }
      return next.searchParams;
    }
    current = next;
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects without reaching ${REDIRECT_URL}`);
}

/** A Set-Cookie line into the jar; paths are ignored (one flow at a time), expired cookies are dropped. */
function keepCookie(cookies: Map<string, string>, line: string): void {
  const [pair = ""] = line.split(";");
  const equals = pair.indexOf("=");
  if (equals <= 0) return;
  const name = pair.slice(0, equals).trim();
  const value = pair.slice(equals + 1).trim();
  const expired = /expires=[^;]*1970/i.test(line) || /max-age=0\b/i.test(line);
  if (value === "" || expired) cookies.delete(name);
  else cookies.set(name, value);
}

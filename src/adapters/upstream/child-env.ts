// The environment a stdio server gets: an allow-list of the gateway's variables plus the server's own `env`.
// Secrets in the gateway's environment (database URLs, API keys, proxy passwords) are not inherited unless
// listed. This limits what is handed over, not what a same-user child can read (/proc/<pid>/environ): see
// docs/configuration.md.

/** Language and formatting: every server gets these, sandboxed or not. */
const LOCALE_ENV = [
  "LANG",
  "LANGUAGE",
  "LC_ALL",
  "LC_CTYPE",
  "LC_MESSAGES",
  "LC_NUMERIC",
  "LC_TIME",
  "LC_COLLATE",
] as const;

export const DEFAULT_INHERITED_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TERM",
  "TMPDIR",
  "TZ",
  ...LOCALE_ENV,
  "XDG_RUNTIME_DIR",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_CACHE_HOME",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  // Windows essentials, harmless elsewhere.
  "SYSTEMROOT",
  "APPDATA",
  "LOCALAPPDATA",
  "PATHEXT",
  "COMSPEC",
  "USERPROFILE",
  "TEMP",
  "TMP",
] as const;

/** Proxy variables of the default list: inherited without the `user:password@` of their URL. */
const PROXY_ENV: ReadonlySet<string> = new Set(["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]);

/**
 * The child's environment. Proxy URLs inherited by default lose their credentials (any client could read them
 * back through a tool that prints its environment); a proxy variable named in `extraInherited` or set in the
 * server's own `env` is passed as given.
 */
export function childEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  extraInherited: readonly string[],
  own: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of DEFAULT_INHERITED_ENV) {
    const value = parent[name];
    if (value !== undefined) env[name] = PROXY_ENV.has(name) ? withoutCredentials(value) : value;
  }
  for (const name of extraInherited) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...own };
}

/** A proxy URL without its `user:password@`; a value that is not a URL with credentials is kept as it is. */
export function withoutCredentials(value: string): string {
  // Proxy variables are often written without a scheme (`user:pw@proxy:3128`): the userinfo is cut textually.
  const match = /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)@/i.exec(value);
  if (!match) return value;
  return `${match[1] ?? ""}${value.slice(match[0].length)}`;
}

/** What every sandboxed server gets from the gateway's environment, whatever its profile lists. */
export const SANDBOX_BASE_ENV = ["PATH", ...LOCALE_ENV, "TZ", "TERM"] as const;

/**
 * The environment of a server with a sandbox profile: the base, the names its profile passes through, and its
 * own `env`. Nothing else of the gateway's (no HOME, no proxies, no gateway.inheritEnv): secrets reach it only as
 * `${VAR}` in its own `env`. HOME and TMPDIR are set by the backend to the private tmp.
 */
export function sandboxedEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  passThrough: readonly string[],
  own: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...SANDBOX_BASE_ENV, ...passThrough]) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...own };
}

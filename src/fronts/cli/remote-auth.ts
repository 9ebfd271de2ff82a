// The credential commands send to a running gateway (--url): SWITCHBOARD_TOKEN, an API key or an access token.
// Only from the environment: a token given as an argument would be readable by every user in the process list.

/** Headers for a request to a running gateway: Authorization when SWITCHBOARD_TOKEN is set. */
export function remoteHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = process.env.SWITCHBOARD_TOKEN?.trim();
  return token ? { ...extra, authorization: `Bearer ${token}` } : { ...extra };
}

/** A hint to add to an error after the gateway answered 401 or 403. */
export function authHint(status: number): string {
  if (status === 401) return " (the gateway requires authentication: set SWITCHBOARD_TOKEN to an API key or token)";
  if (status === 403) return " (the credential in SWITCHBOARD_TOKEN lacks admin rights)";
  return "";
}

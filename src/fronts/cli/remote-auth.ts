// The credential commands send to a running gateway (--url): SWITCHBOARD_TOKEN, an API key or an access token.
// Only from the environment: a token given as an argument would be readable by every user in the process list.
import { SwitchboardError } from "../../core/errors.ts";

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

/** One JSON request to a running gateway's admin API with SWITCHBOARD_TOKEN; the status and the parsed answer. */
export async function adminRequest(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; answer: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(new URL(path, base), {
      method,
      headers: remoteHeaders(body === undefined ? {} : { "content-type": "application/json" }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new SwitchboardError(
      "upstream_unavailable",
      `cannot reach the gateway at ${base}: ${(error as Error).cause ?? error}`,
    );
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, answer };
}

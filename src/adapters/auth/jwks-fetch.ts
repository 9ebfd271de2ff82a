// One bounded fetch of a JSON Web Key Set: the whole answer must arrive within the timeout and fit the byte cap,
// so an issuer endpoint that hangs or answers 100 MB costs the gateway a few milliseconds and a little memory.
import type { JSONWebKeySet } from "jose";

/** Cap on a JWKS answer; real sets are a few kilobytes. Bytes. */
export const DEFAULT_MAX_JWKS_BYTES = 256 * 1024;

export interface JwksFetchOptions {
  timeoutMs: number;
  maxBytes: number;
  fetch: typeof fetch;
}

/** Why a JWKS could not be had; the message is for logs (it names no token). */
export class JwksFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "JwksFetchError";
  }
}

/** GETs the set; redirects are not followed (the configured URL is the trusted one). */
export async function fetchJwks(url: string, options: JwksFetchOptions): Promise<JSONWebKeySet> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const late = () => new JwksFetchError(`no complete answer within ${options.timeoutMs} ms`);
  let response: Response;
  try {
    response = await options.fetch(url, {
      method: "GET",
      redirect: "manual",
      signal,
      headers: { accept: "application/jwk-set+json, application/json" },
    });
  } catch (error) {
    if (signal.aborted) throw late();
    throw new JwksFetchError(`unreachable: ${describe(error)}`, { cause: error });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new JwksFetchError(`answered HTTP ${response.status} (expected 200)`);
  }
  let text: string;
  try {
    text = await readText(response, options.maxBytes);
  } catch (error) {
    if (error instanceof JwksFetchError) throw error;
    if (signal.aborted) throw late();
    throw new JwksFetchError(`the answer broke off: ${describe(error)}`, { cause: error });
  }
  return parseJwks(text);
}

/** The body as text, refused (and the connection dropped) as soon as it passes `maxBytes`. */
async function readText(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new JwksFetchError(`the answer is ${declared} bytes, more than the ${maxBytes} allowed`);
  }
  const body = response.body;
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new JwksFetchError(`the answer is more than the ${maxBytes} bytes allowed`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A JSON object with a `keys` array of objects; symmetric (`oct`) members are dropped, never used. */
function parseJwks(text: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new JwksFetchError("the answer is not JSON");
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.every((key) => key !== null && typeof key === "object" && !Array.isArray(key))) {
    throw new JwksFetchError('the answer is not a JWK set (an object with a "keys" array of keys)');
  }
  return { keys: keys.filter((key) => key.kty !== "oct") };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

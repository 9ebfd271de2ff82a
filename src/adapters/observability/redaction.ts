// What never reaches a log line: credentials in headers, secret-named fields, server environments, and
// passwords inside URLs (in messages and top-level string fields).

/** pino redact paths (fast-redact syntax: `*` is one level). */
export const REDACT_PATHS: readonly string[] = [
  ...["authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key"].flatMap((h) => [
    `headers["${h}"]`,
    `*.headers["${h}"]`,
    `req.headers["${h}"]`,
  ]),
  ...[
    "apiKey",
    "api_key",
    "password",
    "passwd",
    "secret",
    "clientSecret",
    "client_secret",
    "token",
    "accessToken",
    "access_token",
    "refreshToken",
    "refresh_token",
    "authorization",
    "env",
  ].flatMap((field) => [field, `*.${field}`]),
];

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@:]*:[^\s/?#@]*@/gi;

/** `scheme://user:pass@host` → `scheme://[redacted]@host`; strings without `@` are returned as they are. */
export function scrubUrlCredentials(text: string): string {
  if (!text.includes("@") || !text.includes("://")) return text;
  return text.replace(URL_CREDENTIALS, "$1[redacted]@");
}

/** The arguments of one log call with URL credentials scrubbed; copies only what changes. */
export function scrubLogArguments(args: readonly unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let scrubbed = arg;
    if (typeof arg === "string") scrubbed = scrubUrlCredentials(arg);
    else if (arg !== null && typeof arg === "object" && !(arg instanceof Error)) scrubbed = scrubFields(arg);
    if (scrubbed !== arg) {
      out ??= [...args];
      out[i] = scrubbed;
    }
  }
  return out ?? (args as unknown[]);
}

function scrubFields(fields: object): object {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== "string") continue;
    const scrubbed = scrubUrlCredentials(value);
    if (scrubbed === value) continue;
    copy ??= { ...(fields as Record<string, unknown>) };
    copy[key] = scrubbed;
  }
  return copy ?? fields;
}

/** A serialized error (pino's err serializer output) with URL credentials scrubbed from every string in it. */
export function scrubSerializedError<T>(value: T, depth = 0): T {
  if (typeof value === "string") return scrubUrlCredentials(value) as T;
  if (value === null || typeof value !== "object" || depth > 3) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = scrubSerializedError(field, depth + 1);
  return out as T;
}

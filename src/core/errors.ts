// One error type for the whole gateway: a stable string code from one registry, converted to JSON-RPC or HTTP
// at exactly one boundary (see docs/errors.md).

/** Every error the gateway raises, with its JSON-RPC code, HTTP status and whether retrying may help. */
export const ERROR_CODES = {
  /** The configuration failed validation; every problem is listed in `data.problems`. */
  config_invalid: { jsonRpc: -32602, http: 400, retryable: false },
  /** The JSON-RPC message could not be parsed. */
  parse_error: { jsonRpc: -32700, http: 400, retryable: false },
  /** The message is not a valid JSON-RPC 2.0 request or notification (batches included). */
  invalid_request: { jsonRpc: -32600, http: 400, retryable: false },
  /** The method is not served by the gateway or the server behind it. */
  method_not_found: { jsonRpc: -32601, http: 404, retryable: false },
  /** The HTTP method is not allowed on that route. */
  method_not_allowed: { jsonRpc: -32601, http: 405, retryable: false },
  /** Bad parameters, including unknown tool, prompt or resource names. */
  invalid_params: { jsonRpc: -32602, http: 400, retryable: false },
  /** No server of that name is configured (or it is disabled). */
  server_not_found: { jsonRpc: -32602, http: 404, retryable: false },
  /** The server could not be started or its connection broke before the request was delivered. */
  upstream_unavailable: { jsonRpc: -31000, http: 503, retryable: true },
  /** The server exited or the connection closed while the request was in flight. */
  upstream_closed: { jsonRpc: -31005, http: 502, retryable: false },
  /** The server's circuit breaker is open after repeated failures: the call failed fast without reaching it. */
  circuit_open: { jsonRpc: -31002, http: 503, retryable: true },
  /** A rate limit (per client or global) was exceeded; `data.retryAfterMs` says when a token is available. */
  rate_limited: { jsonRpc: -31003, http: 429, retryable: true },
  /** The server's bulkhead (calls in flight plus its queue) is full: rejected at once. */
  overloaded: { jsonRpc: -31004, http: 503, retryable: true },
  /** The server did not answer within the call timeout. */
  timeout: { jsonRpc: -31001, http: 504, retryable: true },
  /**
   * A stdio server stopped reading its input (the gateway's queue for its stdin passed the bound) or wrote a
   * message over the size bound: the call failed and the server is being restarted.
   */
  upstream_overloaded: { jsonRpc: -31011, http: 503, retryable: true },
  /** The server failed to start too many times and is held in `failed` until started by hand. */
  server_failed: { jsonRpc: -31006, http: 503, retryable: false },
  /** A server-initiated request could not be relayed: no single client session it belongs to, no open stream, or the client lacks the capability. */
  client_unavailable: { jsonRpc: -31009, http: 503, retryable: false },
  /** The registry or audit database cannot be reached (PostgreSQL down); the call itself may be retried later. */
  storage_unavailable: { jsonRpc: -31010, http: 503, retryable: true },
  /**
   * The gateway itself is out of a resource (file descriptors: EMFILE/ENFILE) and could not spawn a server:
   * never counted against the server (no breaker, no backoff).
   */
  resources_exhausted: { jsonRpc: -31012, http: 503, retryable: true },
  /**
   * The server's isolation profile cannot be enforced here (its backend is missing or broken) and the profile
   * says `onUnavailable: fail`: the server is not started unconfined. `data.backend` names the backend.
   */
  sandbox_unavailable: { jsonRpc: -31014, http: 503, retryable: false },
  /** The gateway is shutting down and takes no new calls. */
  shutting_down: { jsonRpc: -31007, http: 503, retryable: true },
  /** The downstream request was cancelled by the client. */
  cancelled: { jsonRpc: -31008, http: 499, retryable: false },
  /** The request body exceeded `gateway.maxBodyBytes`. */
  payload_too_large: { jsonRpc: -32600, http: 413, retryable: false },
  /**
   * Not allowed: a Host or Origin header that is not accepted (DNS-rebinding protection), a caller without the
   * rights for the admin API, or a call the access rules (gateway.access) deny.
   */
  forbidden: { jsonRpc: -32600, http: 403, retryable: false },
  /**
   * The request carries no credential, or one that is not accepted (unknown, revoked or expired key; a token
   * with a bad signature, issuer, audience or time). HTTP answers 401 with `WWW-Authenticate`; `data.error` is
   * the OAuth error code (`invalid_request`, `invalid_token`, `insufficient_scope`).
   */
  unauthenticated: { jsonRpc: -31015, http: 401, retryable: false },
  /**
   * The server runs with per-principal credentials and the caller has not stored a value for a slot it needs
   * (`switchboard credentials set SERVER SLOT`); `data.slots` names them. No other principal's value is used.
   */
  credentials_required: { jsonRpc: -31016, http: 403, retryable: false },
  /**
   * The tool (or prompt) is held for review: new under `approve-new`, changed since it was approved, held by
   * screening, or rejected. `data.server`, `data.tool`, `data.state`, `data.review` (the command that shows it).
   */
  quarantined: { jsonRpc: -31017, http: 403, retryable: false },
  /**
   * A secret was found in a call's arguments (the call was not sent) or in its result (the result was withheld)
   * and the server's `secretScan` says `block`; `data.where`, `data.rules`, `data.fields` (never the value).
   */
  secret_detected: { jsonRpc: -31018, http: 403, retryable: false },
  /** This replica holds its maximum of sessions (`gateway.limits.maxSessions`); existing sessions are unaffected. */
  session_limit: { jsonRpc: -31013, http: 503, retryable: true },
  /** A GET for a stream that does not accept `text/event-stream`. */
  not_acceptable: { jsonRpc: -32600, http: 406, retryable: false },
  /** The stream asked for (a session's standalone stream, or one resumed by Last-Event-ID) is already being read. */
  stream_conflict: { jsonRpc: -32600, http: 409, retryable: false },
  /** A 2026-era request whose MCP-Protocol-Version, Mcp-Method or Mcp-Name header disagrees with its body (or is missing). */
  header_mismatch: { jsonRpc: -32020, http: 400, retryable: false },
  /** A 2026-era server needs a client capability the request's envelope did not declare (the server's answer). */
  missing_client_capability: { jsonRpc: -32021, http: 400, retryable: false },
  /** A 2026-era envelope names a protocol revision the gateway does not speak. */
  unsupported_protocol_version: { jsonRpc: -32022, http: 400, retryable: false },
  /** MCP's code for an unknown resource, answered by a server and passed on (2026 era: sent as invalid_params). */
  resource_not_found: { jsonRpc: -32002, http: 404, retryable: false },
  /** The session id is unknown or the session has ended. */
  session_not_found: { jsonRpc: -32001, http: 404, retryable: false },
  /** Anything else: a bug in the gateway. */
  internal: { jsonRpc: -32603, http: 500, retryable: false },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface SwitchboardErrorOptions {
  cause?: unknown;
  data?: Record<string, unknown>;
}

export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: SwitchboardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SwitchboardError";
    this.code = code;
    this.data = options.data;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

/** The JSON-RPC `error` member for any thrown value; unknown errors become `internal` without leaking details. */
export function toJsonRpcError(error: unknown): { code: number; message: string; data?: Record<string, unknown> } {
  if (error instanceof SwitchboardError) {
    const spec = ERROR_CODES[error.code];
    return {
      code: spec.jsonRpc,
      message: error.message,
      data: { kind: error.code, retryable: spec.retryable, ...error.data },
    };
  }
  return {
    code: ERROR_CODES.internal.jsonRpc,
    message: "Internal gateway error",
    data: { kind: "internal", retryable: false },
  };
}

export function isSwitchboardError(error: unknown, code?: ErrorCode): error is SwitchboardError {
  return error instanceof SwitchboardError && (code === undefined || error.code === code);
}

// What the router answers a request with, before a front encodes it for its client's revision and transport.
// JSON the gateway keeps serialized (cached lists) stays a string and a server's answer stays the object the
// peer parsed, so no answer is parsed and serialized again on its way out; failures stay typed until a front's
// encoder turns them into a JSON-RPC error.
import type { JsonRpcResponse } from "./jsonrpc.ts";

export type Reply =
  /** A result the gateway answers itself (a cached list, the handshake): the serialized `result` member. */
  | { kind: "result"; json: string }
  /** A server's answer (its result or its own error), id already the client's; `json` once it is serialized. */
  | { kind: "response"; response: JsonRpcResponse; json?: string }
  /** A whole response serialized by a step that works on text (a server's list within the definition limits). */
  | { kind: "serialized"; json: string }
  /** The gateway could not answer: a SwitchboardError, or anything else (sent as `internal`). */
  | { kind: "failed"; error: unknown };

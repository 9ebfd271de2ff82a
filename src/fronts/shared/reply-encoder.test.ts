// The one encoder of the fronts: what the gateway holds serialized goes out byte for byte, a server's answer is
// serialized once (never parsed again), failures take their codes from the registry, and the 2026 era's
// re-encoding of a cached list happens once, not per request.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { SwitchboardError } from "../../core/errors.ts";
import { META_SERVER_INFO } from "../../core/protocol/index.ts";
import { bareErrorJson, createModernReplyEncoder, errorJson, replyJson } from "./reply-encoder.ts";

const serverInfo = { name: "switchboard", version: "1" };

/** Counts JSON.parse calls while a test runs: the lean path must not parse what it already holds. */
const parse = JSON.parse;
let parses = 0;
beforeEach(() => {
  parses = 0;
  JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
    parses++;
    return parse(text, reviver);
  }) as typeof JSON.parse;
});
afterEach(() => {
  JSON.parse = parse;
});

describe("classic replies", () => {
  it("sends a result the gateway holds serialized as it is, under the request's id", () => {
    const cached = '{"tools":[{"name":"a__b", "inputSchema":{}}]}'; // spacing kept: not re-serialized
    assert.equal(replyJson("r-1", { kind: "result", json: cached }), `{"jsonrpc":"2.0","id":"r-1","result":${cached}}`);
  });

  it("sends a server's answer serialized once: its JSON when it has one, else the object in its own key order", () => {
    const response = { id: 7, result: { content: [] }, jsonrpc: "2.0" as const };
    assert.equal(replyJson(7, { kind: "response", response }), '{"id":7,"result":{"content":[]},"jsonrpc":"2.0"}');
    assert.equal(replyJson(7, { kind: "response", response, json: "as measured" }), "as measured");
    assert.equal(replyJson(7, { kind: "serialized", json: "as bounded" }), "as bounded");
    assert.equal(parses, 0);
  });

  it("turns a failure into the registry's JSON-RPC error, and anything unknown into `internal` without details", () => {
    const timeout = new SwitchboardError("timeout", "too slow", { data: { timeoutMs: 5 } });
    assert.deepEqual(parse(replyJson(3, { kind: "failed", error: timeout })), {
      jsonrpc: "2.0",
      id: 3,
      error: { code: -31001, message: "too slow", data: { kind: "timeout", retryable: true, timeoutMs: 5 } },
    });
    assert.deepEqual(parse(errorJson(null, new Error("secret"))).error, {
      code: -32603,
      message: "Internal gateway error",
      data: { kind: "internal", retryable: false },
    });
  });

  it("shapes a bare error with the registry's code and no data", () => {
    assert.deepEqual(parse(bareErrorJson("stream_conflict", "busy")), {
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: "busy" },
    });
  });
});

describe("2026-era replies", () => {
  it("encodes a cached list once: later requests reuse it under their own id", () => {
    const encode = createModernReplyEncoder();
    const cached = '{"tools":[{"name":"t","execution":{"taskSupport":"optional"}}]}';
    const first = encode("tools/list", 1, { kind: "result", json: cached }, serverInfo);
    const second = encode("tools/list", 2, { kind: "result", json: cached }, serverInfo);
    assert.equal(parses, 1);
    assert.deepEqual(parse(first.body), {
      jsonrpc: "2.0",
      id: 1,
      result: {
        tools: [{ name: "t" }],
        resultType: "complete",
        ttlMs: 0,
        cacheScope: "private",
        _meta: { [META_SERVER_INFO]: serverInfo },
      },
    });
    assert.equal(second.body, first.body.replace('"id":1', '"id":2'));
    // Another list (or another endpoint's serverInfo) is encoded afresh.
    const other = encode("tools/list", 3, { kind: "result", json: '{"tools":[]}' }, serverInfo);
    assert.deepEqual(parse(other.body).result.tools, []);
  });

  it("re-encodes a server's answer from the object, without parsing it again", () => {
    const encode = createModernReplyEncoder();
    const response = { jsonrpc: "2.0" as const, id: 4, result: { content: [] } };
    const out = encode("tools/call", 4, { kind: "response", response, json: "unused" }, serverInfo);
    assert.equal(parses, 0);
    assert.equal(out.status, 200);
    assert.deepEqual(parse(out.body).result, {
      content: [],
      resultType: "complete",
      _meta: { [META_SERVER_INFO]: serverInfo },
    });
  });

  it("folds resource-not-found into invalid params, and answers a missing client capability with 400", () => {
    const encode = createModernReplyEncoder();
    const answer = (code: number) => ({
      kind: "response" as const,
      response: { jsonrpc: "2.0" as const, id: 5, error: { code, message: "m" } },
    });
    const notFound = encode("resources/read", 5, answer(-32002), serverInfo);
    assert.deepEqual([notFound.status, parse(notFound.body).error.code], [200, -32602]);
    const missing = encode("tools/call", 5, answer(-32021), serverInfo);
    assert.deepEqual([missing.status, parse(missing.body).error.code], [400, -32021]);
    const failed = encode("tools/call", 5, { kind: "failed", error: new SwitchboardError("timeout", "t") }, serverInfo);
    assert.deepEqual([failed.status, parse(failed.body).error.data.kind], [200, "timeout"]);
  });
});

// The 2026-07-28 revision's rules on a request the SDK classified: headers must agree with the body, the
// envelope must carry client capabilities, only the revision's methods are served; refusals carry the
// registry's codes in the revision's own shape.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  classifyModern,
  envelopeOf,
  type HeaderOf,
  healthCheckMethod,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSION,
  modernRequestMeta,
  takesLogMessages,
} from "./index.ts";

const REVISION = "2026-07-28";
const modern = { kind: "modern", messageKind: "request", classification: { revision: REVISION } };

function headers(values: Record<string, string>): HeaderOf {
  return (name) => values[name];
}

function call(name: string, meta: Record<string, unknown> = { [META_CLIENT_CAPABILITIES]: {} }) {
  return {
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name, _meta: { [META_PROTOCOL_VERSION]: REVISION, ...meta } },
  };
}

const agreeing = { "mcp-protocol-version": REVISION, "mcp-method": "tools/call", "mcp-name": "fx__echo" };

describe("classifyModern", () => {
  it("accepts a request whose headers agree with its body, Base64-encoded names included", () => {
    const verdict = classifyModern(modern, call("fx__echo"), headers(agreeing));
    assert.deepEqual(verdict, {
      kind: "modern",
      revision: REVISION,
      capabilities: {},
      clientInfo: undefined,
      logLevel: undefined,
    });
    const encoded = `=?base64?${Buffer.from("é__ü").toString("base64")}?=`;
    assert.equal(classifyModern(modern, call("é__ü"), headers({ ...agreeing, "mcp-name": encoded })).kind, "modern");
  });

  it("refuses headers that disagree with the body with header_mismatch (-32020, 400), no data", () => {
    const verdict = classifyModern(modern, call("fx__echo"), headers({ ...agreeing, "mcp-name": "fx__other" }));
    assert.equal(verdict.kind, "reject");
    assert.deepEqual(verdict.kind === "reject" && [verdict.status, verdict.error.code, "data" in verdict.error], [
      400,
      -32020,
      false,
    ]);
    const missing = classifyModern(modern, call("fx__echo"), headers({ "mcp-protocol-version": REVISION }));
    assert.deepEqual(missing.kind === "reject" && missing.error.code, -32020);
  });

  it("refuses an envelope without client capabilities, an unknown revision and a method outside the revision", () => {
    const noCapabilities = classifyModern(
      modern,
      call("fx__echo", { [META_CLIENT_CAPABILITIES]: null }),
      headers(agreeing),
    );
    assert.deepEqual(noCapabilities.kind === "reject" && [noCapabilities.status, noCapabilities.error.data], [
      400,
      { envelope: "invalid" },
    ]);
    const future = { ...modern, classification: { revision: "2027-01-01" } };
    const unknown = classifyModern(future, call("fx__echo"), headers(agreeing));
    assert.deepEqual(unknown.kind === "reject" && [unknown.status, unknown.error.code], [400, -32022]);
    const ping = { jsonrpc: "2.0", id: 2, method: "ping", params: { _meta: { [META_CLIENT_CAPABILITIES]: {} } } };
    const outside = classifyModern(modern, ping, headers({ "mcp-protocol-version": REVISION, "mcp-method": "ping" }));
    assert.deepEqual(outside.kind === "reject" && [outside.status, outside.error.code], [404, -32601]);
  });

  it("passes a legacy message through, unless a modern version header comes without the envelope", () => {
    const plain = { jsonrpc: "2.0", id: 3, method: "tools/list" };
    assert.equal(classifyModern({ kind: "legacy" }, plain, headers({})).kind, "legacy");
    const bare = classifyModern({ kind: "legacy" }, plain, headers({ "mcp-protocol-version": REVISION }));
    assert.deepEqual(bare.kind === "reject" && [bare.error.code, bare.error.data], [-32602, { envelope: "missing" }]);
  });
});

describe("the revision's differences for clients", () => {
  it("sends a 2026-era request log messages only when its envelope asked for a level", () => {
    assert.equal(takesLogMessages(REVISION, undefined), false);
    assert.equal(takesLogMessages(REVISION, "info"), true);
    assert.equal(takesLogMessages("2025-06-18", undefined), true);
  });

  it("builds the client's envelope from what the session knows", () => {
    assert.deepEqual(envelopeOf({ clientCapabilities: undefined, clientInfo: undefined, logLevel: undefined }), {
      [META_CLIENT_CAPABILITIES]: {},
    });
  });
});

describe("requests the gateway sends to 2026-era servers", () => {
  const gateway = { [META_PROTOCOL_VERSION]: MODERN_PROTOCOL_VERSION, [META_CLIENT_CAPABILITIES]: {} };

  it("speaks the newest revision it supports", () => {
    assert.equal(MODERN_PROTOCOL_VERSION, REVISION);
  });

  it("carries the gateway's envelope on requests no client made, the caller's own entries over it otherwise", () => {
    assert.deepEqual(modernRequestMeta(undefined, gateway, undefined, undefined), gateway);
    const caller = { [META_CLIENT_CAPABILITIES]: { elicitation: {} }, [META_CLIENT_INFO]: { name: "c" } };
    assert.deepEqual(modernRequestMeta({ trace: "t" }, gateway, caller, undefined), {
      trace: "t",
      [META_PROTOCOL_VERSION]: REVISION,
      [META_CLIENT_CAPABILITIES]: { elicitation: {} },
      [META_CLIENT_INFO]: { name: "c" },
    });
  });

  it("states the revision itself and the upstream's own progress token, whatever the request carried", () => {
    const meta = { [META_PROTOCOL_VERSION]: "2025-06-18", progressToken: "caller's" };
    const sent = modernRequestMeta(meta, gateway, { [META_PROTOCOL_VERSION]: "1999-01-01" }, 7);
    assert.equal(sent[META_PROTOCOL_VERSION], REVISION);
    assert.equal(sent.progressToken, 7);
  });

  it("checks health with server/discover: the revision has no ping", () => {
    assert.equal(healthCheckMethod(true), "server/discover");
    assert.equal(healthCheckMethod(false), "ping");
  });
});

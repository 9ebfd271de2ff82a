// The triage both fronts share: what is refused (and with which id), how a well-formed message is sorted, and
// rate-limit admission whether the limiter answers at once or later.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SwitchboardError } from "../../core/errors.ts";
import type { RateLimitGate } from "../../services/policies/rate-limits.ts";
import { admission, parseMessage, triage } from "./triage.ts";

function refusal(text: string) {
  const parsed = parseMessage(text, "line");
  assert.equal(parsed.ok, false);
  return parsed as Extract<typeof parsed, { ok: false }>;
}

describe("parseMessage", () => {
  it("refuses text that is not JSON as parse_error, naming what was read", () => {
    const { id, error } = refusal("{nope");
    assert.deepEqual([id, error.code, error.message], [null, "parse_error", "line is not valid JSON"]);
  });

  it("refuses batches and malformed envelopes as invalid_request, keeping a usable id", () => {
    assert.equal(
      refusal('[{"jsonrpc":"2.0","id":1,"method":"ping"}]').error.message,
      "JSON-RPC batches are not supported",
    );
    const wrongVersion = refusal('{"jsonrpc":"1.0","id":"a","method":"ping"}');
    assert.deepEqual([wrongVersion.id, wrongVersion.error.code], ["a", "invalid_request"]);
    assert.equal(refusal('{"jsonrpc":"1.0","id":{"x":1},"method":"ping"}').id, null);
    assert.equal(refusal("null").id, null);
  });
});

describe("triage", () => {
  const sorted = (text: string) => {
    const parsed = parseMessage(text, "line");
    assert.ok(parsed.ok);
    return triage(parsed.message).kind;
  };

  it("tells requests, notifications and a client's answers apart", () => {
    assert.equal(sorted('{"jsonrpc":"2.0","id":0,"method":"tools/list"}'), "request");
    assert.equal(sorted('{"jsonrpc":"2.0","method":"notifications/initialized"}'), "notification");
    assert.equal(sorted('{"jsonrpc":"2.0","id":"sb-1","result":{}}'), "response");
    assert.equal(sorted('{"jsonrpc":"2.0","id":"sb-1","error":{"code":1,"message":"no"}}'), "response");
  });
});

describe("admission", () => {
  const limited = new SwitchboardError("rate_limited", "slow down");
  const gate = (verdict: ReturnType<RateLimitGate["admit"]>, seen: unknown[][]): RateLimitGate => ({
    admit: (...args) => {
      seen.push(args);
      return verdict;
    },
    close: async () => {},
  });

  it("asks the gate with the client, method and server, and hands back its verdict, now or later", async () => {
    const seen: unknown[][] = [];
    assert.equal(await admission(gate(undefined, seen), "client", "tools/call", "fx"), undefined);
    assert.equal(await admission(gate(limited, seen), "client", "tools/call", undefined), limited);
    assert.equal(await admission(gate(Promise.resolve(limited), seen), "c2", "prompts/get", "s"), limited);
    assert.deepEqual(seen, [
      ["client", "tools/call", "fx"],
      ["client", "tools/call", undefined],
      ["c2", "prompts/get", "s"],
    ]);
  });
});

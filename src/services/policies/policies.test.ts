// Policies is the one owner of breaker state: per server, and the worst over all servers that /health reports.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../../test/helpers/fake-clock.ts";
import { normalizeConfig } from "../../config/load.ts";
import { callDeadline } from "../../core/deadline.ts";
import { SwitchboardError } from "../../core/errors.ts";
import { EventBus } from "../../core/events.ts";
import { undeliveredError } from "../upstream/peer-errors.ts";
import { Policies } from "./policies.ts";

const breaker = { consecutiveFailures: 1, cooldownMs: 20 };
const config = normalizeConfig(
  {
    servers: {
      a: { command: "node", circuitBreaker: breaker },
      b: { command: "node", circuitBreaker: breaker },
    },
  },
  undefined,
  { env: {} },
);
const call = { jsonrpc: "2.0" as const, id: 1, method: "tools/call", params: { name: "t" } };

/** Policies on a fake clock, and a runner that gives each call a fresh deadline. */
function policiesOn(specs: typeof config.servers) {
  const clock = new FakeClock();
  const policies = new Policies({ specs, events: new EventBus(), clock, manifest: () => undefined });
  const run = (server: string, attempt: () => Promise<unknown>) =>
    policies.run(server, call, callDeadline(clock, 5_000, new AbortController().signal), attempt);
  return { clock, policies, run };
}

describe("Policies breaker state", () => {
  it("per server, and the worst overall: open > half-open > closed", async () => {
    const { clock, policies, run } = policiesOn(config.servers);
    const fail = () => Promise.reject(new SwitchboardError("upstream_closed", "gone"));
    assert.equal(policies.worstState(), "closed");

    await assert.rejects(run("a", fail));
    await assert.rejects(run("b", fail));
    assert.deepEqual(
      [policies.state("a").state, policies.state("b").state, policies.worstState()],
      ["open", "open", "open"],
    );

    await clock.advance(20); // the cooldown
    let answer: (value: unknown) => void = () => {};
    const probe = run("a", () => new Promise((resolve) => (answer = resolve))); // a's probe is out
    await new Promise(setImmediate);
    assert.equal(policies.state("a").state, "half-open");
    assert.equal(policies.worstState(), "open", "b is still open");
    await run("b", () => Promise.resolve("ok")); // b's probe answers: closed
    assert.equal(policies.state("b").state, "closed");
    assert.equal(policies.worstState(), "half-open");
    answer("ok");
    await probe;
    assert.equal(policies.worstState(), "closed");
    assert.equal(policies.state("unknown").state, "closed");
  });
});

describe("a request the gateway could not serialize", () => {
  const own = normalizeConfig(
    { servers: { c: { command: "node", circuitBreaker: { consecutiveFailures: 1, cooldownMs: 1_000 } } } },
    undefined,
    { env: {} },
  );
  const overflow = () => Promise.reject(undeliveredError("c", new RangeError("Maximum call stack size exceeded")));

  it("is the caller's fault: invalid_params with a clean message, not retried, not counted by the breaker", async () => {
    const { policies, run } = policiesOn(own.servers);
    let attempts = 0;
    const error = (await run("c", () => {
      attempts++;
      return overflow();
    }).catch((e: unknown) => e)) as SwitchboardError;
    assert.equal(error.code, "invalid_params");
    assert.doesNotMatch(error.message, /RangeError|call stack/);
    assert.equal(attempts, 1, "not retried");
    assert.equal(policies.state("c").state, "closed", "not counted (one counted failure opens this breaker)");
  });

  it("as the probe of an open breaker, does not reopen it for a whole cooldown: the next call probes", async () => {
    const { clock, policies, run } = policiesOn(own.servers);
    await assert.rejects(run("c", () => Promise.reject(new SwitchboardError("upstream_closed", "gone"))));
    assert.equal(policies.state("c").state, "open");
    await clock.advance(1_000);
    await assert.rejects(run("c", overflow), { code: "invalid_params" });
    assert.deepEqual(
      { ...policies.state("c"), openedAt: undefined },
      { state: "open", retryAfterMs: 0, openedAt: undefined },
    );
    assert.equal(await run("c", () => Promise.resolve("ok")), "ok");
    assert.equal(policies.state("c").state, "closed");
  });
});

describe("Policies retry backoff", () => {
  const retrying = normalizeConfig(
    { servers: { r: { command: "node", maxRetries: 3, retry: { initialDelayMs: 1_000 } } } },
    undefined,
    { env: {} },
  );

  it("a client that cancels during the backoff ends the call as cancelled, with no further attempt", async () => {
    const clock = new FakeClock();
    const events = new EventBus();
    const retried: number[] = [];
    events.on("call-retried", ({ attempt }) => retried.push(attempt));
    const policies = new Policies({ specs: retrying.servers, events, clock, manifest: () => undefined });
    const client = new AbortController();
    let attempts = 0;
    const attempt = () => {
      attempts++;
      return Promise.reject(undeliveredError("r", new SwitchboardError("upstream_unavailable", "not delivered")));
    };
    const call = policies.run("r", callOf(), callDeadline(clock, 60_000, client.signal), attempt);
    const outcome = assert.rejects(call, { code: "cancelled" });
    await clock.advance(10);
    assert.equal(attempts, 1, "the first attempt failed and the call is backing off");
    client.abort();
    await clock.advance(10);
    await outcome;
    assert.equal(attempts, 1, "no attempt starts after the client cancelled");
    assert.deepEqual(retried, [], "no retry is announced");
  });
});

function callOf() {
  return { jsonrpc: "2.0" as const, id: 2, method: "tools/call", params: { name: "t" } };
}

// The circuit breaker on a fake clock: it opens after consecutive gateway-side failures, fails fast for the
// cooldown, lets exactly one probe through after it (every other call still fails fast), and the probe's outcome
// closes it or opens it for another full cooldown.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../../test/helpers/fake-clock.ts";
import { SwitchboardError } from "../../core/errors.ts";
import { Circuit } from "./circuit.ts";

const spec = {
  enabled: true,
  consecutiveFailures: 3,
  failureRate: 0.99,
  windowMs: 60_000,
  minCalls: 1_000,
  cooldownMs: 10_000,
};
const unavailable = () => Promise.reject(new SwitchboardError("upstream_unavailable", "down"));
const isOpen = (error: SwitchboardError) => error.code === "circuit_open";

function setUp() {
  const clock = new FakeClock();
  const transitions: string[] = [];
  const circuit = new Circuit("s", spec, (from, to) => transitions.push(`${from}>${to}`), clock);
  const fail = async (times: number) => {
    for (let i = 0; i < times; i++)
      await assert.rejects(circuit.execute(unavailable), { code: "upstream_unavailable" });
  };
  return { clock, circuit, transitions, fail };
}

describe("circuit breaker on a fake clock", () => {
  it("opens after consecutiveFailures in a row and fails fast, without calling, for the whole cooldown", async () => {
    const { clock, circuit, fail } = setUp();
    await fail(2);
    assert.equal(circuit.state, "closed", "two failures in a row are not enough");
    assert.equal(await circuit.execute(async () => "ok"), "ok", "a success starts the count over");
    await fail(2);
    assert.equal(circuit.state, "closed");
    await fail(1);
    assert.equal(circuit.state, "open");
    assert.deepEqual(circuit.view(), { state: "open", retryAfterMs: 10_000, openedAt: clock.now() });
    let called = 0;
    await clock.advance(9_999);
    await assert.rejects(
      circuit.execute(async () => called++),
      (error: SwitchboardError) => isOpen(error) && error.data?.retryAfterMs === 1,
    );
    assert.equal(called, 0, "nothing reaches the server while open");
  });

  it("after the cooldown one probe goes through while the others fail fast; its success closes it", async () => {
    const { clock, circuit, transitions, fail } = setUp();
    await fail(3);
    await clock.advance(10_000);
    assert.equal(circuit.view().retryAfterMs, 0);
    let answer: (value: string) => void = () => {};
    const probe = circuit.execute(() => new Promise<string>((resolve) => (answer = resolve)));
    assert.equal(circuit.state, "half-open");
    let called = 0;
    await assert.rejects(
      circuit.execute(async () => called++),
      isOpen,
    );
    assert.equal(called, 0, "only the probe is let through");
    answer("fine");
    assert.equal(await probe, "fine");
    assert.equal(circuit.state, "closed");
    assert.equal(await circuit.execute(async () => "next"), "next");
    assert.deepEqual(transitions, ["closed>open", "open>half-open", "half-open>closed"]);
  });

  it("a failed probe opens it again for a whole new cooldown", async () => {
    const { clock, circuit, transitions, fail } = setUp();
    await fail(3);
    await clock.advance(15_000);
    await fail(1); // the probe
    assert.equal(circuit.state, "open");
    assert.equal(circuit.view().retryAfterMs, 10_000, "the cooldown counts from the failed probe");
    await clock.advance(9_999);
    await assert.rejects(
      circuit.execute(async () => "too early"),
      isOpen,
    );
    await clock.advance(1);
    assert.equal(await circuit.execute(async () => "probed"), "probed");
    assert.deepEqual(transitions, [
      "closed>open",
      "open>half-open",
      "half-open>open",
      "open>half-open",
      "half-open>closed",
    ]);
  });
});

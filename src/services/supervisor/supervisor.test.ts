// The shutdown drain on a fake clock: it waits for calls in flight (and other work on the servers) to end, for
// no longer than the grace period (which a second signal can shorten), then stops every server.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../../test/helpers/fake-clock.ts";
import { linkedConnector } from "../../../test/helpers/fake-clock-connection.ts";
import { parseConfig } from "../../config/load.ts";
import { EventBus, type GatewayEvents } from "../../core/events.ts";
import { Supervisor } from "./supervisor.ts";

function setUp() {
  const clock = new FakeClock();
  const events = new EventBus();
  const expired: GatewayEvents["drain-expired"][] = [];
  events.on("drain-expired", (event) => expired.push(event));
  const config = parseConfig(
    JSON.stringify({ servers: { a: { command: "fake" }, b: { command: "fake" } } }),
    undefined,
  );
  const supervisor = new Supervisor(config.servers, {
    connector: linkedConnector(),
    clock,
    events,
    scope: { detached: (fn) => fn() },
    hooksFor: () => ({ onNotification() {}, onRequest: async () => ({}) }),
    onReady() {},
  });
  /** Starts closing; `closed()` tells whether it finished. */
  const close = (graceMs: number, busy?: () => Promise<unknown> | undefined) => {
    let done = false;
    const closing = supervisor.close(graceMs, busy).then(() => (done = true));
    return { closing, closed: () => done };
  };
  return { clock, supervisor, expired, close };
}

describe("supervisor drain on a fake clock", () => {
  it("waits for the calls in flight, and stops the servers as soon as the last one ends", async () => {
    const { clock, supervisor, expired, close } = setUp();
    const a = await supervisor.get("a").acquire();
    const b = await supervisor.get("b").acquire();
    const { closing, closed } = close(10_000);
    await assert.rejects(supervisor.get("a").acquire(), { code: "shutting_down" });
    await clock.advance(3_000);
    a.release();
    await clock.advance(3_000);
    assert.equal(closed(), false, "b's call is still in flight");
    assert.equal(supervisor.get("b").currentState, "ready");
    b.release();
    await clock.advance(0);
    await closing;
    assert.equal(supervisor.drainedCleanly, true);
    assert.deepEqual(expired, []);
    assert.deepEqual(
      supervisor.all().map((s) => s.currentState),
      ["asleep", "asleep"],
    );
  });

  it("waits no longer than the grace period: the calls still in flight fail", async () => {
    const { clock, supervisor, expired, close } = setUp();
    await supervisor.get("a").acquire();
    const { closing, closed } = close(10_000);
    await clock.advance(9_999);
    assert.equal(closed(), false);
    await clock.advance(1);
    await closing;
    assert.equal(supervisor.drainedCleanly, false);
    assert.deepEqual(expired, [{ inFlight: 1 }]);
    assert.equal(supervisor.get("a").currentState, "asleep");
  });

  it("a second signal shortens the grace under way", async () => {
    const { clock, supervisor, close } = setUp();
    await supervisor.get("a").acquire();
    const { closing, closed } = close(60_000);
    await clock.advance(1_000);
    assert.equal(supervisor.shortenGrace(2_000), 2_000);
    await clock.advance(1_999);
    assert.equal(closed(), false);
    await clock.advance(1);
    await closing;
    assert.equal(supervisor.drainedCleanly, false);
  });

  it("waits for other work on the servers (a catalog being read) once no call is in flight", async () => {
    const { clock, supervisor, close } = setUp();
    (await supervisor.get("a").acquire()).release();
    let finish: () => void = () => {};
    let work: Promise<void> | undefined = new Promise((resolve) => (finish = resolve));
    const { closing, closed } = close(10_000, () => work);
    await clock.advance(5_000);
    assert.equal(closed(), false, "the catalog is still being read");
    assert.equal(supervisor.get("a").currentState, "ready");
    work = undefined;
    finish();
    await clock.advance(0);
    await closing;
    assert.equal(supervisor.drainedCleanly, true);
    assert.equal(supervisor.get("a").currentState, "asleep");
  });
});

describe("which servers run per principal", () => {
  it("one with credential slots or per-principal OAuth tokens; not an ordinary or gateway-wide OAuth one", () => {
    const config = parseConfig(
      JSON.stringify({
        servers: {
          plain: { command: "fake" },
          slots: { command: "fake", credentials: { token: { env: "TOKEN" } } },
          mine: { url: "https://mcp.example.com/mcp", oauth: { perPrincipal: true } },
          shared: { url: "https://mcp.example.com/mcp", oauth: {} },
        },
      }),
      undefined,
    );
    const supervisor = new Supervisor(config.servers, {
      connector: linkedConnector(),
      clock: new FakeClock(),
      events: new EventBus(),
      scope: { detached: (fn) => fn() },
      hooksFor: () => ({ onNotification() {}, onRequest: async () => ({}) }),
      onReady() {},
    });
    const perPrincipal = ["plain", "slots", "mine", "shared"].filter((name) => supervisor.isPerPrincipal(name));
    assert.deepEqual(perPrincipal, ["slots", "mine"]);
  });
});

// The restart limit counts consecutive failures only: a server that stayed up for restart.resetAfterMs before it
// crashed starts counting again, so it is restarted however often that happens; one that crashes again at once
// reaches the limit and is held in `failed`.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import {
  callTool,
  fixtureServer,
  resultText,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from "./helpers/gateway.ts";

const RESET_AFTER_MS = 400;
const restart = { maxRestarts: 1, resetAfterMs: RESET_AFTER_MS, initialDelayMs: 10, maxDelayMs: 20 };

describe("restart failure count", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      steady: fixtureServer({}, { restart }),
      flaky: fixtureServer({}, { restart }),
    });
  });
  after(() => t.close());

  /** Starts the server (a call), optionally lets it run for `upMs`, crashes it and waits for the backoff to end. */
  async function crash(server: string, upMs: number): Promise<void> {
    assert.ok(Number(resultText(await callTool(t.url, `${server}__pid`))) > 0);
    await delay(upMs);
    const reply = await callTool(t.url, `${server}__crash`, { code: 1 });
    assert.ok(reply.body.error, reply.text);
    await waitUntil(() => t.gateway.supervisor.get(server).currentState !== "backoff", 5_000);
  }

  it("a server that stayed up past resetAfterMs before each crash is restarted every time", async () => {
    for (let i = 1; i <= 3; i++) {
      await crash("steady", RESET_AFTER_MS + 100);
      const status = t.gateway.supervisor.get("steady").status();
      assert.equal(status.status, "asleep", `after crash ${i}`);
      assert.equal(status.consecutiveFailures, 1, `crash ${i} counted alone`);
    }
    assert.equal(resultText(await callTool(t.url, "steady__echo", { message: "up again" })), "up again");
  });

  it("a server that crashes again before resetAfterMs reaches the limit", async () => {
    await crash("flaky", 0);
    assert.equal(t.gateway.supervisor.get("flaky").currentState, "asleep");
    await crash("flaky", 0);
    assert.equal(t.gateway.supervisor.get("flaky").currentState, "failed");
  });
});

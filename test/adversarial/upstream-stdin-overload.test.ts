// A server that stops reading its stdin while it floods the gateway with pings: the bytes queued for it stay
// under the bound, calls to it fail as upstream_overloaded, it is restarted, and other servers keep serving.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  callTool,
  fixtureServer,
  isAlive,
  resultText,
  startTestGateway,
  type TestGateway,
} from "../helpers/gateway.ts";

const FLOODER = fileURLToPath(new URL("../fixtures/malicious-stdin-flooder.ts", import.meta.url));
const LIMIT_BYTES = 256 * 1024;
/** Far more than the bound, far less than what an unbounded queue reaches during the call timeout. */
const MAX_HEAP_GROWTH_BYTES = 96 * 1024 * 1024;

describe("a server that never reads its stdin", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway(
      {
        flooder: {
          command: process.execPath,
          args: [FLOODER],
          timeoutMs: 60_000,
          stopGraceMs: 500,
          restart: { initialDelayMs: 10, maxDelayMs: 50 },
        },
        other: fixtureServer(),
      },
      { gateway: { upstreamStdio: { maxPendingInputBytes: LIMIT_BYTES }, discovery: { mode: "full" } } },
    );
  });
  after(() => gw.close());

  test("fails calls as upstream_overloaded with a bounded queue, is restarted, and others keep serving", async () => {
    const first = await callTool(gw.url, "flooder__pid");
    const firstPid = Number(resultText(first));
    assert.ok(firstPid > 0, first.text);
    const heapBefore = process.memoryUsage().heapUsed;

    const flooded = await callTool(gw.url, "flooder__flood");
    const error = flooded.body?.error;
    assert.equal(error?.data?.kind, "upstream_overloaded", flooded.text);
    assert.equal(error.data.server, "flooder");
    assert.equal(error.data.limitBytes, LIMIT_BYTES);
    assert.equal(error.data.mayHaveRun, true);
    // Past the bound by at most the answer that crossed it.
    assert.ok(error.data.pendingBytes > LIMIT_BYTES && error.data.pendingBytes < LIMIT_BYTES + 1024, flooded.text);
    assert.match(error.message, /does not read its input/);
    assert.ok(process.memoryUsage().heapUsed - heapBefore < MAX_HEAP_GROWTH_BYTES);

    const other = await callTool(gw.url, "other__echo", { message: "still here" });
    assert.equal(resultText(other), "still here");

    // The next call starts it again (after its backoff): a new process, and the old one is gone.
    const again = await callTool(gw.url, "flooder__pid");
    const secondPid = Number(resultText(again));
    assert.ok(secondPid > 0 && secondPid !== firstPid, again.text);
    assert.equal(isAlive(firstPid), false);
    const status = gw.gateway.supervisor.get("flooder").status();
    assert.ok(status.restarts >= 1);
    assert.match(status.lastError ?? "", /was stopped .*does not read its input/);
  });
});

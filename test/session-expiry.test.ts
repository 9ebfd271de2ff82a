// Idle sessions end (gateway.sessionIdleTimeoutMs, swept on a timer): a session nobody used for longer is gone
// and its next request is answered 404, while a session with calls in flight outlives the timeout and its calls
// complete. Idle time counts from a session's last answer.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  fixtureServer,
  openSession,
  post,
  request,
  resultText,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from "./helpers/gateway.ts";

const IDLE_MS = 300;

describe("idle sessions", () => {
  let t: TestGateway;
  let mcp: string;
  before(async () => {
    t = await startTestGateway({ fx: fixtureServer() }, { gateway: { sessionIdleTimeoutMs: IDLE_MS } });
    mcp = `${t.url}/mcp`;
  });
  after(() => t.close());

  /** Whether the gateway holds the session, looked up without counting as a use of it. */
  const held = (id: string) => [...t.gateway.sessions.all()].some((session) => session.id === id);
  const call = (session: string, name: string, args: Record<string, unknown>) =>
    post(mcp, request("tools/call", { name, arguments: args }), { "mcp-session-id": session });

  it("a session idle past the timeout is ended; its next request gets 404", async () => {
    const session = await openSession(mcp);
    assert.ok(held(session));
    await waitUntil(() => !held(session), 10_000);
    const reply = await post(mcp, request("tools/list"), { "mcp-session-id": session });
    assert.equal(reply.status, 404, reply.text);
  });

  it("a session with calls in flight outlives the timeout, and its calls complete", async () => {
    const idle = await openSession(mcp);
    const busy = await openSession(mcp);
    let settled = false;
    const first = call(busy, "fx__sleep", { ms: 2_500 }).finally(() => {
      settled = true;
    });
    const second = call(busy, "fx__sleep", { ms: 4_000 });
    // A sweep ran while the calls were in flight: it ended the idle session.
    await waitUntil(() => !held(idle), 10_000);
    assert.equal(settled, false, "the sweep came during the calls");
    assert.ok(held(busy), "the session with calls in flight is kept");
    assert.equal(resultText(await first), "slept 2500");
    // The other call is still in flight: the session is still there, and usable.
    const again = await call(busy, "fx__echo", { message: "still here" });
    assert.equal(again.status, 200, again.text);
    assert.equal(resultText(again), "still here");
    assert.equal(resultText(await second), "slept 4000");
  });

  it("a session's idle time counts from its last answer, not from the request of a long call", async () => {
    const session = await openSession(mcp);
    const reply = await call(session, "fx__sleep", { ms: IDLE_MS * 3 });
    assert.equal(resultText(reply), `slept ${IDLE_MS * 3}`);
    // A sweep right after the answer: the session was busy until then, so it is not idle yet.
    t.gateway.sessions.expire(IDLE_MS);
    assert.ok(held(session), "a session whose call just ended is not idle");
  });
});

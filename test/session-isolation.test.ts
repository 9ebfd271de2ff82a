// Session isolation over one shared upstream connection: many downstream sessions reuse the same JSON-RPC ids
// and progress tokens at the same time, and every response, progress notification, cancellation and
// list_changed reaches exactly the session it belongs to.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  fixtureServer,
  openSession,
  post,
  type RpcReply,
  startTestGateway,
  type TestGateway,
  waitUntil,
} from "./helpers/gateway.ts";
import { openSse, type SseStream } from "./helpers/raw-http.ts";

const SESSIONS = 200;

/** Samples the gateway's calls in flight while `work` runs; returns the work's result and the peak. */
async function withPeakInFlight<T>(t: TestGateway, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, t.gateway.supervisor.inFlight());
  }, 1);
  try {
    const result = await work();
    return { result, peak };
  } finally {
    clearInterval(sampler);
  }
}

describe(`${SESSIONS} concurrent sessions reusing the same request ids`, () => {
  let t: TestGateway;
  let mcp: string;
  const streams: SseStream[] = [];

  before(async () => {
    // Every session comes from one address, faster than the default per-client limit on opening sessions.
    t = await startTestGateway({ fx: fixtureServer() }, { gateway: { limits: { sessionCreation: { perMinute: 0 } } } });
    mcp = `${t.url}/mcp`;
    // Start the fixture and learn its catalog up front, so no list_changed happens during the tests.
    const warm = await post(mcp, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "fx__echo", arguments: { message: "warm" } },
    });
    assert.equal(warm.body.result.content[0].text, "warm");
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await t.close();
  });

  it('streams each session\'s progress and result on its own response only (same id 1, same token "p")', async () => {
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openSession(mcp)));
    // A notification stream per session as well: progress must never leak onto any of them.
    const getStreams = await Promise.all(sessions.map((id) => openSse(mcp, { "mcp-session-id": id })));
    streams.push(...getStreams);
    for (const stream of getStreams) assert.equal(stream.status, 200);

    const { result: replies, peak } = await withPeakInFlight(t, () =>
      Promise.all(
        sessions.map((id, index) =>
          post(
            mcp,
            {
              jsonrpc: "2.0",
              id: 1,
              method: "tools/call",
              params: {
                name: "fx__progress",
                arguments: { steps: 5, delayMs: 5, tag: String(index) },
                _meta: { progressToken: "p" },
              },
            },
            { "mcp-session-id": id, accept: "application/json, text/event-stream" },
          ),
        ),
      ),
    );
    assert.ok(peak > 1, `calls really overlapped (peak in flight ${peak})`);

    let misrouted = 0;
    const problems: string[] = [];
    replies.forEach((reply: RpcReply, index) => {
      assert.equal(reply.status, 200, reply.text);
      assert.match(reply.headers.get("content-type") ?? "", /text\/event-stream/, `session ${index} was streamed`);
      const messages = reply.messages;
      const progress = messages.filter((m) => m.method === "notifications/progress");
      const responses = messages.filter((m) => !("method" in m));
      for (const m of progress) {
        if (m.params.progressToken !== "p" || m.params.message !== String(index)) {
          misrouted++;
          problems.push(`session ${index} got progress ${JSON.stringify(m.params)}`);
        }
      }
      for (const m of responses) {
        if (m.id !== 1 || m.result?.content?.[0]?.text !== `done ${index}`) {
          misrouted++;
          problems.push(`session ${index} got response ${JSON.stringify(m)}`);
        }
      }
      assert.equal(responses.length, 1, `session ${index}: exactly one response`);
      assert.equal(messages.at(-1), responses[0], `session ${index}: the response ends the stream`);
      assert.deepEqual(
        progress.map((m) => m.params.progress),
        [1, 2, 3, 4, 5],
        `session ${index}: all of its own progress, in order`,
      );
    });
    // A marker: the fixture announces a new tool, which reaches every /mcp session's GET stream. The fixture wrote
    // all of its progress before it, so a progress notification leaked onto a GET stream would be there ahead of it.
    const added = await post(mcp, {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "fx__add-tool", arguments: {} },
    });
    assert.match(added.body?.result?.content?.[0]?.text ?? "", /^extra-/, added.text);
    const isMarker = (m: { method?: string }) => m.method === "notifications/tools/list_changed";
    await waitUntil(() => getStreams.every((stream) => stream.messages.some(isMarker)));
    getStreams.forEach((stream, index) => {
      for (const m of stream.messages) {
        if (isMarker(m)) continue;
        misrouted++;
        problems.push(`GET stream of session ${index} got ${JSON.stringify(m)}`);
      }
    });
    assert.equal(misrouted, 0, problems.slice(0, 10).join("\n"));
  });

  it('returns each session\'s own plain JSON response when ids collide (1 and "1")', async () => {
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openSession(mcp)));
    const idFor = (index: number) => (index % 2 === 0 ? 1 : "1");
    const { result: replies, peak } = await withPeakInFlight(t, () =>
      Promise.all(
        sessions.map((id, index) =>
          post(
            mcp,
            {
              jsonrpc: "2.0",
              id: idFor(index),
              method: "tools/call",
              params: { name: "fx__progress", arguments: { steps: 3, delayMs: 10, tag: String(index) } },
            },
            { "mcp-session-id": id, accept: "application/json" },
          ),
        ),
      ),
    );
    assert.ok(peak > 1, `calls really overlapped (peak in flight ${peak})`);
    const misrouted = replies.filter(
      (reply, index) => reply.body?.id !== idFor(index) || reply.body?.result?.content?.[0]?.text !== `done ${index}`,
    );
    for (const reply of replies) {
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get("content-type") ?? "", /^application\/json/);
    }
    assert.equal(
      misrouted.length,
      0,
      misrouted
        .map((r) => r.text)
        .slice(0, 5)
        .join("\n"),
    );
  });

  it("keeps colliding ids apart for requests sent without a session", async () => {
    const replies = await Promise.all(
      Array.from({ length: SESSIONS }, (_, index) =>
        post(
          mcp,
          {
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: "fx__echo", arguments: { message: `m${index}` } },
          },
          { accept: "application/json" },
        ),
      ),
    );
    replies.forEach((reply, index) => {
      assert.equal(reply.status, 200);
      assert.equal(reply.body.id, 1);
      assert.equal(reply.body.result.content[0].text, `m${index}`);
    });
  });
});

describe("cancellation and session end stay within their session", () => {
  let t: TestGateway;
  let mcp: string;
  before(async () => {
    t = await startTestGateway({ fx: fixtureServer() });
    mcp = `${t.url}/mcp`;
    await post(mcp, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "fx__echo", arguments: { message: "warm" } },
    });
  });
  after(() => t.close());

  const sleepCall = (session: string, ms: number) =>
    post(
      mcp,
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "fx__sleep", arguments: { ms } } },
      { "mcp-session-id": session, accept: "application/json" },
    );

  it("colliding ids: a fast answer in one session overtakes a slow one in another, each gets its own", async () => {
    const [a, b] = await Promise.all([openSession(mcp), openSession(mcp)]);
    let slowDone = false;
    const slow = sleepCall(a, 1_500).finally(() => {
      slowDone = true;
    });
    await waitUntil(() => t.gateway.supervisor.get("fx").callsInFlight === 1);
    const fast = await post(
      mcp,
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "fx__echo", arguments: { message: "fast" } } },
      { "mcp-session-id": b, accept: "application/json" },
    );
    assert.equal(slowDone, false, "B's answer came while A's call was still running");
    assert.equal(fast.body.id, 1);
    assert.equal(fast.body.result?.content?.[0]?.text, "fast", fast.text);
    const slowReply = await slow;
    assert.equal(slowReply.body.id, 1);
    assert.equal(slowReply.body.result?.content?.[0]?.text, "slept 1500", slowReply.text);
  });

  it("notifications/cancelled cancels only the sender's request with that id", async () => {
    const [a, b] = await Promise.all([openSession(mcp), openSession(mcp)]);
    const started = Date.now();
    const callA = sleepCall(a, 1_500);
    const callB = sleepCall(b, 1_500);
    await waitUntil(() => t.gateway.supervisor.get("fx").callsInFlight === 2);

    const cancel = await post(
      mcp,
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, reason: "test" } },
      { "mcp-session-id": a },
    );
    assert.equal(cancel.status, 202);

    const replyA = await callA;
    const elapsedA = Date.now() - started;
    assert.equal(replyA.body.id, 1);
    assert.equal(replyA.body.error?.data?.kind, "cancelled", replyA.text);
    assert.ok(elapsedA < 1_400, `A was cancelled early (${elapsedA} ms)`);

    const replyB = await callB;
    assert.equal(replyB.body.id, 1);
    assert.equal(replyB.body.result?.content?.[0]?.text, "slept 1500", replyB.text);
  });

  it("ending one session cancels its requests only", async () => {
    const [a, b] = await Promise.all([openSession(mcp), openSession(mcp)]);
    const callA = sleepCall(a, 1_000);
    const callB = sleepCall(b, 1_000);
    await waitUntil(() => t.gateway.supervisor.get("fx").callsInFlight === 2);

    const deleted = await fetch(mcp, { method: "DELETE", headers: { "mcp-session-id": a } });
    assert.equal(deleted.status, 200);
    await deleted.arrayBuffer();

    const replyA = await callA;
    assert.equal(replyA.body?.result, undefined, "the ended session's call did not complete");
    assert.equal(replyA.body?.error?.data?.kind, "cancelled", replyA.text);
    const replyB = await callB;
    assert.equal(replyB.body.result?.content?.[0]?.text, "slept 1000", replyB.text);

    // B's session is still usable; A's is gone.
    const again = await sleepCall(b, 1);
    assert.equal(again.body.result.content[0].text, "slept 1");
    const gone = await sleepCall(a, 1);
    assert.equal(gone.status, 404);
  });
});

describe("list_changed reaches only sessions whose endpoint serves the changed server", () => {
  let t: TestGateway;
  const streams: SseStream[] = [];
  before(async () => {
    // Fresh state: neither server's catalog is known, so starting fx changes the lists that include fx.
    t = await startTestGateway({ fx: fixtureServer(), fy: fixtureServer() });
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await t.close();
  });

  it("notifies /mcp and /mcp/fx sessions, not /mcp/fy sessions", async () => {
    const endpoints = { aggregate: `${t.url}/mcp`, fx: `${t.url}/mcp/fx`, fy: `${t.url}/mcp/fy` };
    const open = async (url: string) => {
      const stream = await openSse(url, { "mcp-session-id": await openSession(url) });
      streams.push(stream);
      assert.equal(stream.status, 200);
      return stream;
    };
    const aggregate = await open(endpoints.aggregate);
    const onFx = await open(endpoints.fx);
    const onFy = await open(endpoints.fy);

    const started = await fetch(`${t.url}/servers/fx/start`, { method: "POST" });
    assert.equal(started.status, 200);
    await started.arrayBuffer();

    const toolsChanged = (stream: SseStream) =>
      stream.messages.some((m) => m.method === "notifications/tools/list_changed");
    await waitUntil(() => toolsChanged(aggregate) && toolsChanged(onFx));

    // A marker: starting fy notifies /mcp and /mcp/fy. Notifications about fx went out before it, so had one
    // reached the fy session, it would be on its stream ahead of the marker.
    const fyStarted = await fetch(`${t.url}/servers/fy/start`, { method: "POST" });
    assert.equal(fyStarted.status, 200);
    await fyStarted.arrayBuffer();
    const toolsChanges = (stream: SseStream) =>
      stream.messages.filter((m) => m.method === "notifications/tools/list_changed").length;
    await waitUntil(() => toolsChanged(onFy) && toolsChanges(aggregate) >= 2);
    assert.equal(toolsChanges(onFy), 1, "the fy session heard about fy only, not about fx");
    assert.equal(toolsChanges(onFx), 1, "the fx session heard about fx only, not about fy");
  });
});

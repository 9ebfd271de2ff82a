// A relayed server→client request (elicitation) that outlives its server must not take the gateway down:
// the client answering after an admin stop, and the answer timeout running out after the server exited, both
// against a real `switchboard serve` process. The gateway must stay up, serve other clients, and record no
// internal error (an error the process-level guard had to catch is a defect too).
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type ServeProcess, startServe, writeConfig } from "../helpers/cli-process.ts";
import { fixtureServer, post, request, resultText, tempDir, waitUntil } from "../helpers/gateway.ts";
import { parseExposition, samples } from "../helpers/prom-text.ts";
import { type EventStreamReader, openEventStream, openSse } from "../helpers/raw-http.ts";

/** Long enough for the test to stop the server first, short enough for a test to wait for. */
const ANSWER_TIMEOUT_MS = 1_500;
const ELICITATION = {
  mode: "form",
  message: "name?",
  requestedSchema: { type: "object", properties: { n: { type: "string" } } },
};

async function session(mcp: string): Promise<string> {
  const reply = await post(
    mcp,
    request("initialize", {
      protocolVersion: "2025-11-25",
      capabilities: { elicitation: { form: {} } },
      clientInfo: { name: "relay-after-stop", version: "1" },
    }),
  );
  const id = reply.headers.get("mcp-session-id") as string;
  await post(mcp, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": id });
  return id;
}

/** Calls fx__ask (an elicitation) on a stream and returns the stream and the request the gateway relayed. */
async function askElicitation(mcp: string, sessionId: string, callId: string) {
  const stream = await openEventStream(mcp, {
    method: "POST",
    headers: { "mcp-session-id": sessionId },
    body: JSON.stringify(
      request(
        "tools/call",
        { name: "fx__ask", arguments: { method: "elicitation/create", params: ELICITATION } },
        callId,
      ),
    ),
  });
  await waitUntil(() => stream.events.some((e) => e.data.method === "elicitation/create"));
  const asked = stream.events.find((e) => e.data.method === "elicitation/create")?.data;
  return { stream, asked };
}

async function internalErrors(url: string): Promise<number> {
  const families = parseExposition(await (await fetch(`${url}/metrics`)).text());
  return samples(families, "switchboard_internal_errors_total").reduce((sum, s) => sum + s.value, 0);
}

/** The process lives, another client's call is served, and nothing had to be caught by the process guard. */
async function assertStillServing(serve: ServeProcess): Promise<void> {
  const mcp = `${serve.url}/mcp`;
  const other = await session(mcp);
  const reply = await post(mcp, request("tools/call", { name: "fx__echo", arguments: { message: "still here" } }), {
    "mcp-session-id": other,
  });
  assert.equal(resultText(reply), "still here", `another client is served: ${reply.text}`);
  assert.equal(serve.child.exitCode, null, `the gateway process lives:\n${serve.stderr()}`);
  assert.equal(await internalErrors(serve.url), 0, `no internal error was caught:\n${serve.stderr()}`);
  assert.doesNotMatch(serve.stderr(), /internal error/);
}

const endedCall = (stream: EventStreamReader, id: string) =>
  stream.events.find((e) => e.data.id === id && !e.data.method)?.data;

describe("a relayed request outliving its server (real switchboard serve)", () => {
  const dir = tempDir("switchboard-relay-stop-");
  let serve: ServeProcess;
  let mcp: string;
  before(async () => {
    serve = await startServe(writeConfig(dir, { fx: fixtureServer() }, { clientAnswerTimeoutMs: ANSWER_TIMEOUT_MS }));
    mcp = `${serve.url}/mcp`;
  });
  after(async () => {
    if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill("SIGTERM");
    await serve.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("the client answers an elicitation after the admin stopped its server: the gateway lives on", async () => {
    const a = await session(mcp);
    const { stream, asked } = await askElicitation(mcp, a, "ask-then-stop");
    const stopped = await fetch(`${serve.url}/servers/fx/stop`, { method: "POST" });
    assert.equal(stopped.status, 200);
    await waitUntil(() => stream.ended);
    assert.equal(endedCall(stream, "ask-then-stop")?.error?.data?.kind, "upstream_closed");
    const late = await post(
      mcp,
      { jsonrpc: "2.0", id: asked.id, result: { action: "accept", content: { n: "late" } } },
      { "mcp-session-id": a },
    );
    assert.equal(late.status, 202);
    await assertStillServing(serve);
  });

  it("the answer timeout runs out after the server exited: the client is told, the gateway lives on", async () => {
    const a = await session(mcp);
    const listen = await openSse(mcp, { "mcp-session-id": a });
    try {
      const { stream, asked } = await askElicitation(mcp, a, "ask-then-crash");
      // The server dies on its own (another call of the same session makes it exit); nobody answers.
      await post(mcp, request("tools/call", { name: "fx__crash", arguments: { code: 3 } }), { "mcp-session-id": a });
      await waitUntil(() => stream.ended);
      // Whenever the relayed request ends (with the server, or at the answer timeout), the client hears of it:
      // on the call's stream while it is open, else on the session's own stream.
      const told = (messages: any[]) =>
        messages.some((m) => m.method === "notifications/cancelled" && m.params.requestId === asked.id);
      await waitUntil(() => told(stream.events.map((e) => e.data)) || told(listen.messages));
      await assertStillServing(serve);
    } finally {
      listen.close();
    }
  });

  it("a client that never answers gets its request cancelled at the configured answer timeout", async () => {
    const a = await session(mcp);
    const { stream, asked } = await askElicitation(mcp, a, "ask-unanswered");
    await waitUntil(() => stream.ended, 20_000);
    const cancelled = stream.events.find((e) => e.data.method === "notifications/cancelled")?.data;
    assert.equal(cancelled?.params.requestId, asked.id);
    const answer = JSON.parse(String(endedCall(stream, "ask-unanswered")?.result?.content?.[0]?.text));
    assert.match(answer.error.message, new RegExp(`did not answer elicitation/create within ${ANSWER_TIMEOUT_MS} ms`));
    await assertStillServing(serve);
  });
});

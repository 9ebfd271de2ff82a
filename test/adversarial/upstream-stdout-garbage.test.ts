// A server that floods its stdout with non-JSON lines, writes an endless line, or answers with a message over
// the size bound: the log volume stays within the output budget, the long line is dropped, and the oversized
// answer fails its call as upstream_overloaded at once (the server is restarted) instead of hanging.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { callTool, resultText, startTestGateway, type TestGateway } from "../helpers/gateway.ts";

const GARBAGE = fileURLToPath(new URL("../fixtures/malicious-stdout-garbage.ts", import.meta.url));
const BURST_LINES = 20;
const LINES_PER_SECOND = 5;
const MAX_MESSAGE_BYTES = 256 * 1024;

describe("a server that writes garbage on stdout", () => {
  let gw: TestGateway;
  const logged: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) logged.push(JSON.parse(line));
      done();
    },
  });
  const fromServer = () => logged.filter((l) => l.server === "garbage" && l.stream === "stdout");

  before(async () => {
    gw = await startTestGateway(
      { garbage: { command: process.execPath, args: [GARBAGE], timeoutMs: 60_000, restart: { initialDelayMs: 10 } } },
      {
        logDestination: destination,
        gateway: {
          discovery: { mode: "full" },
          upstreamStderr: { burstLines: BURST_LINES, linesPerSecond: LINES_PER_SECOND },
          upstreamStdio: { maxMessageBytes: MAX_MESSAGE_BYTES },
        },
      },
    );
  });
  after(() => gw.close());

  test("a flood of non-JSON lines is logged within the budget; the rest is counted", async () => {
    const lines = 20_000;
    const begin = Date.now();
    const reply = await callTool(gw.url, "garbage__garbage", { lines });
    assert.equal(resultText(reply), `wrote ${lines} lines`);
    const seconds = (Date.now() - begin) / 1000;
    const shown = fromServer().filter((l) => String(l.msg).startsWith("non-JSON output ignored: garbage line"));
    assert.ok(shown.length >= 1);
    // The bucket: its burst plus its rate over however long the flood took (plus a second of slack).
    assert.ok(shown.length <= BURST_LINES + LINES_PER_SECOND * (seconds + 1), `${shown.length} lines in ${seconds} s`);
    await gw.close(); // reports what is still suppressed
    const suppressed = fromServer()
      .filter((l) => typeof l.suppressed === "number")
      .reduce((sum, l) => sum + Number(l.suppressed), 0);
    assert.equal(shown.length + suppressed, lines);
  });
});

describe("a server that writes over-long lines", () => {
  let gw: TestGateway;
  const logged: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) logged.push(JSON.parse(line));
      done();
    },
  });

  before(async () => {
    gw = await startTestGateway(
      {
        garbage: {
          command: process.execPath,
          args: [GARBAGE],
          timeoutMs: 60_000,
          stopGraceMs: 500,
          restart: { initialDelayMs: 10, maxDelayMs: 50 },
        },
      },
      {
        logDestination: destination,
        gateway: { discovery: { mode: "full" }, upstreamStdio: { maxMessageBytes: MAX_MESSAGE_BYTES } },
      },
    );
  });
  after(() => gw.close());

  test("a non-JSON line over the bound is dropped and noted; the server goes on", async () => {
    const bytes = 16 * MAX_MESSAGE_BYTES;
    const reply = await callTool(gw.url, "garbage__long-line", { bytes });
    assert.equal(resultText(reply), `wrote a line of ${bytes} bytes`);
    const dropped = logged.filter((l) =>
      String(l.msg).startsWith(`non-JSON line over ${MAX_MESSAGE_BYTES} bytes dropped`),
    );
    assert.equal(dropped.length, 1);
    // Nothing of the dropped line's tail surfaces as a line of its own.
    assert.equal(logged.filter((l) => String(l.msg).startsWith("non-JSON output ignored: y")).length, 0);
    assert.equal(resultText(await callTool(gw.url, "garbage__echo", { message: "ok" })), "ok");
  });

  test("an answer over the bound fails its call as upstream_overloaded and the server is restarted", async () => {
    const pidBefore = gw.gateway.supervisor.get("garbage").status().pid;
    const reply = await callTool(gw.url, "garbage__huge-answer", { bytes: 4 * MAX_MESSAGE_BYTES });
    const error = reply.body?.error;
    assert.equal(error?.data?.kind, "upstream_overloaded", reply.text.slice(0, 500));
    assert.equal(error.data.limitBytes, MAX_MESSAGE_BYTES);
    assert.match(error.message, /message over the 262144-byte limit/);
    assert.equal(resultText(await callTool(gw.url, "garbage__echo", { message: "back" })), "back");
    const status = gw.gateway.supervisor.get("garbage").status();
    assert.notEqual(status.pid, pidBefore);
    assert.ok(status.restarts >= 1);
  });
});

// Attacks through logging/setLevel on a shared server: a level that is not one of MCP's eight is refused with
// -32602 and never forwarded; one session's level neither floods nor silences another (each gets what its own
// level asks for; the server is asked for the most verbose level any session wants). Also: a request with two
// Host headers is refused with 400 instead of being judged by the first.
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { openSession, post, request, resultText, startTestGateway, type TestGateway } from "../helpers/gateway.ts";

const LOGGING_SERVER = fileURLToPath(new URL("../fixtures/logging-server.ts", import.meta.url));

describe("log levels over a shared server", () => {
  let t: TestGateway;
  let mcp: string;
  let a: string;
  let b: string;
  const as = (session: string) => ({ "mcp-session-id": session });
  /** Messages a tools/call of `log` delivered to the calling session. */
  const logAs = async (session: string, level: string, message: string, url = mcp, name = "lg__log") => {
    const reply = await post(url, request("tools/call", { name, arguments: { level, message } }), as(session));
    assert.equal(reply.status, 200, reply.text);
    return reply.messages.filter((m) => m.method === "notifications/message").map((m) => m.params.data);
  };
  const upstreamLevels = async () =>
    JSON.parse(resultText(await post(mcp, request("tools/call", { name: "lg__levels", arguments: {} }))));

  before(async () => {
    t = await startTestGateway({ lg: { command: process.execPath, args: [LOGGING_SERVER] } });
    mcp = `${t.url}/mcp`;
    a = await openSession(mcp);
    b = await openSession(mcp);
    assert.deepEqual(await upstreamLevels(), [], "the server runs, asked for nothing yet");
  });
  after(() => t?.close());

  it("refuses levels outside the eight of MCP with -32602 and forwards none of them", async () => {
    for (const level of ["__proto__", "constructor", "DEBUG", "verbose", 3, null]) {
      const reply = await post(mcp, request("logging/setLevel", { level }), as(a));
      assert.equal(reply.body.error?.code, -32602, `${JSON.stringify(level)}: ${reply.text}`);
    }
    const perServer = await post(`${mcp}/lg`, request("logging/setLevel", { level: "__proto__" }));
    assert.equal(perServer.body.error?.code, -32602, perServer.text);
    // A 2026-era request names its level in its envelope: checked the same way.
    const modern = await post(
      mcp,
      request("tools/list", {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/logLevel": "__proto__",
        },
      }),
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" },
    );
    assert.equal(modern.status, 400, modern.text);
    assert.equal(modern.body.error?.code, -32602);
    assert.deepEqual(await upstreamLevels(), []);
  });

  it("a session gets what its own level asks for, not what another session's level turned on", async () => {
    const set = await post(mcp, request("logging/setLevel", { level: "debug" }), as(b));
    assert.deepEqual(set.body.result, {});
    assert.deepEqual(await upstreamLevels(), ["debug"]);
    assert.deepEqual(await logAs(b, "debug", "debug for B"), ["debug for B"]);
    assert.deepEqual(await logAs(a, "debug", "debug for A"), [], "A never asked for debug (its level is info)");
    assert.deepEqual(await logAs(a, "info", "info for A"), ["info for A"]);
  });

  it("a less verbose level for one session does not quiet the server for the others", async () => {
    await post(mcp, request("logging/setLevel", { level: "error" }), as(a));
    assert.equal((await upstreamLevels()).at(-1), "debug", "B still wants debug");
    assert.deepEqual(await logAs(b, "debug", "still for B"), ["still for B"]);
    assert.deepEqual(await logAs(a, "warning", "below A's level"), []);
    // The per-server endpoint asks the same server: the level sent is the one every session needs.
    const c = await openSession(`${mcp}/lg`);
    await post(`${mcp}/lg`, request("logging/setLevel", { level: "warning" }), as(c));
    assert.equal((await upstreamLevels()).at(-1), "debug");
    // Once B is gone, the most verbose level left is C's warning.
    await fetch(mcp, { method: "DELETE", headers: as(b) });
    await post(mcp, request("logging/setLevel", { level: "error" }), as(a));
    assert.equal((await upstreamLevels()).at(-1), "warning");
    assert.deepEqual(await logAs(c, "warning", "for C", `${mcp}/lg`, "log"), ["for C"]);
  });
});

describe("duplicate Host headers", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({});
  });
  after(() => t?.close());

  /** Sends a raw request with the given header lines; resolves with the status line's code. */
  async function statusOf(headerLines: string[]): Promise<number> {
    const { hostname, port } = new URL(t.url);
    const socket = connect({ host: hostname, port: Number(port) });
    try {
      await once(socket, "connect");
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        text += chunk;
      });
      socket.write(`GET /health/live HTTP/1.1\r\n${headerLines.join("\r\n")}\r\nconnection: close\r\n\r\n`);
      await once(socket, "end");
      return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
    } finally {
      socket.destroy();
    }
  }

  it("answers 400 to a request with two Host headers, whichever comes first", async () => {
    const own = `${hostnameOf(t.url)}`;
    assert.equal(await statusOf([`Host: ${own}`]), 200);
    assert.equal(await statusOf([`Host: ${own}`, "Host: evil.example"]), 400);
    assert.equal(await statusOf(["Host: evil.example", `Host: ${own}`]), 400);
    assert.equal(await statusOf([`Host: ${own}`, `host: ${own}`]), 400);
  });
});

function hostnameOf(url: string): string {
  return new URL(url).host;
}

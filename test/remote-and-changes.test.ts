// Remote upstreams over real HTTP (the official everything server in streamable-HTTP and in HTTP+SSE mode)
// and list_changed: refreshed into the catalog and forwarded to clients.
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  fixtureServer,
  openSession,
  post,
  REPO_ROOT,
  request,
  startTestGateway,
  waitUntil,
} from "./helpers/gateway.ts";
import { startHttpServerProcess } from "./helpers/http-server-process.ts";

const EVERYTHING = join(REPO_ROOT, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");

describe("remote upstreams", () => {
  for (const [mode, path, type] of [
    ["streamableHttp", "/mcp", undefined],
    ["sse", "/sse", undefined],
  ] as const) {
    it(`serves the everything server over ${mode}${mode === "sse" ? " (auto fallback from streamable HTTP)" : ""}`, async () => {
      const upstream = await startHttpServerProcess(EVERYTHING, [mode]);
      const t = await startTestGateway({
        remote: { url: `http://127.0.0.1:${upstream.port}${path}`, ...(type ? { type } : {}) },
      });
      try {
        const list = await post(`${t.url}/mcp`, request("tools/list"));
        assert.ok(
          list.body.result.tools.some((tool: { name: string }) => tool.name === "remote__echo"),
          list.text,
        );
        const echo = await post(
          `${t.url}/mcp`,
          request("tools/call", { name: "remote__echo", arguments: { message: "far" } }),
        );
        assert.equal(echo.body.result.content[0].text, "Echo: far");
        const status = t.gateway.supervisor.get("remote").status();
        assert.equal(status.transport, "http");
        assert.equal(status.status, "ready");
      } finally {
        await t.close();
        await upstream.stop();
      }
    });
  }

  it("reports an unreachable remote server as upstream_unavailable", async () => {
    const t = await startTestGateway({ gone: { url: "http://127.0.0.1:9/mcp", startTimeoutMs: 2_000 } });
    try {
      const reply = await post(`${t.url}/mcp/gone`, request("tools/call", { name: "echo", arguments: {} }));
      assert.equal(reply.body.error.data.kind, "upstream_unavailable");
    } finally {
      await t.close();
    }
  });
});

describe("list_changed", () => {
  it("refreshes the catalog and notifies sessions on their GET stream", async () => {
    const t = await startTestGateway({ fx: fixtureServer() });
    try {
      const session = await openSession(`${t.url}/mcp`);
      const received: string[] = [];
      const stream = httpRequest(`${t.url}/mcp`, {
        method: "GET",
        headers: { accept: "text/event-stream", "mcp-session-id": session },
      });
      stream.on("response", (res) => res.on("data", (chunk: Buffer) => received.push(chunk.toString())));
      stream.end();
      await waitUntil(() => received.join("").includes("stream open"));

      // Discover the server first: its first listing is announced too.
      await post(`${t.url}/mcp`, request("tools/list"), { "mcp-session-id": session });
      const announcements = () => received.join("").split("notifications/tools/list_changed").length - 1;
      await waitUntil(() => announcements() === 1);
      const added = await post(`${t.url}/mcp`, request("tools/call", { name: "fx__add-tool", arguments: {} }), {
        "mcp-session-id": session,
      });
      assert.equal(added.body.result.content[0].text, "extra-1");
      await waitUntil(() => announcements() === 2);
      const list = await post(`${t.url}/mcp`, request("tools/list"), { "mcp-session-id": session });
      assert.ok(list.body.result.tools.some((tool: { name: string }) => tool.name === "fx__extra-1"));
      const called = await post(`${t.url}/mcp`, request("tools/call", { name: "fx__extra-1", arguments: {} }));
      assert.equal(called.body.result.content[0].text, "extra-1 called");
      stream.destroy();
    } finally {
      await t.close();
    }
  });
});

// What an HTTP error status from a remote server (or a proxy in front of it) means for retries: a 5xx may come
// after the tool ran (a proxy's 502/504 while the server goes on working), so a side-effecting tool is not run
// again; a 4xx is a refusal of the request, so it counts as never delivered. A real remote upstream (the
// counting fixture) sits behind a small HTTP proxy in this file that, while told to, answers a tools/call with a
// chosen status: a 5xx after letting the upstream run it, a 4xx without forwarding it.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { callTool, resultText, startTestGateway, type TestGateway, tempDir } from "./helpers/gateway.ts";
import { type HttpServerProcess, startHttpServerProcess } from "./helpers/http-server-process.ts";

const COUNTING = fileURLToPath(new URL("./fixtures/counting-http-server.ts", import.meta.url));

/** Forwards everything to `port`; while `replace` is set, a tools/call's answer is swapped for that status. */
function statusProxy(port: number) {
  const state: { replace: number | undefined; replaced: number } = { replace: undefined, replaced: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const swap = state.replace !== undefined && body.includes('"tools/call"') ? state.replace : undefined;
      if (swap !== undefined && swap < 500) {
        // A refusal (429, 413, 401…) never reaches the server.
        state.replaced++;
        res.writeHead(swap, { "content-type": "text/plain" });
        res.end(`status ${swap} from the proxy`);
        return;
      }
      const upstream = httpRequest(
        { host: "127.0.0.1", port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          if (swap === undefined) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          answer.resume();
          answer.on("end", () => {
            state.replaced++;
            res.writeHead(swap, { "content-type": "text/plain" });
            res.end(`status ${swap} from the proxy`);
          });
        },
      );
      upstream.on("error", () => res.destroy());
      upstream.end(body);
    });
  });
  return { server, state };
}

describe("HTTP error statuses and retries", () => {
  let dir: string;
  let upstream: HttpServerProcess;
  let proxy: ReturnType<typeof statusProxy>;
  let t: TestGateway;
  const executions = (tool: string) => {
    const file = join(dir, `${tool}.count`);
    return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;
  };

  before(async () => {
    dir = tempDir("switchboard-statuses-");
    upstream = await startHttpServerProcess(COUNTING, [dir]);
    proxy = statusProxy(upstream.port);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    const { port } = proxy.server.address() as AddressInfo;
    const remote = { url: `http://127.0.0.1:${port}/mcp`, type: "streamable-http", healthCheckIntervalMs: 0 };
    // No breaker: the failures below would open it and hide what each status does.
    t = await startTestGateway({ plain: { ...remote, maxRetries: 3, circuitBreaker: { enabled: false } } });
    assert.match(resultText(await callTool(t.url, "plain__write")), /write done/);
  });

  after(async () => {
    await t?.close();
    proxy?.server.closeAllConnections();
    await new Promise((resolve) => proxy?.server.close(resolve));
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const status of [502, 504, 500]) {
    it(`a ${status} after the tool ran: upstream_closed, run once, not retried`, async () => {
      const before = executions("write");
      proxy.state.replace = status;
      proxy.state.replaced = 0;
      try {
        const answer = await callTool(t.url, "plain__write");
        assert.equal(answer.body.error?.data?.kind, "upstream_closed", answer.text);
        assert.match(answer.body.error.message, new RegExp(`HTTP ${status}.*may have run`));
        assert.equal(answer.body.error.data.mayHaveRun, true);
      } finally {
        proxy.state.replace = undefined;
      }
      assert.equal(proxy.state.replaced, 1, "one request reached the server");
      assert.equal(executions("write") - before, 1);
    });
  }

  it("a 4xx refusal counts as never delivered: retried, then upstream_unavailable", async () => {
    const before = executions("write");
    proxy.state.replace = 429;
    proxy.state.replaced = 0;
    try {
      const answer = await callTool(t.url, "plain__write");
      assert.equal(answer.body.error?.data?.kind, "upstream_unavailable", answer.text);
    } finally {
      proxy.state.replace = undefined;
    }
    assert.equal(proxy.state.replaced, 4, "the first attempt and maxRetries (3) retries");
    assert.equal(executions("write"), before);
    assert.match(resultText(await callTool(t.url, "plain__write")), /write done/);
  });
});

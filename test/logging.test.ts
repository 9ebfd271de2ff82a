// Logs as a user sees them: the request id returned on every reply and carried by every log line of the
// request (including the server start it causes), upstream stderr rate-limited with an exact account of what
// was suppressed, cut long lines, a log file beside stderr, and secrets that never appear anywhere.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createGateway, type Gateway } from "../src/app/index.ts";
import { normalizeConfig } from "../src/config/load.ts";
import { startHttpFront } from "../src/fronts/http/http-front.ts";
import { callTool, post, request, resultText, tempDir, waitUntil } from "./helpers/gateway.ts";

const NOISY = fileURLToPath(new URL("./fixtures/noisy-server.ts", import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type LogRecord = Record<string, unknown> & { msg: string; level: number };

interface LoggedGateway {
  url: string;
  gateway: Gateway;
  stateDir: string;
  /** Every JSON line the gateway's own logger wrote so far. */
  records(): LogRecord[];
  text(): string;
  close(): Promise<void>;
}

/** An in-process gateway whose real logger (JSON, the configured level) writes into memory. */
async function loggedGateway(
  servers: Record<string, unknown>,
  gateway: Record<string, unknown> = {},
): Promise<LoggedGateway> {
  const stateDir = tempDir();
  const config = normalizeConfig(
    { gateway: { port: 0, stateDir, logLevel: "debug", jsonLogs: true, ...gateway }, servers },
    join(stateDir, "switchboard.json"),
    { env: { PATH: process.env.PATH } },
  );
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString("utf8");
      done();
    },
  });
  const gw = await createGateway(config, { logDestination: sink });
  await gw.start();
  const front = await startHttpFront(gw, { port: 0 });
  return {
    url: front.url,
    gateway: gw,
    stateDir,
    records: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogRecord),
    text: () => text,
    async close() {
      await front.close();
      await gw.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

function noisy(env: Record<string, string> = {}): Record<string, unknown> {
  return { command: process.execPath, args: [NOISY], env };
}

describe("request correlation", () => {
  test("a given X-Request-Id is returned and carried by the log lines of the call and the start it caused", async () => {
    const t = await loggedGateway({ fx: noisy() });
    try {
      const reply = await callTool(t.url, "fx__echo", { message: "hi" }, { "x-request-id": "req-trace-42" });
      assert.equal(resultText(reply), "hi");
      assert.equal(reply.headers.get("x-request-id"), "req-trace-42");
      const mine = t.records().filter((r) => r.requestId === "req-trace-42");
      const finished = mine.find((r) => r.msg === "call finished");
      assert.ok(finished, `no 'call finished' line with the id: ${t.text()}`);
      assert.equal(finished.server, "fx");
      assert.equal(finished.tool, "echo");
      assert.ok(
        mine.some((r) => r.server === "fx" && /ready in/.test(r.msg)),
        "the cold start's log lines carry the id of the request that caused it",
      );
      // A second request's lines carry its own id, not the first one's.
      const second = await callTool(t.url, "fx__echo", { message: "again" });
      const id = second.headers.get("x-request-id") ?? "";
      assert.match(id, UUID);
      assert.ok(t.records().some((r) => r.requestId === id && r.msg === "call finished"));
    } finally {
      await t.close();
    }
  });

  test("a server started by one request does not log later requests' output or its idle stop under that request's id", async () => {
    const t = await loggedGateway({ fx: { ...noisy(), idleTimeoutMs: 1_500 } });
    try {
      await callTool(t.url, "fx__echo", { message: "wake" }, { "x-request-id": "first-req" });
      assert.ok(
        t.records().some((r) => r.requestId === "first-req" && /ready in/.test(r.msg)),
        "the cold start is the first request's",
      );
      const reply = await callTool(t.url, "fx__shout", { lines: 3 }, { "x-request-id": "second-req" });
      assert.equal(reply.headers.get("x-request-id"), "second-req");
      const shouts = () => t.records().filter((r) => r.stream === "stderr" && /^shout \d$/.test(r.msg));
      await waitUntil(() => shouts().length === 3, 10_000);
      for (const line of shouts()) {
        assert.ok(
          line.requestId === undefined || line.requestId === "second-req",
          `stderr of the second call logged as ${String(line.requestId)}`,
        );
      }
      const stopped = () => t.records().find((r) => r.server === "fx" && r.msg === "server fx stopped (idle)");
      await waitUntil(() => stopped() !== undefined, 10_000);
      assert.equal(stopped()?.requestId, undefined, "the idle stop belongs to no request");
      const stopping = t.records().find((r) => r.server === "fx" && r.to === "stopping");
      assert.equal(stopping?.reason, "idle");
      assert.equal(stopping?.requestId, undefined);
    } finally {
      await t.close();
    }
  });

  test("malformed ids are replaced by a generated one; every reply carries an id", async () => {
    const t = await loggedGateway({});
    try {
      for (const bad of ["x".repeat(129), "has space", 'quote"d', "new\u00e9line", ""]) {
        const reply = await post(`${t.url}/mcp`, request("ping"), { "x-request-id": bad });
        assert.equal(reply.status, 200);
        assert.match(reply.headers.get("x-request-id") ?? "", UUID, `not replaced: ${JSON.stringify(bad)}`);
      }
      const longest = "a".repeat(128);
      assert.equal(
        (await post(`${t.url}/mcp`, request("ping"), { "x-request-id": longest })).headers.get("x-request-id"),
        longest,
      );
      // Admin routes, errors and 202s answer with it too.
      const health = await fetch(`${t.url}/health`, { headers: { "x-request-id": "admin-1" } });
      assert.equal(health.headers.get("x-request-id"), "admin-1");
      const missing = await fetch(`${t.url}/nowhere`, { headers: { "x-request-id": "missing-1" } });
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get("x-request-id"), "missing-1");
      const bad = await post(`${t.url}/mcp`, "{not json", { "x-request-id": "bad-json" });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get("x-request-id"), "bad-json");
      const note = await post(`${t.url}/mcp`, { jsonrpc: "2.0", method: "notifications/initialized" });
      assert.equal(note.status, 202);
      assert.match(note.headers.get("x-request-id") ?? "", UUID);
    } finally {
      await t.close();
    }
  });
});

describe("upstream stderr", () => {
  test("a flooding server gets a bounded number of lines plus suppression entries that account for the rest", async () => {
    const lines = 600;
    const t = await loggedGateway(
      { loud: noisy({ NOISY_LINES: String(lines), NOISY_LONG_LINE: "5000" }) },
      { upstreamStderr: { linesPerSecond: 5, burstLines: 20, maxLineChars: 100 } },
    );
    try {
      assert.equal(resultText(await callTool(t.url, "loud__echo", { message: "x" })), "x");
      const stderr = () => t.records().filter((r) => r.stream === "stderr" && r.server === "loud");
      const suppressed = () => stderr().reduce((n, r) => n + Number(r.suppressed ?? 0), 0);
      const logged = () => stderr().filter((r) => /^noise line \d+$/.test(r.msg)).length;
      await waitUntil(() => logged() + suppressed() === lines, 10_000);
      assert.ok(logged() <= 20 + 10, `logged ${logged()} lines`);
      assert.ok(suppressed() >= lines - 30);
      const report = stderr().find((r) => r.suppressed !== undefined);
      assert.match(report?.msg ?? "", /^suppressed \d+ stderr lines \(over 5 lines\/s\)$/);
      assert.equal(report?.level, 40);
      const long = stderr().find((r) => r.msg.startsWith("long:"));
      assert.ok(long, "the long line was logged (it came first, within the burst)");
      assert.ok(long.msg.length < 200, `not cut: ${long.msg.length} characters`);
      assert.match(long.msg, /… \[4905 more characters\]$/);
    } finally {
      await t.close();
    }
  });
});

describe("secrets", () => {
  test("secrets from the configuration and the request never reach the logs or the log file", async () => {
    const secrets = {
      env: "SECRET-env-token-1234",
      urlPassword: "SECRET-urlpw-7890",
      header: "SECRET-upstream-header-1111",
      auth: "SECRET-auth-5678",
      cookie: "SECRET-cookie-9012",
      direct: "SECRET-direct-3333",
      apiKey: "SECRET-key-4444",
      pg: "SECRET-pg-2222",
      errUrl: "SECRET-error-url-5555",
    };
    const dir = tempDir();
    const logFile = join(dir, "logs", "gateway.log");
    const t = await loggedGateway(
      {
        fx: noisy({ NOISY_PRINT_ENV: "1", API_TOKEN: secrets.env }),
        remote: {
          url: `http://user:${secrets.urlPassword}@127.0.0.1:9/mcp`,
          headers: { Authorization: `Bearer ${secrets.header}` },
        },
      },
      { logLevel: "trace", logFile },
    );
    try {
      const reply = await callTool(
        t.url,
        "fx__echo",
        { message: "hello" },
        { authorization: `Bearer ${secrets.auth}`, cookie: `session=${secrets.cookie}`, "x-request-id": "req-secret" },
      );
      assert.equal(resultText(reply), "hello");
      await callTool(t.url, "remote__anything", {}, { authorization: `Bearer ${secrets.auth}` });
      t.gateway.logger.info(
        {
          headers: { authorization: secrets.direct, cookie: secrets.cookie },
          apiKey: secrets.apiKey,
          url: `postgres://app:${secrets.pg}@db:5432/app`,
        },
        `connecting to postgres://app:${secrets.pg}@db:5432/app`,
      );
      t.gateway.logger.warn({ err: new Error(`refused by https://ops:${secrets.errUrl}@backend/`) }, "call failed");
      // The fixture printed its environment: the line is there, the value is not.
      await waitUntil(() => t.text().includes("env API_TOKEN="), 10_000);
    } finally {
      await t.close();
    }
    // Closing the gateway closed its log file (no descriptor of this process still points at it).
    const open = readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === logFile;
      } catch {
        return false;
      }
    });
    assert.deepEqual(open, [], "the log file is closed with the gateway");
    t.gateway.logger.info("a line after close goes to the console only");
    const logged = t.text();
    const file = readFileSync(logFile, "utf8");
    rmSync(dir, { recursive: true, force: true });
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(
        !logged.includes(secret),
        `the ${name} secret was logged: ${logged
          .split("\n")
          .filter((l) => l.includes(secret))
          .join("\n")}`,
      );
      assert.ok(!file.includes(secret), `the ${name} secret reached the log file`);
    }
    assert.match(logged, /env API_TOKEN=\[redacted\]/);
    assert.match(logged, /postgres:\/\/\[redacted\]@db:5432/);
    assert.match(logged, /refused by https:\/\/\[redacted\]@backend/);
    // The file gets the same JSON lines, request ids included.
    assert.ok(file.split("\n").filter(Boolean).length > 5);
    assert.ok(file.includes('"requestId":"req-secret"'));
  });

  test("URL credentials of an HTTP upstream are sent as Basic authorization, not in the URL", async () => {
    const seen: { url: string | undefined; authorization: string | undefined }[] = [];
    const upstream = createServer((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization });
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const port = (upstream.address() as AddressInfo).port;
    const t = await loggedGateway({
      remote: { url: `http://svc:p%40ss@127.0.0.1:${port}/mcp`, type: "streamable-http" },
    });
    try {
      await callTool(t.url, "remote__anything");
      assert.ok(seen.length > 0, "the upstream was contacted");
      assert.equal(seen[0]?.authorization, `Basic ${Buffer.from("svc:p@ss").toString("base64")}`);
      assert.equal(seen[0]?.url, "/mcp");
      assert.ok(!t.text().includes("p%40ss") && !t.text().includes("p@ss"));
    } finally {
      await t.close();
      upstream.close();
    }
  });

  test("LOG_FILE and USE_JSON_LOGS name the file and the format; the file is relative to the config", () => {
    const config = normalizeConfig({}, "/etc/switchboard/switchboard.json", {
      env: { LOG_FILE: "logs/gw.log", USE_JSON_LOGS: "false" },
    });
    assert.equal(config.gateway.logFile, "/etc/switchboard/logs/gw.log");
    assert.equal(config.gateway.jsonLogs, false);
    const auto = normalizeConfig({}, undefined, { env: {} });
    assert.equal(auto.gateway.jsonLogs, undefined, "unset: decided by whether stderr is a terminal");
    assert.equal(auto.gateway.logFile, undefined);
  });
});

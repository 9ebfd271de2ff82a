// OpenTelemetry traces end to end: a gateway with a real upstream exports over OTLP/HTTP (JSON) to a local
// receiver; the request's server span is the parent of the upstream call span and the server start span, the
// client's traceparent is continued (and passed to HTTP upstreams), and a hanging collector holds up neither
// close() nor a serve process's SIGTERM.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { normalizeConfig } from "../src/config/load.ts";
import type { SwitchboardError } from "../src/core/errors.ts";
import type { ConfigProblem } from "../src/core/gateway-config.ts";
import { NO_TRACER } from "../src/ports/tracer.ts";
import { writeConfig } from "./helpers/cli-process.ts";
import {
  CLI,
  callTool,
  fixtureServer,
  referenceServers,
  resultText,
  startTestGateway,
  type TestGateway,
  tempDir,
  waitUntil,
} from "./helpers/gateway.ts";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./helpers/otlp-receiver.ts";

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";

describe("traces over OTLP/HTTP", () => {
  let receiver: OtlpReceiver;
  let spans: ReceivedSpan[];
  let requestId: string | null;

  before(async () => {
    receiver = await startOtlpReceiver();
    const workspace = tempDir();
    const t = await startTestGateway(
      { everything: referenceServers(workspace).everything },
      { gateway: { tracing: { endpoint: receiver.url, serviceName: "switchboard-test" } } },
    );
    try {
      assert.equal(t.gateway.tracer.enabled, true);
      const reply = await callTool(
        t.url,
        "everything__echo",
        { message: "traced" },
        { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` },
      );
      assert.equal(resultText(reply), "Echo: traced");
      requestId = reply.headers.get("x-request-id");
    } finally {
      await t.close(); // flushes the batch
    }
    spans = receiver.spans;
  });
  after(() => receiver.close());

  test("the request span continues the client's traceparent and names the MCP method", () => {
    const request = spans.find((s) => s.kind === SERVER && s.attributes["mcp.method.name"] === "tools/call");
    assert.ok(request, `no server span among ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(request.traceId, CLIENT_TRACE);
    assert.equal(request.parentSpanId, CLIENT_SPAN);
    assert.equal(request.name, "tools/call everything__echo");
    assert.equal(request.attributes["gen_ai.tool.name"], "everything__echo");
    assert.equal(request.attributes["http.request.method"], "POST");
    assert.equal(request.attributes["http.response.status_code"], 200);
    assert.equal(request.attributes["switchboard.request_id"], requestId);
    assert.equal(request.resource["service.name"], "switchboard-test");
    assert.equal(typeof request.resource["service.version"], "string");
  });

  test("the upstream call and the cold start are children of the request span", () => {
    const request = spans.find((s) => s.kind === SERVER && s.attributes["mcp.method.name"] === "tools/call");
    const call = spans.find((s) => s.kind === CLIENT && s.attributes["gen_ai.tool.name"] === "echo");
    const start = spans.find((s) => s.kind === INTERNAL && s.name === "start everything");
    assert.ok(request && call && start, `spans: ${spans.map((s) => `${s.name}/${s.kind}`).join(", ")}`);
    assert.equal(call.parentSpanId, request.spanId);
    assert.equal(call.traceId, CLIENT_TRACE);
    assert.equal(call.attributes["switchboard.server"], "everything");
    assert.equal(call.attributes["mcp.method.name"], "tools/call");
    assert.equal(call.attributes["switchboard.outcome"], "ok");
    assert.equal(start.parentSpanId, request.spanId);
    assert.equal(start.attributes["switchboard.cold_start"], true);
    assert.ok(Number(start.attributes["process.pid"]) > 0);
    // The children lie within the request's time span.
    assert.ok(BigInt(call.startTimeUnixNano) >= BigInt(request.startTimeUnixNano) - 2_000_000n);
    assert.ok(BigInt(call.endTimeUnixNano) <= BigInt(request.endTimeUnixNano) + 2_000_000n);
  });
});

describe("tracing failures and configuration", () => {
  test("a failed call marks its upstream span with the error kind", async () => {
    const receiver = await startOtlpReceiver();
    const t = await startTestGateway(
      { fx: fixtureServer() },
      { gateway: { tracing: { endpoint: `${receiver.url}/v1/traces` } } },
    );
    let kind: unknown;
    try {
      const reply = await callTool(t.url, "fx__crash"); // the server exits while the call is in flight
      kind = reply.body.error?.data?.kind;
      assert.equal(kind, "upstream_closed");
    } finally {
      await t.close();
      await receiver.close();
    }
    const request = receiver.spans.find((s) => s.kind === SERVER);
    assert.equal(request?.name, "tools/call fx__crash");
    const call = receiver.spans.find((s) => s.kind === CLIENT && s.attributes["gen_ai.tool.name"] === "crash");
    assert.ok(call, "the upstream call's span is exported");
    assert.equal(call.attributes["error.type"], kind);
    assert.equal(call.attributes["switchboard.outcome"], "error");
    assert.equal(call.status.code, 2, "status ERROR");
    assert.equal(call.parentSpanId, request?.spanId);
  });

  test("HTTP upstreams receive the trace context of the request that called them", async () => {
    const receiver = await startOtlpReceiver();
    const seen: (string | undefined)[] = [];
    const upstream = createServer((req, res) => {
      if (req.method === "POST") seen.push(req.headers.traceparent as string | undefined);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`;
    const t = await startTestGateway(
      { remote: { url, type: "streamable-http" } },
      { gateway: { tracing: { endpoint: receiver.url } } },
    );
    try {
      await callTool(t.url, "remote__anything", {}, { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` });
      assert.ok(seen.length > 0, "the upstream was contacted");
      const [, traceId, parent] = (seen[0] ?? "").split("-");
      assert.equal(traceId, CLIENT_TRACE);
      assert.notEqual(parent, CLIENT_SPAN, "the gateway's request span is the upstream's parent");
    } finally {
      await t.close();
      await receiver.close();
      upstream.close();
    }
  });

  test("a hanging collector does not hold close() beyond its export timeout", async () => {
    const receiver = await startOtlpReceiver({ hang: true });
    let t: TestGateway | undefined;
    try {
      t = await startTestGateway({}, { gateway: { tracing: { endpoint: receiver.url, exportTimeoutMs: 1_000 } } });
      await callTool(t.url, "nowhere__tool");
      const begun = Date.now();
      await t.close();
      const took = Date.now() - begun;
      assert.ok(receiver.requests >= 1, "the export was attempted");
      assert.ok(took < 6_000, `close took ${took} ms`);
    } finally {
      await t?.close();
      await receiver.close();
    }
  });

  test("without an endpoint tracing is off", async () => {
    const t = await startTestGateway({});
    try {
      assert.equal(t.gateway.tracer, NO_TRACER);
    } finally {
      await t.close();
    }
  });

  test("OTLP_ENDPOINT, OTEL_SERVICE_NAME and OTEL_TRACES_SAMPLER_ARG configure tracing", () => {
    const config = normalizeConfig({}, undefined, {
      env: { OTLP_ENDPOINT: "http://collector:4318", OTEL_SERVICE_NAME: "gw", OTEL_TRACES_SAMPLER_ARG: "0.25" },
    });
    assert.equal(config.gateway.tracing.endpoint, "http://collector:4318/v1/traces");
    assert.equal(config.gateway.tracing.serviceName, "gw");
    assert.equal(config.gateway.tracing.sampleRatio, 0.25);
    assert.equal(normalizeConfig({}, undefined, { env: {} }).gateway.tracing.endpoint, undefined);
    const problems = problemsOf({}, { OTLP_ENDPOINT: "grpc://collector:4317" });
    assert.match(problems.find((p) => p.path === "gateway.tracing.endpoint")?.message ?? "", /http/);
    assert.ok(problemsOf({ gateway: { tracing: { sampleRatio: 2 } } }, {}).some((p) => p.path.includes("sampleRatio")));
  });
});

describe("a serve process", () => {
  test("OTLP_ENDPOINT and LOG_FILE from the environment; SIGTERM with a hanging collector exits promptly", async () => {
    const receiver = await startOtlpReceiver({ hang: true });
    const dir = tempDir();
    const logFile = join(dir, "logs", "gateway.log");
    const config = writeConfig(dir, { fx: fixtureServer() }, { tracing: { exportTimeoutMs: 1_000 } });
    const child = spawn(process.execPath, [CLI, "serve", "--config", config, "--port", "0"], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, OTLP_ENDPOINT: receiver.url, LOG_FILE: logFile, USE_JSON_LOGS: "true", LOG_LEVEL: "info" },
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      await waitUntil(() => /listening on http/.test(stderr), 15_000);
      const url = /listening on (http:\/\/[^\s"]+)/.exec(stderr)?.[1] as string;
      const reply = await callTool(url, "fx__echo", { message: "hi" }, { "x-request-id": "serve-req-1" });
      assert.equal(reply.headers.get("x-request-id"), "serve-req-1");
      const begun = Date.now();
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
      const took = Date.now() - begun;
      assert.ok(took < 8_000, `shutdown took ${took} ms`);
      assert.ok(receiver.requests >= 1, "spans were sent to the collector");
      const logged = readFileSync(logFile, "utf8");
      assert.match(logged, /"requestId":"serve-req-1"/);
      assert.match(logged, /exporting traces over OTLP\/HTTP/);
      for (const line of logged.trim().split("\n")) JSON.parse(line);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function problemsOf(raw: unknown, env: Record<string, string>): ConfigProblem[] {
  try {
    normalizeConfig(raw, undefined, { env });
  } catch (error) {
    return ((error as SwitchboardError).data?.problems ?? []) as ConfigProblem[];
  }
  assert.fail("the configuration was accepted");
}

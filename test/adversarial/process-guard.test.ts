// An error nothing handled must not end a serving gateway: a real `switchboard serve` process, with a preloaded
// fixture that throws from a timer and rejects an unawaited promise on SIGUSR2, logs each as an internal error
// naming what happened, counts them (/metrics, /health) and goes on serving. An embedded gateway (here, under
// the test runner) installs no such guard, so the defect still fails there.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { type ServeProcess, startServe, writeConfig } from "../helpers/cli-process.ts";
import { callTool, fixtureServer, resultText, startTestGateway, tempDir, waitUntil } from "../helpers/gateway.ts";
import { parseExposition, value } from "../helpers/prom-text.ts";

const INJECTOR = pathToFileURL(new URL("../fixtures/defect-injector.ts", import.meta.url).pathname).href;

/** The JSON log lines of the process whose message starts with `internal error`. */
function internalErrorLines(serve: ServeProcess): Record<string, any>[] {
  return serve
    .stderr()
    .split("\n")
    .filter((line) => line.startsWith("{") && line.includes("internal error"))
    .map((line) => JSON.parse(line));
}

describe("process guard of switchboard serve", () => {
  const dir = tempDir("switchboard-guard-");
  let serve: ServeProcess;
  before(async () => {
    serve = await startServe(writeConfig(dir, { fx: fixtureServer() }), [], { nodeArgs: ["--import", INJECTOR] });
  });
  after(async () => {
    if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill("SIGTERM");
    await serve.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("logs an uncaught exception and an unhandled rejection by name, counts them, and keeps serving", async () => {
    assert.equal(resultText(await callTool(serve.url, "fx__echo", { message: "before" })), "before");
    process.kill(serve.child.pid as number, "SIGUSR2");
    await waitUntil(() => internalErrorLines(serve).length >= 2);

    const lines = internalErrorLines(serve);
    const exception = lines.find((l) => l.origin === "uncaught-exception");
    const rejection = lines.find((l) => l.origin === "unhandled-rejection");
    assert.equal(
      exception?.msg,
      "internal error (uncaught exception): Error: injected exception from a timer; the gateway keeps running",
    );
    assert.equal(
      rejection?.msg,
      "internal error (unhandled promise rejection): Error: injected rejection nobody awaits; the gateway keeps running",
    );
    assert.equal(exception?.level, 50, "logged at error level");
    assert.match(String(exception?.stack), /defect-injector/, "with the stack that says where");

    assert.equal(serve.child.exitCode, null, "the process lives");
    assert.equal(resultText(await callTool(serve.url, "fx__echo", { message: "after" })), "after");
    const families = parseExposition(await (await fetch(`${serve.url}/metrics`)).text());
    const counted = (origin: string) => value(families, "switchboard_internal_errors_total", { origin });
    assert.equal(counted("uncaught-exception"), 1);
    assert.equal(counted("unhandled-rejection"), 1);
    const health = (await (await fetch(`${serve.url}/health`)).json()) as { metrics: { internal_errors: number } };
    assert.equal(health.metrics.internal_errors, 2);

    serve.child.kill("SIGTERM");
    assert.deepEqual(await serve.exited, { code: 0, signal: null }, "and still shuts down cleanly");
  });
});

describe("an embedded gateway", () => {
  it("installs no process-wide handlers: unhandled errors keep failing where it is embedded", async () => {
    const before = [process.listenerCount("uncaughtException"), process.listenerCount("unhandledRejection")];
    const t = await startTestGateway({ fx: fixtureServer() });
    try {
      assert.equal(resultText(await callTool(t.url, "fx__echo", { message: "x" })), "x");
      const during = [process.listenerCount("uncaughtException"), process.listenerCount("unhandledRejection")];
      assert.deepEqual(during, before);
    } finally {
      await t.close();
    }
  });
});

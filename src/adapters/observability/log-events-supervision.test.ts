// The supervisor reports through events; the log adapter writes the lines it used to write itself: the same
// messages, at warn for what a server does wrong and at error for the gateway's own defects.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventBus } from "../../core/events.ts";
import type { Logger } from "../../ports/logger.ts";
import { subscribeLogging } from "./log-events.ts";

function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at =
    (level: string) =>
    (first: Record<string, unknown> | string, message?: string): void => {
      if (typeof first === "string") lines.push({ level, fields: {}, message: first });
      else lines.push({ level, fields: first, message: message ?? "" });
    };
  const logger: Logger = {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    child: () => logger,
    isLevelEnabled: () => false,
  };
  return { logger, lines };
}

describe("supervision log lines", () => {
  it("writes each server problem with its message, the error and the failure count", () => {
    const { logger, lines } = recordingLogger();
    const events = new EventBus();
    subscribeLogging(events, logger);
    const error = new Error("spawn ENOENT");
    const message = "server x failed to start: spawn ENOENT";
    events.emit("server-problem", { server: "x", kind: "start-failed", message, error });
    events.emit("server-problem", { server: "x", kind: "crashed", message: "server x exited with code 3" });
    events.emit("server-problem", {
      server: "x",
      kind: "health-check-failed",
      message: "health check failed",
      error,
      failures: 1,
    });
    events.emit("server-problem", {
      server: "x",
      kind: "timer-failed",
      message: "idle stop of server x failed",
      error,
    });
    events.emit("drain-expired", { inFlight: 2 });
    assert.deepEqual(lines, [
      { level: "warn", fields: { server: "x", err: error }, message },
      { level: "warn", fields: { server: "x" }, message: "server x exited with code 3" },
      { level: "warn", fields: { server: "x", err: error, failures: 1 }, message: "health check failed" },
      { level: "error", fields: { server: "x", err: error }, message: "idle stop of server x failed" },
      { level: "warn", fields: { inFlight: 2 }, message: "shutdown grace over; failing calls still in flight" },
    ]);
  });
});

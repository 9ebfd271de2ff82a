// The supervisor reports through events; the log adapter writes the lines it used to write itself: the same
// messages, at warn for what a server does wrong and at error for the gateway's own defects.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { EventBus } from "../../core/events.ts";
import { subscribeLogging } from "./log-events.ts";
import { createPinoLogger } from "./pino-logger.ts";

describe("supervision log lines", () => {
  it("writes each server problem with its message, the error and the failure count", () => {
    let text = "";
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const events = new EventBus();
    subscribeLogging(events, createPinoLogger({ level: "info", json: true, destination }));
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
    const lines = text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .map(({ level, msg, server, err, failures, inFlight }) => ({
        level,
        msg,
        server,
        err: (err as { message?: string } | undefined)?.message,
        failures,
        inFlight,
      }));
    const line = (level: number, msg: string, more: Record<string, unknown> = {}) => ({
      level,
      msg,
      server: "x",
      err: undefined,
      failures: undefined,
      inFlight: undefined,
      ...more,
    });
    assert.deepEqual(lines, [
      line(40, message, { err: "spawn ENOENT" }),
      line(40, "server x exited with code 3"),
      line(40, "health check failed", { err: "spawn ENOENT", failures: 1 }),
      line(50, "idle stop of server x failed", { err: "spawn ENOENT" }),
      line(40, "shutdown grace over; failing calls still in flight", { server: undefined, inFlight: 2 }),
    ]);
  });
});

// The log lines the services' events become: level, message and fields, as an operator reads (and alerts on)
// them. The services emit; only this subscription writes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRecordingLogger } from "../../../test/helpers/recording-logger.ts";
import { EventBus } from "../../core/events.ts";
import { subscribeLogging } from "./log-events.ts";

type Line = [level: string, fields: Record<string, unknown>, message: string];

/** A bus whose events the gateway's log subscription writes; `lines()` gives them as [level, fields, message]. */
function subscribed(debug = true) {
  const logger = createRecordingLogger({ debug });
  const events = new EventBus();
  subscribeLogging(events, logger);
  const lines = (): Line[] => logger.lines.map(({ level, fields, message }) => [level, fields, message]);
  return { events, lines };
}

const boom = new Error("boom");

describe("subscribeLogging", () => {
  test("audit losses are error lines with their counts; pruning and recovery are info", () => {
    const { events, lines } = subscribed();
    events.emit("audit-pruned", { removed: 3, olderThan: "2026-10-01T00:00:00.000Z" });
    events.emit("audit-prune-failed", { error: boom });
    events.emit("audit-dropped", { cause: "queue-full", dropped: 2, total: 5 });
    events.emit("audit-dropped", { cause: "unqueueable", error: boom, correlationId: "c-1", dropped: 6 });
    events.emit("audit-dropped", { cause: "shutdown", lost: 4, error: "PostgreSQL unavailable: x" });
    events.emit("audit-reduced", { correlationId: "c-2", server: "fs", tool: "read", reason: "why" });
    events.emit("audit-write-failed", { error: boom, pending: 7 });
    events.emit("audit-recovered", { written: 7 });
    assert.deepEqual(lines(), [
      ["info", { removed: 3, olderThan: "2026-10-01T00:00:00.000Z" }, "audit records past retention deleted"],
      ["warn", { err: boom }, "could not delete old audit records"],
      ["error", { dropped: 2, total: 5 }, "audit queue full: oldest records dropped"],
      ["error", { err: boom, correlationId: "c-1", dropped: 6 }, "audit record dropped: it could not be queued"],
      ["error", { lost: 4, err: "PostgreSQL unavailable: x" }, "audit records not written before shutdown"],
      ["error", { correlationId: "c-2", server: "fs", tool: "read", reason: "why" }, "audit record reduced"],
      ["error", { err: boom, pending: 7 }, "audit write failed; records kept and retried"],
      ["info", { written: 7 }, "audit store reachable again; queued records written"],
    ]);
  });

  test("catalog failures: an unexpected refresh failure is an error, reading or saving lists a warning", () => {
    const { events, lines } = subscribed();
    events.emit("catalog-failed", { server: "fs", step: "refresh", error: boom });
    events.emit("catalog-failed", { server: "fs", step: "fetch", error: boom });
    events.emit("catalog-failed", { server: "fs", step: "save", error: boom });
    assert.deepEqual(lines(), [
      ["error", { server: "fs", err: boom }, "refreshing the server's catalog failed"],
      ["warn", { server: "fs", err: boom }, "could not read the server's catalog"],
      ["warn", { server: "fs", err: boom }, "could not write the manifest to the registry"],
    ]);
  });

  test("semantic search: the first failure warns, repeats are debug (skipped when debug is off)", () => {
    const component = { component: "semantic-index", model: "m" };
    for (const debug of [true, false]) {
      const { events, lines } = subscribed(debug);
      events.emit("semantic-failed", {
        model: "m",
        what: "embedding 2 tool descriptions",
        error: boom,
        repeated: false,
      });
      events.emit("semantic-failed", { model: "m", what: "embedding a search query", error: boom, repeated: true });
      events.emit("semantic-recovered", { model: "m" });
      events.emit("semantic-store-failed", { model: "m", op: "read", error: boom });
      events.emit("semantic-store-failed", { model: "m", op: "write", error: boom });
      const repeat: Line[] = [["debug", { ...component, err: boom }, "embedding a search query failed again"]];
      assert.deepEqual(lines(), [
        [
          "warn",
          { ...component, err: boom },
          "embedding 2 tool descriptions failed; tool search stays lexical until it works",
        ],
        ...(debug ? repeat : []),
        ["info", component, "embedding works again; semantic ranking resumes"],
        ["warn", { ...component, err: boom }, "reading stored embeddings failed; embedding those tools again"],
        ["warn", { ...component, err: boom }, "storing embeddings failed; they are kept in memory only"],
      ]);
    }
  });
});

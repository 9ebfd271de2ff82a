// The event bus: a failing subscriber (throwing, or an async one rejecting) is reported and never reaches the
// emitter, the other subscribers, or the process as an unhandled rejection.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventBus, type EventName } from "./events.ts";

describe("EventBus", () => {
  it("reports a throwing and a rejecting subscriber, and still delivers to the others", async () => {
    const reported: { message: string; name: EventName }[] = [];
    const events = new EventBus({
      onListenerError: (error, name) => reported.push({ message: (error as Error).message, name }),
    });
    const seen: string[] = [];
    events.on("server-stopped", () => {
      throw new Error("sync subscriber failed");
    });
    // A void-typed listener may still be an async function: its rejection must be caught too.
    events.on("server-stopped", async () => {
      await Promise.resolve();
      throw new Error("async subscriber failed");
    });
    events.on("server-stopped", ({ server }) => void seen.push(server));
    events.emit("server-stopped", { server: "fx", reason: "idle" });
    assert.deepEqual(seen, ["fx"]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(reported, [
      { message: "sync subscriber failed", name: "server-stopped" },
      { message: "async subscriber failed", name: "server-stopped" },
    ]);
  });

  it("survives a reporter that throws", () => {
    const events = new EventBus({
      onListenerError: () => {
        throw new Error("the log destination is broken");
      },
    });
    events.on("server-stopped", () => {
      throw new Error("subscriber failed");
    });
    assert.doesNotThrow(() => events.emit("server-stopped", { server: "fx", reason: "idle" }));
  });
});

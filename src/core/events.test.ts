// Unit tests for the event bus: a throwing subscriber neither breaks the emitter nor fails unseen.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventBus, type EventName } from "./events.ts";

describe("EventBus", () => {
  it("reports a throwing subscriber and still calls the others", () => {
    const reported: [EventName, unknown][] = [];
    const bus = new EventBus((event, error) => reported.push([event, error]));
    const seen: string[] = [];
    const boom = new RangeError("Maximum call stack size exceeded");
    bus.on("catalog-changed", () => {
      throw boom;
    });
    bus.on("catalog-changed", ({ server }) => seen.push(server));
    bus.emit("catalog-changed", { server: "fx", kinds: ["tools"] });
    assert.deepEqual(seen, ["fx"]);
    assert.deepEqual(reported, [["catalog-changed", boom]]);
  });

  it("without a handler, or with one that throws, the emitter carries on", () => {
    const bus = new EventBus(() => {
      throw new Error("the report failed too");
    });
    bus.on("catalog-changed", () => {
      throw new Error("subscriber");
    });
    assert.doesNotThrow(() => bus.emit("catalog-changed", { server: "fx", kinds: [] }));
    const quiet = new EventBus();
    quiet.on("catalog-changed", () => {
      throw new Error("subscriber");
    });
    assert.doesNotThrow(() => quiet.emit("catalog-changed", { server: "fx", kinds: [] }));
  });
});

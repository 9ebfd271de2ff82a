import assert from "node:assert/strict";
import { test } from "node:test";
import { SwitchboardError } from "../../core/errors.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import { PrincipalInstances } from "./principal-instances.ts";
import type { ServerSupervisor } from "./server-supervisor.ts";

/** A stand-in for an instance: only what the pool reads (its calls in flight and state) and close(). */
function fakeInstance(principal: string) {
  const fake = { principal, callsInFlight: 0, currentState: "ready", closed: false };
  return Object.assign(fake, {
    close: async () => {
      fake.closed = true;
    },
    status: () => ({ status: fake.currentState, pid: 1, inFlight: fake.callsInFlight, lastActivity: null }),
  });
}

function pool(maxInstances: number) {
  const made: ReturnType<typeof fakeInstance>[] = [];
  const instances = new PrincipalInstances({ name: "s", maxInstances } as ServerSpec, (principal) => {
    const instance = fakeInstance(principal);
    made.push(instance);
    return instance as unknown as ServerSupervisor;
  });
  return { instances, made };
}

test("the least recently used idle instance makes room; busy ones are kept", () => {
  const { instances, made } = pool(2);
  instances.get("a");
  instances.get("b");
  instances.get("a"); // a is now the most recent
  const b = made[1] as ReturnType<typeof fakeInstance>;
  instances.get("c");
  assert.equal(b.closed, true);
  assert.deepEqual(
    instances.statuses().map((s) => s.principal),
    ["a", "c"],
  );
  (made[0] as ReturnType<typeof fakeInstance>).callsInFlight = 1;
  instances.get("d"); // a is busy: c (idle) goes
  assert.deepEqual(
    instances.statuses().map((s) => s.principal),
    ["a", "d"],
  );
});

test("when every instance is busy, a new principal is refused as overloaded", () => {
  const { instances, made } = pool(1);
  instances.get("a");
  (made[0] as ReturnType<typeof fakeInstance>).currentState = "starting";
  assert.throws(
    () => instances.get("b"),
    (error: unknown) =>
      error instanceof SwitchboardError && error.code === "overloaded" && /maximum of 1/.test(error.message),
  );
  // The principal that has an instance still gets it.
  assert.equal(instances.get("a"), made[0]);
});

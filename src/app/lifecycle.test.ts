// The lifecycle: start steps in order, closers in reverse order of registration (each awaited), one close however
// often it is called, and the phases around both.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Lifecycle } from "./lifecycle.ts";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test("close() runs the closers last registered first, each finished before the next", async () => {
  const life = new Lifecycle();
  const order: string[] = [];
  for (const name of ["state", "audit", "supervisor"]) {
    life.onClose(async () => {
      order.push(`${name} begins`);
      await tick();
      order.push(`${name} ends`);
    });
  }
  await life.close();
  assert.deepEqual(order, [
    "supervisor begins",
    "supervisor ends",
    "audit begins",
    "audit ends",
    "state begins",
    "state ends",
  ]);
});

test("close() is one run however often it is called", async () => {
  const life = new Lifecycle();
  let closes = 0;
  life.onClose(() => closes++);
  const first = life.close();
  assert.equal(life.close(), first);
  await first;
  await life.close();
  assert.equal(closes, 1);
});

test("start() runs its steps in order, each awaited, from created through starting to serving", async () => {
  const life = new Lifecycle();
  const seen: string[] = [];
  assert.equal(life.phase(), "created");
  await life.start([
    async () => {
      seen.push(`one ${life.phase()}`);
      await tick();
      seen.push("one done");
    },
    () => seen.push(`two ${life.phase()}`),
  ]);
  assert.deepEqual(seen, ["one starting", "one done", "two starting"]);
  assert.equal(life.phase(), "serving");
});

test("draining while the closers run, closed after; a close during start keeps it draining", async () => {
  const life = new Lifecycle();
  const phases: string[] = [];
  life.onClose(() => phases.push(life.phase()));
  let release = () => {};
  const starting = life.start([() => new Promise<void>((resolve) => (release = resolve))]);
  const closing = life.close();
  release();
  await Promise.all([starting, closing]);
  assert.deepEqual(phases, ["draining"]);
  assert.equal(life.phase(), "closed");
});

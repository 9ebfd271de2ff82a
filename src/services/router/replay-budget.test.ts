// The replica-wide replay budget: oldest events evicted first across owners, released events stop counting, and
// the bookkeeping queue does not grow with events that were already released.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BudgetedEvent, ReplayBudget, type ReplayOwner } from "./replay-budget.ts";

function owner(name: string, log: string[]): ReplayOwner {
  return { evicted: (event) => log.push(`${name}:${(event as BudgetedEvent & { id: number }).id}`) };
}

const event = (id: number, bytes: number) => ({ id, bytes, released: false });

describe("ReplayBudget", () => {
  it("evicts the oldest events first, whichever owner recorded them, until the total fits", () => {
    const log: string[] = [];
    const budget = new ReplayBudget(100);
    const a = owner("a", log);
    const b = owner("b", log);
    budget.add(a, event(1, 40));
    budget.add(b, event(2, 40));
    budget.add(a, event(3, 40));
    assert.deepEqual(log, ["a:1"]);
    assert.equal(budget.bytes, 80);
    budget.add(b, event(4, 70));
    assert.deepEqual(log, ["a:1", "b:2", "a:3"]);
    assert.equal(budget.bytes, 70);
    assert.equal(budget.evicted, 3);
  });

  it("does not count or evict events their owner released", () => {
    const log: string[] = [];
    const budget = new ReplayBudget(100);
    const a = owner("a", log);
    const first = event(1, 60);
    budget.add(a, first);
    budget.release(first);
    budget.release(first);
    assert.equal(budget.bytes, 0);
    budget.add(a, event(2, 60));
    budget.add(a, event(3, 30));
    assert.deepEqual(log, [], "the released event made room, nothing was evicted");
    assert.equal(budget.evicted, 0);
  });

  it("with a budget of 0 keeps nothing", () => {
    const log: string[] = [];
    const budget = new ReplayBudget(0);
    budget.add(owner("a", log), event(1, 10));
    assert.deepEqual(log, ["a:1"]);
    assert.equal(budget.bytes, 0);
  });

  it("stays bounded while streams record and release events forever under the cap", () => {
    const budget = new ReplayBudget(1_000_000);
    const a = owner("a", []);
    for (let i = 0; i < 100_000; i++) {
      const recorded = event(i, 10);
      budget.add(a, recorded);
      budget.release(recorded);
    }
    const queued = (budget as unknown as { queue: unknown[]; head: number }).queue.length;
    assert.ok(queued < 5_000, `released events do not pile up in the queue: ${queued}`);
    assert.equal(budget.bytes, 0);
  });
});

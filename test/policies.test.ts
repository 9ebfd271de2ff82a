// Resilience policies against real child processes: a crash-looping server's circuit breaker (open, fail fast,
// one half-open probe, close on recovery), a hanging server's timeout and hard maximum (with the cancellation
// the server receives), one hard maximum per client call across retries and queueing, a saturated bulkhead that
// leaves other servers alone, and (on the policy objects themselves, with attempts the test settles) the breaker's
// half-open decision and queued calls that give up.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { normalizeConfig } from "../src/config/load.ts";
import { callDeadline } from "../src/core/deadline.ts";
import { SwitchboardError } from "../src/core/errors.ts";
import { EventBus, type GatewayEvents } from "../src/core/events.ts";
import { Circuit } from "../src/services/policies/circuit.ts";
import { ServerPolicy } from "../src/services/policies/server-policy.ts";
import { FakeClock } from "./helpers/fake-clock.ts";
import {
  callTool,
  fixtureServer,
  post,
  request,
  resultText,
  startTestGateway,
  tempDir,
  waitUntil,
} from "./helpers/gateway.ts";
import { parseExposition, value } from "./helpers/prom-text.ts";

/** Server `bad`'s breaker as /health (its entry and the gateway's worst) and /metrics (the `open` series) show it. */
async function circuitSeen(url: string) {
  const health = (await (await fetch(`${url}/health`)).json()) as {
    metrics: { circuit_breaker_state: string };
    upstreams: Record<string, { circuit_breaker_state: string }>;
  };
  const families = parseExposition(await (await fetch(`${url}/metrics`)).text());
  return {
    health: health.upstreams.bad?.circuit_breaker_state,
    gateway: health.metrics.circuit_breaker_state,
    metric: value(families, "switchboard_circuit_state", { server: "bad", state: "open" }),
  };
}

describe("circuit breaker", () => {
  it("opens after the configured failures of a crash-looping server, fails fast, probes once, closes on recovery", async () => {
    const dir = tempDir("switchboard-breaker-");
    const marker = join(dir, "crash-marker");
    const t = await startTestGateway({
      bad: fixtureServer(
        { FIXTURE_CRASH_WHILE_FILE: marker },
        {
          timeoutMs: 20_000,
          maxRetries: 0,
          restart: { initialDelayMs: 10, maxDelayMs: 50, maxRestarts: 20 },
          circuitBreaker: { consecutiveFailures: 3, cooldownMs: 1_500 },
        },
      ),
    });
    const transitions: string[] = [];
    let startFailures = 0;
    const rejected: GatewayEvents["call-rejected"][] = [];
    const serverStates: string[] = [];
    t.gateway.events.on("circuit-state", (e) => transitions.push(`${e.from}>${e.to}`));
    t.gateway.events.on("server-start-failed", () => startFailures++);
    t.gateway.events.on("server-state", (e) => serverStates.push(`${e.from}>${e.to}`));
    t.gateway.events.on("call-rejected", (e) => rejected.push(e));
    const kind = async () => (await callTool(t.url, "bad__echo", { message: "hi" })).body.error?.data?.kind;
    try {
      assert.equal(resultText(await callTool(t.url, "bad__echo", { message: "up" })), "up");
      writeFileSync(marker, "");
      const crashed = (await callTool(t.url, "bad__crash")).body.error.data;
      assert.equal(crashed.kind, "upstream_closed");
      assert.equal(crashed.mayHaveRun, true, "a tool call in flight when the server exited may have run");
      assert.equal(await kind(), "upstream_unavailable");
      assert.deepEqual(transitions, [], "two failures do not open the breaker");
      assert.equal(await kind(), "upstream_unavailable");
      assert.deepEqual(transitions, ["closed>open"]);
      assert.equal(t.gateway.policies.state("bad").state, "open");

      // Open: calls fail fast, refused before any start is attempted (the server's state never moves).
      const before = startFailures;
      // The failed start's restart backoff (at most 50 ms) ends on its own first: no later move is the server's.
      await waitUntil(() => t.gateway.supervisor.get("bad").currentState === "asleep", 5_000, 5);
      const statesBefore = serverStates.length;
      for (let i = 0; i < 3; i++) {
        const reply = await callTool(t.url, "bad__echo");
        assert.equal(reply.body.error.data.kind, "circuit_open");
        assert.equal(reply.body.error.data.retryable, true);
        assert.equal(reply.body.error.data.server, "bad");
        assert.ok(reply.body.error.data.retryAfterMs > 0 && reply.body.error.data.retryAfterMs <= 1_500);
      }
      assert.equal(startFailures, before);
      assert.deepEqual(serverStates.slice(statesBefore), [], "no start was attempted while open");
      assert.equal(rejected.filter((e) => e.kind === "circuit_open" && e.server === "bad").length, 3);
      const listed = (await (await fetch(`${t.url}/servers`)).json()) as { name: string; circuit: { state: string } }[];
      assert.equal(listed.find((s) => s.name === "bad")?.circuit.state, "open");
      // The real breaker's state reaches /health and /metrics too.
      assert.deepEqual(await circuitSeen(t.url), { health: "open", gateway: "open", metric: 1 });
      const families = parseExposition(await (await fetch(`${t.url}/metrics`)).text());
      const where = { server: "bad", kind: "circuit_open", scope: "" };
      assert.equal(value(families, "switchboard_calls_rejected_total", where), 3, "the fast failures are counted");
      assert.equal(value(families, "switchboard_circuit_opened_total", { server: "bad" }), 1);

      // After the cooldown exactly one probe goes through; a call during the probe still fails fast.
      await waitUntil(() => t.gateway.policies.state("bad").retryAfterMs === 0, 5_000);
      const probe = callTool(t.url, "bad__echo");
      await waitUntil(() => t.gateway.policies.state("bad").state === "half-open", 2_000, 5);
      assert.equal(await kind(), "circuit_open", "only one probe while half-open");
      assert.equal((await probe).body.error.data.kind, "upstream_unavailable");
      assert.equal(startFailures, before + 1, "the probe was one start attempt");
      assert.deepEqual(transitions, ["closed>open", "open>half-open", "half-open>open"]);

      // The server recovers: the next probe succeeds and closes the breaker.
      rmSync(marker);
      await waitUntil(() => t.gateway.policies.state("bad").retryAfterMs === 0, 5_000);
      assert.equal(resultText(await callTool(t.url, "bad__echo", { message: "back" })), "back");
      assert.deepEqual(transitions.slice(-2), ["open>half-open", "half-open>closed"]);
      assert.equal(resultText(await callTool(t.url, "bad__echo", { message: "again" })), "again");
      assert.equal(t.gateway.policies.state("bad").state, "closed");
      assert.deepEqual(await circuitSeen(t.url), { health: "closed", gateway: "closed", metric: 0 });
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a tool's isError result and a server's JSON-RPC error never open the breaker", async () => {
    const t = await startTestGateway({
      fx: fixtureServer({}, { circuitBreaker: { consecutiveFailures: 2, cooldownMs: 60_000 } }),
    });
    try {
      for (let i = 0; i < 4; i++) {
        assert.equal((await callTool(t.url, "fx__fail")).body.result.isError, true);
        const unknown = await post(`${t.url}/mcp/fx`, request("tools/call", { name: "nope", arguments: {} }));
        assert.equal(unknown.body.error.code, -32602);
      }
      assert.equal(t.gateway.policies.state("fx").state, "closed");
    } finally {
      await t.close();
    }
  });
});

describe("timeouts", () => {
  it("a hanging call ends at its timeout with `timeout`; the server receives notifications/cancelled", async () => {
    const t = await startTestGateway({ fx: fixtureServer({}, { timeoutMs: 400, maxCallMs: 1_500 }) });
    const timedOut: GatewayEvents["call-timed-out"][] = [];
    t.gateway.events.on("call-timed-out", (e) => timedOut.push(e));
    try {
      assert.equal(resultText(await callTool(t.url, "fx__echo", { message: "warm" })), "warm");
      // The call timeout (not the 1,500 ms hard maximum) ended it: when it fires is checked on a fake clock in
      // src/services/upstream/peer-deadlines.test.ts.
      const reply = await callTool(t.url, "fx__hang");
      assert.equal(reply.body.error.data.kind, "timeout");
      assert.equal(reply.body.error.data.hard, false);
      assert.equal(reply.body.error.data.timeoutMs, 400);
      assert.equal(reply.body.error.data.mayHaveRun, true);
      assert.deepEqual(timedOut, [{ server: "fx", method: "tools/call", timeoutMs: 400, hard: false }]);
      const cancelled = JSON.parse(resultText(await callTool(t.url, "fx__cancellations")));
      assert.equal(cancelled.length, 1, "the server was told to stop");
    } finally {
      await t.close();
    }
  });

  it("progress restarts the call timeout, but the hard maximum fires while progress keeps arriving", async () => {
    const t = await startTestGateway({ fx: fixtureServer({}, { timeoutMs: 400, maxCallMs: 1_500 }) });
    const timedOut: GatewayEvents["call-timed-out"][] = [];
    t.gateway.events.on("call-timed-out", (e) => timedOut.push(e));
    try {
      const reply = await post(
        `${t.url}/mcp`,
        request("tools/call", {
          name: "fx__progress",
          arguments: { steps: 100, delayMs: 100 },
          _meta: { progressToken: "p-1" },
        }),
      );
      const messages = reply.messages as { method?: string; error?: { data: Record<string, unknown> } }[];
      const progress = messages.filter((m) => m.method === "notifications/progress");
      const final = messages.at(-1);
      assert.equal(final?.error?.data.kind, "timeout");
      assert.equal(final?.error?.data.hard, true);
      assert.equal(final?.error?.data.timeoutMs, 1_500);
      // Only the hard maximum fired: the 400 ms call timeout never did, though the call ran to 1,500 ms.
      assert.deepEqual(timedOut, [{ server: "fx", method: "tools/call", timeoutMs: 1_500, hard: true }]);
      // No 400 ms of silence in 1,500 ms takes at least three progress notifications, all relayed to the caller.
      assert.ok(progress.length >= 3, `progress kept the call alive past its 400 ms timeout (${progress.length})`);
      assert.ok(
        progress.every((m) => (m as { params?: { progressToken?: unknown } }).params?.progressToken === "p-1"),
        "under the caller's own token",
      );
      const cancelled = JSON.parse(resultText(await callTool(t.url, "fx__cancellations")));
      assert.equal(cancelled.length, 1);
    } finally {
      await t.close();
    }
  });
});

describe("bulkhead", () => {
  it("a slow server saturating its bulkhead does not slow other servers; overflow gets `overloaded` at once", async () => {
    const t = await startTestGateway({
      slow: fixtureServer({}, { bulkhead: { maxConcurrent: 2, maxQueued: 1 } }),
      other: fixtureServer(),
    });
    const rejected: GatewayEvents["call-rejected"][] = [];
    t.gateway.events.on("call-rejected", (e) => rejected.push(e));
    try {
      assert.equal(resultText(await callTool(t.url, "slow__echo", { message: "a" })), "a");
      assert.equal(resultText(await callTool(t.url, "other__echo", { message: "b" })), "b");
      let slowFinished = 0;
      const slowCalls = Promise.all(
        [1, 2, 3].map(() =>
          callTool(t.url, "slow__sleep", { ms: 3_000 }).finally(() => {
            slowFinished++;
          }),
        ),
      );
      await waitUntil(() => t.gateway.policies.view("slow")?.bulkhead?.queued === 1, 5_000, 5);
      assert.equal(t.gateway.policies.view("slow")?.bulkhead?.inFlight, 2);

      const overflow = await callTool(t.url, "slow__echo", { message: "more" });
      assert.equal(overflow.body.error.data.kind, "overloaded");
      assert.equal(overflow.body.error.data.retryable, true);
      // At once: refused while the bulkhead was still full, without waiting for a slot.
      assert.equal(slowFinished, 0, "the overflow was refused before any slow call finished");
      assert.deepEqual(
        {
          inFlight: t.gateway.policies.view("slow")?.bulkhead?.inFlight,
          queued: t.gateway.policies.view("slow")?.bulkhead?.queued,
        },
        { inFlight: 2, queued: 1 },
      );
      assert.deepEqual(rejected, [{ server: "slow", method: "tools/call", kind: "overloaded" }]);

      const others = await Promise.all(
        Array.from({ length: 5 }, (_, i) => callTool(t.url, "other__echo", { message: `o${i}` })),
      );
      assert.deepEqual(
        others.map((r) => resultText(r)),
        ["o0", "o1", "o2", "o3", "o4"],
      );
      assert.equal(slowFinished, 0, "the other server answered while the slow one was still busy");
      for (const reply of await slowCalls) assert.equal(resultText(reply), "slept 3000");
    } finally {
      await t.close();
    }
  });
});

describe("retries", () => {
  it("start failures are retried with backoff until the breaker opens; the call reports the real failure", async () => {
    const t = await startTestGateway({
      bad: fixtureServer(
        { FIXTURE_CRASH_ON_START: "1" },
        {
          maxRetries: 3,
          restart: { initialDelayMs: 10, maxDelayMs: 20, maxRestarts: 20 },
          circuitBreaker: { consecutiveFailures: 2, cooldownMs: 60_000 },
          // Nothing of this server can be held for review, so a call on its endpoint goes to the policies at once
          // instead of first waiting for the server's lists (which a server that never starts never gives).
          pinning: "off",
          screening: { definitions: false },
        },
      ),
      held: fixtureServer({ FIXTURE_CRASH_ON_START: "1" }, { maxRetries: 3 }),
    });
    const retried: GatewayEvents["call-retried"][] = [];
    let startFailures = 0;
    t.gateway.events.on("call-retried", (e) => retried.push(e));
    t.gateway.events.on("server-start-failed", () => startFailures++);
    try {
      const reply = await post(`${t.url}/mcp/bad`, request("tools/call", { name: "echo", arguments: {} }));
      assert.equal(reply.body.error.data.kind, "upstream_unavailable", reply.text);
      assert.match(reply.body.error.message, /exited with code 3/);
      assert.equal(startFailures, 2, "the open breaker ended the retries");
      assert.deepEqual(retried.slice(0, 1), [
        { server: "bad", method: "tools/call", attempt: 1, reason: "upstream_unavailable" },
      ]);
      assert.equal(t.gateway.policies.state("bad").state, "open");
      // With the integrity gate on (the default), the first call waits for the server's lists to be reviewed:
      // a server that cannot start fails that call with its real reason.
      const first = await post(`${t.url}/mcp/held`, request("tools/call", { name: "echo", arguments: {} }));
      assert.match(first.body.error.message, /exited with code 3/, first.text);
    } finally {
      await t.close();
    }
  });

  it("a tool marked idempotent in the config is retried after a timeout on a trusted server, not on others", async () => {
    const settings = { timeoutMs: 300, maxRetries: 1, tools: { hang: { idempotent: true } } };
    const t = await startTestGateway({
      trusted: fixtureServer({}, { ...settings, trusted: true }),
      plain: fixtureServer({}, settings),
    });
    const retried: string[] = [];
    t.gateway.events.on("call-retried", (e) => retried.push(`${e.server}:${e.reason}`));
    try {
      for (const server of ["trusted", "plain"]) {
        assert.equal((await callTool(t.url, `${server}__hang`)).body.error.data.kind, "timeout");
        const cancelled = JSON.parse(resultText(await callTool(t.url, `${server}__cancellations`)));
        assert.equal(cancelled.length, server === "trusted" ? 2 : 1, `${server}: attempts that reached it`);
      }
      assert.deepEqual(retried, ["trusted:timeout"]);
    } finally {
      await t.close();
    }
  });

  it("the hard maximum is one deadline for the whole client call: retries get what is left, none follows it", async () => {
    const t = await startTestGateway({
      fx: fixtureServer(
        {},
        {
          trusted: true,
          timeoutMs: 400,
          maxCallMs: 600,
          maxRetries: 3,
          retry: { initialDelayMs: 10, maxDelayMs: 50 },
          tools: { hang: { idempotent: true }, progress: { idempotent: true } },
        },
      ),
    });
    const retried: string[] = [];
    t.gateway.events.on("call-retried", (e) => retried.push(e.reason));
    const cancellations = async () => JSON.parse(resultText(await callTool(t.url, "fx__cancellations"))).length;
    try {
      assert.equal(resultText(await callTool(t.url, "fx__echo", { message: "warm" })), "warm");
      // Silent: the first attempt times out at 400 ms, the retry gets the 200 ms left of the call's 600.
      const hung = (await callTool(t.url, "fx__hang")).body.error.data;
      assert.equal(hung.kind, "timeout");
      assert.equal(hung.hard, true, "the retry ran into the call's hard maximum");
      assert.equal(hung.timeoutMs, 600);
      assert.deepEqual(retried, ["timeout"]);
      assert.equal(await cancellations(), 2, "two attempts reached the server");

      // Progress keeps each attempt alive: the hard maximum ends the call, and it is not retried.
      const reply = await post(
        `${t.url}/mcp`,
        request("tools/call", {
          name: "fx__progress",
          arguments: { steps: 100, delayMs: 100 },
          _meta: { progressToken: "p-1" },
        }),
      );
      const final = (reply.body as { error?: { data: Record<string, unknown> } }).error?.data;
      assert.equal(final?.kind, "timeout");
      assert.equal(final?.hard, true);
      assert.equal(final?.mayHaveRun, true);
      assert.deepEqual(retried, ["timeout"], "no retry after the hard maximum");
      assert.equal(await cancellations(), 3);
    } finally {
      await t.close();
    }
  });
});

/** A promise the test settles by hand. */
function deferred<T = string>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Reads what a promise settled with so far ("still queued" until it settles), without awaiting it. */
function watch(promise: Promise<unknown>): () => unknown {
  let outcome: unknown = "still queued";
  promise.then(
    (value) => (outcome = value),
    (error: unknown) => (outcome = error),
  );
  return () => outcome;
}

const failure = (code: "upstream_closed" | "upstream_unavailable" | "cancelled") => new SwitchboardError(code, code);

describe("circuit breaker: the half-open decision", () => {
  const spec = { enabled: true, consecutiveFailures: 2, failureRate: 0.5, windowMs: 30_000, minCalls: 20 };

  it("calls from before the breaker opened cannot reopen it or discard the probe's result", async () => {
    const clock = new FakeClock();
    const transitions: string[] = [];
    const onChange = (from: string, to: string) => transitions.push(`${from}>${to}`);
    const circuit = new Circuit("s", { ...spec, cooldownMs: 50 }, onChange, clock);
    const [late1, late2] = [deferred(), deferred()];
    const old1 = circuit.execute(() => late1.promise).catch((error: unknown) => error);
    const old2 = circuit.execute(() => late2.promise).catch((error: unknown) => error);
    for (let i = 0; i < 2; i++)
      await assert.rejects(circuit.execute(() => Promise.reject(failure("upstream_unavailable"))));
    assert.equal(circuit.state, "open");
    await clock.advance(50);
    const probe = deferred();
    const probing = circuit.execute(() => probe.promise);
    assert.equal(circuit.state, "half-open");
    late1.reject(failure("upstream_closed"));
    late2.reject(failure("cancelled"));
    await Promise.all([old1, old2]);
    assert.equal(circuit.state, "half-open", "only the probe decides");
    probe.resolve("fine");
    assert.equal(await probing, "fine");
    assert.equal(circuit.state, "closed");
    assert.deepEqual(transitions, ["closed>open", "open>half-open", "half-open>closed"]);
  });

  it("a cancelled probe neither closes nor reopens it: the next call probes at once", async () => {
    const clock = new FakeClock();
    const circuit = new Circuit("s", { ...spec, cooldownMs: 300 }, () => {}, clock);
    for (let i = 0; i < 2; i++) await assert.rejects(circuit.execute(() => Promise.reject(failure("upstream_closed"))));
    await clock.advance(300);
    await assert.rejects(
      circuit.execute(() => Promise.reject(failure("cancelled"))),
      (e: SwitchboardError) => e.code === "cancelled",
    );
    assert.deepEqual(circuit.view().state, "open");
    assert.equal(circuit.view().retryAfterMs, 0, "no new cooldown");
    assert.equal(await circuit.execute(async () => "probed"), "probed");
    assert.equal(circuit.state, "closed");
    // A client's cancellation is no failure while closed either.
    for (let i = 0; i < 3; i++) await assert.rejects(circuit.execute(() => Promise.reject(failure("cancelled"))));
    assert.equal(circuit.state, "closed");
  });
});

describe("bulkhead: calls that give up while queued", () => {
  const clock = new FakeClock();
  const policyFor = (bulkhead: Record<string, number>, extra: Record<string, unknown> = {}) => {
    const config = normalizeConfig(
      { servers: { s: { command: "node", maxRetries: 0, bulkhead, ...extra } } },
      undefined,
      {
        env: {},
      },
    );
    return new ServerPolicy(config.servers[0] as (typeof config.servers)[number], new EventBus(), clock);
  };
  /** A call's deadline: its hard maximum from now, and its client's cancellation. */
  const within = (maxCallMs: number, client = new AbortController()) => callDeadline(clock, maxCallMs, client.signal);

  it("a cancelled queued call leaves the queue at once and frees its place", async () => {
    const policy = policyFor({ maxConcurrent: 1, maxQueued: 1 });
    const busy = deferred();
    const first = policy.run("tools/call", "undelivered", within(60_000), () => busy.promise);
    const client = new AbortController();
    const queued = policy.run("tools/call", "undelivered", within(60_000, client), async () => "ran");
    assert.deepEqual(policy.view().bulkhead, { maxConcurrent: 1, maxQueued: 1, inFlight: 1, queued: 1 });
    const outcome = watch(queued);
    client.abort();
    await clock.advance(0);
    assert.equal((outcome() as SwitchboardError).code, "cancelled", String(outcome()));
    assert.deepEqual(policy.view().bulkhead, { maxConcurrent: 1, maxQueued: 1, inFlight: 1, queued: 0 });
    // Its place is free: a live client queues instead of getting `overloaded`.
    const third = policy.run("tools/call", "undelivered", within(60_000), async () => "third");
    busy.resolve("first");
    assert.deepEqual(await Promise.all([first, third]), ["first", "third"]);
    assert.deepEqual(policy.view().bulkhead, { maxConcurrent: 1, maxQueued: 1, inFlight: 0, queued: 0 });
  });

  it("time queued counts toward the hard maximum: a call whose deadline passes in the queue ends with `timeout`", async () => {
    const policy = policyFor({ maxConcurrent: 1, maxQueued: 1 }, { maxCallMs: 100 });
    const busy = deferred();
    const first = policy.run("tools/call", "undelivered", within(60_000), () => busy.promise);
    let ran = false;
    const queued = policy.run("tools/call", "undelivered", within(100), async () => {
      ran = true;
      return "ran";
    });
    const seen = watch(queued);
    await clock.advance(99);
    assert.equal(seen(), "still queued", "within its hard maximum");
    await clock.advance(1);
    const outcome = seen() as SwitchboardError;
    assert.equal(outcome.code, "timeout", String(outcome));
    assert.equal(outcome.data?.hard, true);
    assert.equal(outcome.data?.mayHaveRun, undefined, "it never reached the server");
    assert.equal(policy.view().bulkhead?.queued, 0);
    busy.resolve("first");
    assert.equal(await first, "first");
    assert.equal(ran, false);
  });
});

// Per-principal servers end to end: a real gateway with a real stdio server declaring a credential slot; each
// principal's calls run in its own process with its own value, never another's (ContextForge shipped the bug
// where user A's call ran with user B's token), a principal without a value gets credentials_required before
// anything is spawned, and notifications of one principal's instance reach only that principal's sessions.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createSecretBox } from "../src/adapters/secrets/secret-box.ts";
import { createMemorySecretStore } from "../src/adapters/storage/memory-secret-store.ts";
import { normalizeConfig } from "../src/config/load.ts";
import { SwitchboardError } from "../src/core/errors.ts";
import { EventBus, type GatewayEvents } from "../src/core/events.ts";
import type { Principal } from "../src/core/identity.ts";
import type { JsonRpcMessage } from "../src/core/jsonrpc.ts";
import type { Reply } from "../src/core/reply.ts";
import type { ServerSpec } from "../src/core/server-spec.ts";
import { Credentials } from "../src/services/identity/credentials.ts";
import type { DownstreamSession } from "../src/services/router/sessions.ts";
import { isRunning, startCli } from "./helpers/cli.ts";
import { startTestGateway, type TestGateway } from "./helpers/gateway.ts";

const ECHO = fileURLToPath(new URL("./fixtures/credential-echo-server.mjs", import.meta.url));
const CALLS = 1_000;
const CONCURRENCY = 50;

const principal = (name: string): Principal => ({ name, groups: [], scopes: [], via: "apiKey" });
const alice = principal("alice");
const bob = principal("bob");
const carol = principal("carol");

function echoServer(extra: Record<string, unknown> = {}) {
  return {
    command: process.execPath,
    args: [ECHO],
    // A shared value in the config must never reach a per-principal instance.
    env: { TOKEN: "shared-config-value" },
    credentials: { token: { env: "TOKEN", description: "the user's API token" } },
    ...extra,
  };
}

let nextId = 1;

/** One request on a session through the router, as a front would send it. */
async function ask(t: TestGateway, session: DownstreamSession, method: string, params: Record<string, unknown>) {
  const reply: Reply = await t.gateway.router.handle(
    { jsonrpc: "2.0", id: nextId++, method, params },
    { session, correlationId: `test-${nextId}`, controller: new AbortController(), send: () => false },
  );
  return reply;
}

async function whoami(t: TestGateway, session: DownstreamSession, server = "creds") {
  const reply = await ask(t, session, "tools/call", { name: `${server}__whoami`, arguments: {} });
  if (reply.kind === "failed") throw reply.error;
  assert.equal(reply.kind, "response");
  const text = (reply as unknown as { response: { result: { content: { text: string }[] } } }).response.result
    .content[0]?.text;
  return JSON.parse(String(text)) as { token: string | null; pid: number };
}

async function failure(promise: Promise<unknown>): Promise<SwitchboardError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SwitchboardError, String(error));
    return error;
  }
  assert.fail("expected the call to fail");
}

describe("per-principal servers", () => {
  let t: TestGateway;
  const tokens = { alice: `alice-${randomBytes(8).toString("hex")}`, bob: `bob-${randomBytes(8).toString("hex")}` };

  before(async () => {
    t = await startTestGateway(
      { creds: echoServer(), "creds-idle": echoServer({ idleTimeoutMs: 50, healthCheckIntervalMs: 0 }) },
      { gateway: { secrets: {} } },
    );
    for (const server of ["creds", "creds-idle"]) {
      await t.gateway.credentials.set({ server, principal: "alice", slot: "token" }, tokens.alice);
      await t.gateway.credentials.set({ server, principal: "bob", slot: "token" }, tokens.bob);
    }
  });
  after(() => t?.close());

  test(`${CALLS} interleaved concurrent calls of two principals: none runs with the other's credentials`, async () => {
    const sessions = {
      alice: t.gateway.sessions.create({ kind: "aggregate" }, { principal: alice }),
      bob: t.gateway.sessions.create({ kind: "aggregate" }, { principal: bob }),
    };
    const who = Array.from({ length: CALLS }, (_, i) => (i % 3 === 0 ? "bob" : "alice") as "alice" | "bob");
    let crossed = 0;
    let next = 0;
    const pids = { alice: new Set<number>(), bob: new Set<number>() };
    const worker = async () => {
      while (next < who.length) {
        const caller = who[next++] as "alice" | "bob";
        const answer = await whoami(t, sessions[caller]);
        if (answer.token !== tokens[caller]) crossed++;
        pids[caller].add(answer.pid);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.equal(crossed, 0, "calls that ran with another principal's credentials");
    assert.equal(pids.alice.size, 1);
    assert.equal(pids.bob.size, 1);
    assert.notEqual([...pids.alice][0], [...pids.bob][0], "each principal has its own process");
    const instances = t.gateway.supervisor.instances("creds") ?? [];
    assert.deepEqual(instances.map((i) => i.principal).sort(), ["alice", "bob"]);
    assert.ok(instances.every((i) => i.status === "ready" && typeof i.pid === "number"));
  });

  test("a principal without a value gets credentials_required, nothing is spawned, and a value set later is used", async () => {
    const session = t.gateway.sessions.create({ kind: "aggregate" }, { principal: carol });
    let started = 0;
    const off = t.gateway.events.on("server-started", () => started++);
    try {
      const error = await failure(whoami(t, session));
      assert.equal(error.code, "credentials_required");
      assert.deepEqual(error.data, { server: "creds", slots: ["token"] });
      assert.match(error.message, /switchboard credentials set creds token/);
      assert.equal(started, 0, "no process was started for carol");
      const carolsInstance = t.gateway.supervisor.instances("creds")?.find((i) => i.principal === "carol");
      assert.equal(carolsInstance?.pid ?? null, null);
      assert.equal(carolsInstance?.status, "asleep", "a missing value is no failure of the server (no backoff)");

      await t.gateway.credentials.set({ server: "creds", principal: "carol", slot: "token" }, "carol-token");
      const answer = await whoami(t, session);
      assert.equal(answer.token, "carol-token");
      assert.equal(started, 1);
    } finally {
      off.dispose();
    }
  });

  test("each instance stops on its own idle timer", async () => {
    const session = t.gateway.sessions.create({ kind: "aggregate" }, { principal: alice });
    const idleStop = new Promise<void>((resolve) => {
      const off = t.gateway.events.on("server-stopped", ({ server, reason }) => {
        if (server === "creds-idle" && reason === "idle") {
          off.dispose();
          resolve();
        }
      });
    });
    const answer = await whoami(t, session, "creds-idle");
    assert.equal(answer.token, tokens.alice);
    await idleStop;
    const mine = t.gateway.supervisor.existingInstance("creds-idle", "alice");
    assert.equal(mine?.currentState, "asleep");
    // The other server's instances keep running: idle timers are per instance.
    assert.equal(t.gateway.supervisor.existingInstance("creds", "alice")?.currentState, "ready");
  });

  test("a replaced value restarts the principal's instance with it; others keep running", async () => {
    const session = t.gateway.sessions.create({ kind: "aggregate" }, { principal: bob });
    const before = await whoami(t, session);
    const alicePid = t.gateway.supervisor.existingInstance("creds", "alice")?.status().pid;
    tokens.bob = `bob-rotated-${randomBytes(4).toString("hex")}`;
    await t.gateway.credentials.set({ server: "creds", principal: "bob", slot: "token" }, tokens.bob);
    const after = await whoami(t, session);
    assert.equal(after.token, tokens.bob);
    assert.notEqual(after.pid, before.pid);
    assert.equal(t.gateway.supervisor.existingInstance("creds", "alice")?.status().pid, alicePid);
  });

  test("a resource update from one principal's instance reaches only that principal's sessions", async () => {
    const received: Record<"alice" | "bob", JsonRpcMessage[]> = { alice: [], bob: [] };
    const sessions = {
      alice: t.gateway.sessions.create({ kind: "aggregate" }, { principal: alice }),
      bob: t.gateway.sessions.create({ kind: "aggregate" }, { principal: bob }),
    };
    for (const name of ["alice", "bob"] as const) {
      sessions[name].push = (message) => {
        received[name].push(message);
        return true;
      };
      const reply = await ask(t, sessions[name], "resources/subscribe", { uri: "token://mine" });
      assert.notEqual(reply.kind, "failed", String((reply as { error?: unknown }).error));
    }
    const touched = await ask(t, sessions.alice, "tools/call", { name: "creds__touch", arguments: {} });
    assert.equal(touched.kind, "response");
    // The update travels on alice's instance's stdout; a call on the same instance after it orders the wait.
    await whoami(t, sessions.alice);
    const updates = (name: "alice" | "bob") =>
      received[name].filter((m) => "method" in m && m.method === "notifications/resources/updated");
    assert.equal(updates("alice").length, 1);
    assert.equal(updates("bob").length, 0, "bob never hears of alice's instance");
  });

  test("the admin API stores, lists (keys only) and deletes values", async () => {
    const admin = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${t.url}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, text: await response.text() };
    };
    const secret = `dave-${randomBytes(8).toString("hex")}`;
    const put = await admin("PUT", "/credentials/creds/token", { value: secret, principal: "dave" });
    assert.equal(put.status, 200, put.text);
    assert.ok(!put.text.includes(secret));
    const listed = await admin("GET", "/credentials?server=creds");
    assert.equal(listed.status, 200);
    assert.ok(!listed.text.includes(secret), "listings never carry values");
    const keys = JSON.parse(listed.text).credentials as { principal: string }[];
    assert.ok(keys.some((k) => k.principal === "dave"));
    const dave = t.gateway.sessions.create({ kind: "aggregate" }, { principal: principal("dave") });
    assert.equal((await whoami(t, dave)).token, secret);

    const unknownSlot = await admin("PUT", "/credentials/creds/nope", { value: "x" });
    assert.equal(unknownSlot.status, 400);
    assert.match(JSON.parse(unknownSlot.text).message, /no credential slot "nope"/);
    const deleted = await admin("DELETE", "/credentials/creds/token?principal=dave");
    assert.equal(JSON.parse(deleted.text).deleted, true);
    const after = JSON.parse((await admin("GET", "/credentials?principal=dave")).text).credentials;
    assert.deepEqual(after, []);

    const status = JSON.parse((await admin("GET", "/servers/creds")).text);
    assert.ok(Array.isArray(status.instances));
    assert.ok(!JSON.stringify(status).includes(tokens.alice), "status never carries values");
  });

  test("the CLI sets (value from stdin), lists and deletes through the admin API", async () => {
    const run = async (args: string[], input?: string) => {
      const running = startCli(["credentials", ...args, "--url", t.url], { env: { SWITCHBOARD_TOKEN: undefined } });
      running.child.stdin?.end(input ?? "");
      const { code } = await running.exited;
      return { code, stdout: running.stdout(), stderr: running.stderr() };
    };
    const secret = `erin-${randomBytes(8).toString("hex")}`;
    const set = await run(["set", "creds", "token", "--principal", "erin"], `${secret}\n`);
    assert.equal(set.code, 0, set.stderr);
    assert.ok(!set.stdout.includes(secret));
    const erin = t.gateway.sessions.create({ kind: "aggregate" }, { principal: principal("erin") });
    assert.equal((await whoami(t, erin)).token, secret, "the trailing line break of the pipe is not part of the value");
    const listed = await run(["list", "creds", "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(JSON.parse(listed.stdout).some((k: { principal: string }) => k.principal === "erin"));
    assert.ok(!listed.stdout.includes(secret));
    const deleted = await run(["delete", "creds", "token", "--principal", "erin"]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /deleted creds token of erin/);
    const unknown = await run(["set", "creds", "nope"], "x");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no credential slot "nope"/);
  });

  test("shutdown stops every instance", async () => {
    const pids = ["creds", "creds-idle"].flatMap((server) =>
      (t.gateway.supervisor.instances(server) ?? []).flatMap((i) => (i.pid === null ? [] : [i.pid])),
    );
    assert.ok(pids.length >= 3, `instances running before shutdown: ${pids.length}`);
    await t.close();
    assert.deepEqual(
      pids.filter((pid) => isRunning(pid)),
      [],
      "no instance outlives the gateway",
    );
  });
});

describe("sealed credentials", () => {
  const spec = { name: "s", credentials: { token: { env: "TOKEN", format: "{value}", required: true } } };
  const setup = () => {
    const store = createMemorySecretStore();
    const events = new EventBus();
    const credentials = new Credentials({
      store,
      sealer: createSecretBox(randomBytes(32)),
      spec: (name) => (name === "s" ? (spec as unknown as ServerSpec) : undefined),
      events,
    });
    return { store, credentials, events };
  };

  test("a stored or deleted value is announced by its key alone; deleting nothing announces nothing", async () => {
    const { credentials, events } = setup();
    const seen: GatewayEvents["credential-changed"][] = [];
    events.on("credential-changed", (change) => seen.push(change));
    const key = { server: "s", principal: "alice", slot: "token" };
    await credentials.set(key, "alice-clear-value");
    assert.equal(await credentials.delete(key), true);
    assert.equal(await credentials.delete(key), false);
    assert.deepEqual(seen, [
      { ...key, revoked: false },
      { ...key, revoked: true },
    ]);
  });

  test("the store holds only sealed values, bound to their principal", async () => {
    const { store, credentials } = setup();
    await credentials.set({ server: "s", principal: "alice", slot: "token" }, "alice-clear-value");
    const sealed = await store.getSecret({ kind: "credential", server: "s", principal: "alice", name: "token" });
    assert.ok(sealed && !sealed.sealed.includes("alice-clear-value"));
    assert.ok(!Buffer.from(sealed.sealed, "base64url").toString("latin1").includes("alice-clear-value"));
    // Alice's sealed value copied into bob's row does not open as bob's.
    await store.putSecret({ ...sealed, principal: "bob" });
    const error = await failure(credentials.open({ server: "s", principal: "bob", slot: "token" }));
    assert.equal(error.code, "internal");
    assert.ok(!error.message.includes("alice-clear-value"));
  });

  test("values with line breaks, NULs or nothing are refused", async () => {
    const { credentials } = setup();
    for (const value of ["", "a\0b"]) {
      const error = await failure(credentials.set({ server: "s", principal: "a", slot: "token" }, value));
      assert.equal(error.code, "invalid_params");
    }
    const unknown = await failure(credentials.set({ server: "x", principal: "a", slot: "token" }, "v"));
    assert.equal(unknown.code, "server_not_found");
  });
});

describe("instance limits", () => {
  test("a new principal past maxInstances stops the least recently used idle instance", async () => {
    const t = await startTestGateway({ creds: echoServer({ maxInstances: 1 }) });
    try {
      for (const name of ["alice", "bob"]) {
        await t.gateway.credentials.set({ server: "creds", principal: name, slot: "token" }, `${name}-token`);
      }
      const a = t.gateway.sessions.create({ kind: "aggregate" }, { principal: alice });
      const b = t.gateway.sessions.create({ kind: "aggregate" }, { principal: bob });
      const first = await whoami(t, a);
      assert.equal(first.token, "alice-token");
      const second = await whoami(t, b);
      assert.equal(second.token, "bob-token");
      assert.deepEqual(
        t.gateway.supervisor.instances("creds")?.map((i) => i.principal),
        ["bob"],
        "alice's idle instance made room",
      );
      // Alice comes back: bob's instance makes room in turn, and alice gets a fresh process with her own value.
      const again = await whoami(t, a);
      assert.equal(again.token, "alice-token");
      assert.notEqual(again.pid, first.pid);
    } finally {
      await t.close();
    }
  });
});

describe("credential slots in the configuration", () => {
  const problems = (servers: Record<string, unknown>, gateway: Record<string, unknown> = {}) => {
    try {
      normalizeConfig({ gateway, servers }, "/tmp/switchboard.json", { env: {} });
    } catch (error) {
      assert.ok(error instanceof SwitchboardError && error.code === "config_invalid", String(error));
      return ((error.data?.problems ?? []) as { path: string; message: string }[]).map(
        (p) => `${p.path}: ${p.message}`,
      );
    }
    return [];
  };

  test("each slot has exactly one target, matching the transport, and no shared fallback", () => {
    const stdio = { command: "x" };
    const remote = { url: "https://example.com/mcp" };
    assert.match(
      problems({ s: { ...stdio, credentials: { t: { env: "A", header: "B" } } } }).join("\n"),
      /exactly one/,
    );
    assert.match(problems({ s: { ...stdio, credentials: { t: { header: "B" } } } }).join("\n"), /apply to remote/);
    assert.match(problems({ s: { ...remote, credentials: { t: { env: "A" } } } }).join("\n"), /apply to stdio/);
    assert.match(
      problems({ s: { ...stdio, credentials: { t: { env: "A" } } } }, { inheritEnv: ["A"] }).join("\n"),
      /no shared fallback|must not have a shared fallback/,
    );
    assert.match(
      problems({ s: { ...stdio, credentials: { t: { env: "A" } }, lifecycle: "eager" } }).join("\n"),
      /on-demand/,
    );
    assert.match(problems({ s: { ...stdio, maxInstances: 3 } }).join("\n"), /applies to servers with `credentials`/);
    const config = normalizeConfig(
      { servers: { s: { ...remote, credentials: { t: { header: "Authorization", format: "Bearer {value}" } } } } },
      "/tmp/switchboard.json",
      { env: {} },
    );
    assert.deepEqual(config.servers[0]?.credentials, {
      t: { header: "Authorization", format: "Bearer {value}", required: true },
    });
    assert.equal(config.servers[0]?.maxInstances, 64);
  });
});

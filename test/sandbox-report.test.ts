// What the admin API reports of isolation, over a real gateway and real fixture processes: the configured
// profile (`sandbox`) always, the confinement in effect only while a server runs, and /health's count of running
// stdio servers without isolation (reported, never a reason for a worse health status).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fixtureServer, REPO_ROOT, startTestGateway, type TestGateway } from "./helpers/gateway.ts";

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

describe("admin API: sandbox and confinement", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      boxed: fixtureServer(
        {},
        {
          sandbox: {
            backend: "bubblewrap",
            network: "none",
            onUnavailable: "warn",
            filesystem: { read: [REPO_ROOT] },
            limits: { memory: "256M" },
          },
        },
      ),
      plain: fixtureServer(),
      remote: { url: "http://127.0.0.1:9/mcp", enabled: false },
    });
  });
  after(async () => {
    await t.close();
  });

  it("GET /servers: the configured profile in short, and no confinement while asleep", async () => {
    const { status, body } = await getJson(`${t.url}/servers`);
    assert.equal(status, 200);
    const byName: Record<string, any> = Object.fromEntries((body as { name: string }[]).map((s) => [s.name, s]));
    assert.deepEqual(
      { status: byName.boxed.status, confinement: byName.boxed.confinement, sandbox: byName.boxed.sandbox },
      { status: "asleep", confinement: null, sandbox: { backend: "bubblewrap", network: "none" } },
    );
    assert.deepEqual(byName.plain.sandbox, { backend: "none", network: "host" });
    assert.equal(byName.plain.confinement, null);
    assert.deepEqual([byName.remote.sandbox, byName.remote.confinement], [null, null]);
    const one = await getJson(`${t.url}/servers/boxed`);
    assert.deepEqual(one.body.sandbox, { backend: "bubblewrap", network: "none" });
    assert.equal(one.body.confinement, null);
  });

  it("GET /health: a confinement per server and the unconfined count, which never degrades health", async () => {
    const asleep = await getJson(`${t.url}/health`);
    assert.equal(asleep.body.unconfined, 0);
    assert.equal(asleep.body.upstreams.boxed.confinement, null);
    const started = await getJson(`${t.url}/servers/plain/start`, { method: "POST" });
    assert.equal(started.status, 200);
    assert.equal(started.body.server.status, "ready");
    const confinement = started.body.server.confinement;
    assert.deepEqual([confinement.backend, confinement.network, confinement.filesystem], ["none", "host", "host"]);
    const running = await getJson(`${t.url}/health`);
    assert.equal(running.status, 200);
    assert.equal(running.body.status, "healthy");
    assert.equal(running.body.unconfined, 1);
    assert.deepEqual(running.body.upstreams.plain.confinement, { backend: "none", network: "host" });
    await getJson(`${t.url}/servers/plain/stop`, { method: "POST" });
    const stopped = await getJson(`${t.url}/servers/plain`);
    assert.equal(stopped.body.confinement, null, "the last confinement is not kept after a stop");
    assert.equal((await getJson(`${t.url}/health`)).body.unconfined, 0);
  });

  it("a running sandboxed server reports the confinement in effect: backend, network, limits, user", async () => {
    const started = await getJson(`${t.url}/servers/boxed/start`, { method: "POST" });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const confinement = started.body.server.confinement;
    // Under onUnavailable: warn a machine without bubblewrap reports the fallback instead, with its warning.
    if (confinement.backend === "none") {
      assert.match(confinement.warnings.join(" "), /UNCONFINED/);
      return;
    }
    assert.equal(confinement.backend, "bubblewrap");
    assert.equal(confinement.requested, "bubblewrap");
    assert.equal(confinement.network, "none");
    assert.equal(confinement.filesystem, "allow-list");
    assert.match(confinement.user, /nobody/);
    assert.deepEqual(confinement.limits.memoryBytes?.value, 256 * 1024 * 1024);
    const health = await getJson(`${t.url}/health`);
    assert.deepEqual(health.body.upstreams.boxed.confinement, { backend: "bubblewrap", network: "none" });
  });
});

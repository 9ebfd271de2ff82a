// A profile whose backend this machine lacks: `onUnavailable: fail` (the default) refuses to start the server
// with an error naming the backend and what to install; `warn` runs it unconfined and says so in its reported
// confinement and in the log. The backend is made missing for real: the gateway runs with a PATH without it.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ServeProcess, startServe, writeConfig } from "./helpers/cli-process.ts";
import { callTool, fixtureServer, REPO_ROOT, tempDir } from "./helpers/gateway.ts";

describe("a sandbox backend missing on this machine", () => {
  const dir = tempDir("switchboard-sandbox-missing-");
  let serve: ServeProcess;
  before(async () => {
    const emptyPath = join(dir, "empty-path");
    mkdirSync(emptyPath);
    const read = { read: [REPO_ROOT] };
    const config = writeConfig(dir, {
      strict: fixtureServer({}, { sandbox: { backend: "bubblewrap", filesystem: read } }),
      lenient: fixtureServer({}, { sandbox: { backend: "bubblewrap", onUnavailable: "warn", filesystem: read } }),
    });
    serve = await startServe(config, [], { env: { PATH: emptyPath } });
  });
  after(async () => {
    serve?.child.kill("SIGTERM");
    await serve?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("onUnavailable fail: the server does not start, and the error names the backend and its package", async () => {
    const reply = await callTool(serve.url, "strict__echo", { text: "x" });
    assert.equal(reply.body?.error?.data?.kind, "sandbox_unavailable", reply.text.slice(0, 400));
    assert.equal(reply.body.error.code, -31014);
    assert.match(reply.body.error.message, /sandbox \(bubblewrap\) cannot be enforced here/);
    assert.match(reply.body.error.message, /apt-get install bubblewrap/);
    const status = (await (await fetch(`${serve.url}/servers/strict`)).json()) as { status: string; pid?: number };
    assert.notEqual(status.status, "ready");
    assert.equal(status.pid ?? null, null, "no process was started");
  });

  it("onUnavailable warn: the server runs unconfined, and its confinement and the log say so", async () => {
    const reply = await callTool(serve.url, "lenient__echo", { text: "still served" });
    assert.equal(reply.body?.error, undefined, reply.text.slice(0, 400));
    const status = (await (await fetch(`${serve.url}/servers/lenient`)).json()) as {
      confinement: { backend: string; requested: string; warnings: string[] };
    };
    assert.equal(status.confinement.backend, "none");
    assert.equal(status.confinement.requested, "bubblewrap");
    assert.match(status.confinement.warnings.join(" "), /running UNCONFINED \(onUnavailable: warn\)/);
    assert.match(serve.stderr(), /sandbox bubblewrap unavailable, running UNCONFINED/);
  });
});

// `switchboard audit --server NAME` tells a typo from a quiet server: an unknown name is a usage error listing
// the servers, from the configuration (in-process) or from a running gateway (--url).
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { describeRun, killSpawned, runCli, startCli, writeConfig } from "./helpers/cli.ts";
import { fixtureServer, tempDir } from "./helpers/gateway.ts";

const dir = tempDir("switchboard-audit-server-");
const config = writeConfig(dir, {
  gateway: { port: 0, stateDir: join(dir, "state") },
  servers: { fx: fixtureServer() },
});
after(() => {
  killSpawned();
  rmSync(dir, { recursive: true, force: true });
});

describe("audit --server", () => {
  it("from the configuration: an unknown server is exit 2 naming the configured ones; a known one is fine", async () => {
    const unknown = await runCli(["audit", "--config", config, "--server", "nosuch"]);
    assert.equal(unknown.code, 2, describeRun(unknown));
    assert.match(unknown.stderr, /no server named "nosuch" is configured \(servers: fx\)/);
    assert.doesNotMatch(unknown.stdout, /no audit records/);
    const known = await runCli(["audit", "--config", config, "--server", "fx"]);
    assert.equal(known.code, 0, describeRun(known));
    assert.match(known.stdout, /no audit records/);
  });

  it("from a running gateway (--url): the same", async () => {
    const serve = startCli(["serve", "--config", config], { env: { USE_JSON_LOGS: "true", LOG_LEVEL: "info" } });
    try {
      const url = (await serve.waitForStderr(/listening on (http:\/\/[^\s"]+)/))[1] as string;
      const unknown = await runCli(["audit", "--url", url, "--server", "nosuch"]);
      assert.equal(unknown.code, 2, describeRun(unknown));
      assert.match(unknown.stderr, /no server named "nosuch" is configured \(servers: fx\)/);
      const known = await runCli(["audit", "--url", url, "--server", "fx"]);
      assert.equal(known.code, 0, describeRun(known));
    } finally {
      process.kill(serve.pid, "SIGTERM");
      await serve.exited;
    }
  });
});

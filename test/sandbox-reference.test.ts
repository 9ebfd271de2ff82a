// The official reference servers do their job inside every sandbox backend this machine has: each one is
// called through a real gateway with a profile that shows it only its own package, the workspace it writes and
// no network. A backend missing here is skipped with its reason, except under CI, where it fails.
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createPinoLogger } from "../src/adapters/observability/pino-logger.ts";
import { createSandbox } from "../src/adapters/sandbox/create-sandbox.ts";
import {
  callTool,
  referenceServers,
  resultText,
  startTestGateway,
  type TestGateway,
  tempDir,
} from "./helpers/gateway.ts";
import { ensureNodeImage } from "./helpers/node-image.ts";

/** Each variant: its backend, extra profile fields, and the backends it needs on this machine. */
const VARIANTS = [
  { name: "bubblewrap", backend: "bubblewrap", extra: {}, needs: ["bubblewrap"] },
  { name: "firejail", backend: "firejail", extra: {}, needs: ["firejail"] },
  { name: "landlock", backend: "landlock", extra: {}, needs: ["landlock"] },
  { name: "gvisor", backend: "gvisor", extra: {}, needs: ["gvisor"] },
  { name: "podman", backend: "podman", extra: {}, needs: ["podman"] },
  { name: "podman with gVisor's runtime", backend: "podman", extra: { runtime: "runsc" }, needs: ["podman", "gvisor"] },
] as const;
const available = await createSandbox({
  logger: createPinoLogger({ level: "silent", json: false }),
  cacheDir: tempDir("switchboard-reference-native-"),
}).probe();

// podman runs a local image built from this host's files (no registry pull).
if (available.podman === undefined) await ensureNodeImage();

for (const { name: variant, backend, extra, needs } of VARIANTS) {
  const missing = needs.find((need) => available[need] !== undefined);
  const reason = missing && `${missing} unavailable here: ${available[missing]}`;
  if (reason && process.env.CI) throw new Error(`${variant}: required under CI: ${reason}`);
  describe(`reference servers under ${variant}`, { skip: reason }, () => {
    let gw: TestGateway;
    const workspace = tempDir("switchboard-reference-workspace-");
    // gVisor and podman run the servers as uid 65534 on the host side too.
    chmodSync(workspace, 0o777);
    before(async () => {
      const servers = referenceServers(workspace);
      gw = await startTestGateway(servers, {
        gateway: {
          serverDefaults: {
            sandbox: {
              backend,
              network: "none",
              filesystem: { write: [workspace] },
              limits: { memory: "512M" },
              ...extra,
            },
          },
        },
      });
    });
    after(async () => {
      await gw?.close();
      rmSync(workspace, { recursive: true, force: true });
    });

    async function call(name: string, args: Record<string, unknown>): Promise<string> {
      const reply = await callTool(gw.url, name, args);
      assert.equal(reply.body?.error, undefined, `${name}: ${reply.text.slice(0, 300)}`);
      assert.notEqual(reply.body.result.isError, true, `${name}: ${reply.text.slice(0, 300)}`);
      return resultText(reply);
    }

    it("everything, memory, filesystem and sequential thinking answer, confined", async () => {
      assert.match(await call("everything__echo", { message: "confined" }), /confined/);
      await call("memory__create_entities", {
        entities: [{ name: "sandbox", entityType: "feature", observations: ["works"] }],
      });
      assert.match(await call("memory__read_graph", {}), /sandbox/);
      assert.ok(existsSync(join(workspace, "memory.jsonl")), "the memory file is written in the workspace");
      await call("filesystem__write_file", { path: join(workspace, "note.txt"), content: "inside" });
      assert.equal(readFileSync(join(workspace, "note.txt"), "utf8"), "inside");
      assert.match(await call("filesystem__read_text_file", { path: join(workspace, "note.txt") }), /inside/);
      const thought = await call("thinking__sequentialthinking", {
        thought: "one",
        thoughtNumber: 1,
        totalThoughts: 1,
        nextThoughtNeeded: false,
      });
      assert.match(thought, /thoughtNumber/);
      for (const name of ["everything", "memory", "filesystem", "thinking"]) {
        const confinement = gw.gateway.supervisor.get(name).status().confinement;
        assert.equal(confinement?.backend, backend, `${name}: ${JSON.stringify(confinement)}`);
        if ("runtime" in extra) assert.equal(confinement?.runtime, extra.runtime);
      }
    });
  });
}

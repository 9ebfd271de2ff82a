// The manifest cache is kept per server spec: a gateway restarted with the same command serves the cached tools
// without starting the server, one restarted with a changed command or arguments never serves the manifest of
// the old ones.
import assert from "node:assert/strict";
import { symlinkSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { CATALOG_SERVER } from "./helpers/catalog-upstreams.ts";
import { post, request, startTestGateway, tempDir } from "./helpers/gateway.ts";

let dir = "";
let catalog = "";
before(() => {
  dir = tempDir("switchboard-manifest-cache-");
  catalog = join(dir, "catalog.jsonl");
  writeFileSync(
    catalog,
    [
      { server: "one", name: "alpha", description: "Served by catalog server one" },
      { server: "two", name: "beta", description: "Served by catalog server two" },
    ]
      .map((row) => JSON.stringify(row))
      .join("\n"),
  );
});
after(() => rm(dir, { recursive: true, force: true }));

/** The tools the gateway lists when `cat` runs the catalog fixture, and whether it started the server for that. */
async function listWith(args: string[], command = process.execPath): Promise<{ tools: string[]; started: boolean }> {
  const t = await startTestGateway(
    { cat: { command, args: [CATALOG_SERVER, "--catalog", catalog, ...args] } },
    // A changed command is a new server identity, which the integrity gate would hold for review (tested in
    // test/integrity.test.ts); here only the cache is under test.
    { stateDir: join(dir, "state"), gateway: { serverDefaults: { onChange: "accept" } } },
  );
  try {
    const reply = await post(`${t.url}/mcp`, request("tools/list"));
    const tools = (reply.body.result.tools as { name: string }[])
      .map((tool) => tool.name)
      .filter((name) => name.startsWith("cat__"));
    return { tools, started: t.gateway.supervisor.get("cat").currentState !== "asleep" };
  } finally {
    await t.close();
  }
}

it("serves the cached manifest for the same spec, and never one cached for another", async () => {
  assert.deepEqual(await listWith(["--server", "one"]), { tools: ["cat__alpha"], started: true });
  // Same command and arguments: the cache answers, the server is not started.
  assert.deepEqual(await listWith(["--server", "one"]), { tools: ["cat__alpha"], started: false });
  // Changed arguments: the server is asked, whatever was cached.
  assert.deepEqual(await listWith(["--server", "two"]), { tools: ["cat__beta"], started: true });
  // A changed command (another path to the same interpreter): the server is asked again too.
  const node = join(dir, "node");
  symlinkSync(process.execPath, node);
  assert.deepEqual(await listWith(["--server", "two"], node), { tools: ["cat__beta"], started: true });
});

// What a stdio server's process gets from the gateway's environment: the allow-list (PATH, HOME, …), the
// variables named in gateway.inheritEnv and its own `env`, never the rest: not the gateway's DATABASE_URL,
// not a secret it happens to hold. Checked on a real `switchboard serve` with server-everything's get-env tool.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEFAULT_INHERITED_ENV } from "../src/adapters/upstream/child-env.ts";
import { startServe, writeConfig } from "./helpers/cli-process.ts";
import { callTool, post, request, resultText, tempDir } from "./helpers/gateway.ts";
import { admin, testDatabases } from "./helpers/postgres.ts";

const databases = testDatabases();
let databaseUrl = "";
before(async () => {
  databaseUrl = await databases.create("child_env");
});
after(() => databases.dropAll());

test("a stdio server gets the allow-list, inheritEnv and its own env; not the gateway's secrets", async (t) => {
  const config = writeConfig(
    tempDir(),
    {
      everything: {
        package: "@modelcontextprotocol/server-everything",
        args: ["stdio"],
        env: { SERVER_OWN_SETTING: "own" },
      },
    },
    // A complete first listing, so the server's tools are known before the call.
    { inheritEnv: ["SWITCHBOARD_TEST_SHARED"], discovery: { listWaitMs: 120_000 } },
  );
  const serve = await startServe(config, [], {
    env: {
      DATABASE_URL: databaseUrl,
      SWITCHBOARD_TEST_MADE_UP_SECRET: "sk-made-up-0123456789",
      SWITCHBOARD_TEST_SHARED: "shared with servers",
    },
  });
  t.after(async () => {
    if (serve.child.exitCode !== null || serve.child.signalCode !== null) return;
    serve.child.kill("SIGTERM");
    await serve.exited;
  });

  const listing = await post(`${serve.url}/mcp`, request("tools/list"));
  assert.ok(
    listing.body.result.tools.some((tool: { name: string }) => tool.name === "everything__get-env"),
    listing.text,
  );
  const reply = await callTool(serve.url, "everything__get-env");
  assert.ok(reply.body?.result, reply.text);
  const env = JSON.parse(resultText(reply)) as Record<string, string>;
  // The gateway itself did get its DATABASE_URL: its tables are in that database.
  const tables = await admin(
    "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'switchboard%'",
    databaseUrl,
  );
  assert.ok(tables.rowCount, "the gateway uses the database it was given");
  assert.equal(env.DATABASE_URL, undefined, "the gateway's database URL is not handed to servers");
  assert.equal(env.SWITCHBOARD_TEST_MADE_UP_SECRET, undefined, "nor is any variable outside the allow-list");
  assert.equal(env.PATH, process.env.PATH);
  assert.equal(env.SWITCHBOARD_TEST_SHARED, "shared with servers");
  assert.equal(env.SERVER_OWN_SETTING, "own");
  const allowed = new Set<string>([...DEFAULT_INHERITED_ENV, "SWITCHBOARD_TEST_SHARED", "SERVER_OWN_SETTING"]);
  assert.deepEqual(
    Object.keys(env).filter((name) => !allowed.has(name)),
    [],
    "nothing outside the allow-list, inheritEnv and the server's own env",
  );
});

// `switchboard keys` as a real child process, on the configuration's SQLite store and against a running
// gateway's admin API (/keys), and the admin routes themselves over real HTTP.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createSqliteIdentityStore } from "../src/adapters/storage/sqlite/sqlite-identity-store.ts";
import { systemClock } from "../src/ports/clock.ts";
import { createApiKeys } from "../src/services/identity/api-keys.ts";
import { describeRun, killSpawned, runCli, writeConfig } from "./helpers/cli.ts";
import { startTestGateway, type TestGateway, tempDir } from "./helpers/gateway.ts";

const KEY_LINE = /^sb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

after(() => killSpawned());

/** The last line of stdout, and what came before it. */
function lastLine(stdout: string): { last: string; before: string } {
  const lines = stdout.trimEnd().split("\n");
  return { last: lines.at(-1) as string, before: lines.slice(0, -1).join("\n") };
}

describe("switchboard keys on the configured store", () => {
  const dir = tempDir("switchboard-keys-cli-");
  const config = writeConfig(dir, { gateway: { stateDir: "." }, servers: {} });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("create prints what the key is and then the key alone; list shows it; revoke refuses it", async () => {
    const created = await runCli([
      "keys",
      "create",
      "--config",
      config,
      "--principal",
      "ci-bot",
      "--groups",
      "deploy, readers",
      "--expires",
      "30d",
      "--description",
      "nightly builds",
    ]);
    assert.equal(created.code, 0, describeRun(created));
    const { last: key, before: explanation } = lastLine(created.stdout);
    assert.match(key, KEY_LINE);
    const id = key.slice(3, 15);
    assert.match(explanation, new RegExp(`API key ${id} created for principal "ci-bot"`));
    assert.match(explanation, /groups: +deploy, readers/);
    assert.match(explanation, /expires: +\d{4}-\d{2}-\d{2}T/);
    assert.match(explanation, /description: +nightly builds/);
    assert.match(explanation, /Shown once: store it now/);
    assert.ok(!explanation.includes(key.slice(16)), "the secret is printed once, on the last line");

    // The key verifies against the same file the gateway would open.
    const store = await createSqliteIdentityStore(join(dir, "switchboard.db"));
    try {
      const principal = await createApiKeys({ store, clock: systemClock, cacheMs: 0 }).verify(key);
      assert.deepEqual(principal.groups, ["deploy", "readers"]);
      assert.equal(principal.name, "ci-bot");
    } finally {
      await store.close();
    }

    const list = await runCli(["keys", "list", "--config", config]);
    assert.equal(list.code, 0, describeRun(list));
    assert.match(list.stdout, /^ID\s+PRINCIPAL\s+GROUPS\s+STATUS\s+CREATED\s+EXPIRES\s+DESCRIPTION/);
    assert.match(list.stdout, new RegExp(`${id}\\s+ci-bot\\s+deploy,readers\\s+active\\s`));
    assert.ok(!list.stdout.includes("scrypt") && !list.stdout.includes(key.slice(16)), list.stdout);
    const json = await runCli(["keys", "list", "--config", config, "--json"]);
    const listed = JSON.parse(json.stdout) as Record<string, unknown>[];
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.id, id);
    assert.ok(!("hash" in (listed[0] as object)));

    const revoked = await runCli(["keys", "revoke", id, "--config", config]);
    assert.equal(revoked.code, 0, describeRun(revoked));
    assert.match(revoked.stdout, new RegExp(`API key ${id} revoked`));
    const again = await runCli(["keys", "revoke", id, "--config", config]);
    assert.equal(again.code, 1, describeRun(again));
    assert.match(again.stderr, /no active API key with id/);
    const afterRevoke = await runCli(["keys", "list", "--config", config]);
    assert.match(afterRevoke.stdout, new RegExp(`${id}\\s+ci-bot\\s+deploy,readers\\s+revoked \\d{4}-`));
  });

  test("usage errors exit 2 with a message saying what is wrong", async () => {
    const cases: [string[], RegExp][] = [
      [["keys"], /keys needs create, list or revoke ID/],
      [["keys", "rotate"], /keys needs create, list or revoke ID, got "rotate"/],
      [["keys", "create", "--config", config], /keys create needs --principal NAME/],
      [["keys", "revoke", "--config", config], /keys revoke needs the key's id/],
      [
        ["keys", "create", "--principal", "x", "--expires", "2001-01-01T00:00:00Z", "--config", config],
        /not in the future/,
      ],
      [["keys", "create", "--principal", "x", "--expires", "soon", "--config", config], /ISO 8601/],
      [["keys", "create", "--principal", "x", "--groups", "a b", "--config", config], /group "a b" is not a valid/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${describeRun(result)}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, "");
    }
  });
});

describe("switchboard keys against a running gateway, and the /keys admin routes", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({});
  });
  after(() => t.close());

  test("create, list and revoke through the admin API; the gateway refuses a revoked key at once", async () => {
    const created = await runCli(["keys", "create", "--url", t.url, "--principal", "remote-user", "--groups", "ops"]);
    assert.equal(created.code, 0, describeRun(created));
    const { last: key } = lastLine(created.stdout);
    assert.match(key, KEY_LINE);
    const id = key.slice(3, 15);
    assert.deepEqual((await t.gateway.apiKeys.verify(key)).groups, ["ops"]);

    const list = await runCli(["keys", "list", "--json"], { env: { SWITCHBOARD_URL: t.url } });
    assert.equal(list.code, 0, describeRun(list));
    const listed = JSON.parse(list.stdout) as Record<string, unknown>[];
    assert.deepEqual(
      listed.map((k) => [k.id, k.principal, k.status, "hash" in k]),
      [[id, "remote-user", "active", false]],
    );

    const revoked = await runCli(["keys", "revoke", id, "--url", t.url]);
    assert.equal(revoked.code, 0, describeRun(revoked));
    await assert.rejects(t.gateway.apiKeys.verify(key), { code: "unauthenticated", message: /has been revoked/ });
    const again = await runCli(["keys", "revoke", id, "--url", t.url]);
    assert.equal(again.code, 1, describeRun(again));
    assert.match(again.stderr, /no active API key with id/);

    const bad = await runCli(["keys", "create", "--url", t.url, "--principal", "x", "--groups", "a/b"]);
    assert.equal(bad.code, 2, describeRun(bad));
    assert.match(bad.stderr, /group "a\/b" is not a valid name/);
  });

  test("the routes: 201 with the key and no-store, JSON only, clear errors, 404 and 405", async () => {
    const post = (body: string, type = "application/json") =>
      fetch(`${t.url}/keys`, { method: "POST", headers: { "content-type": type }, body });
    const created = await post(JSON.stringify({ principal: "svc", groups: ["a"], description: "d" }));
    assert.equal(created.status, 201);
    assert.equal(created.headers.get("cache-control"), "no-store");
    const body = (await created.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), [
      "createdAt",
      "description",
      "expiresAt",
      "groups",
      "id",
      "key",
      "principal",
    ]);
    assert.match(String(body.key), KEY_LINE);

    const listed = (await (await fetch(`${t.url}/keys`)).json()) as { keys: Record<string, unknown>[] };
    const mine = listed.keys.find((k) => k.id === body.id);
    assert.equal(mine?.status, "active");
    assert.ok(!JSON.stringify(listed).includes("scrypt"), "no hashes in the listing");

    const errorOf = async (response: Response) => [
      response.status,
      ((await response.json()) as { error: { code: string } }).error.code,
    ];
    assert.deepEqual(await errorOf(await post("principal=svc", "application/x-www-form-urlencoded")), [
      400,
      "invalid_request",
    ]);
    assert.deepEqual(await errorOf(await post("{not json")), [400, "invalid_request"]);
    assert.deepEqual(await errorOf(await post("[1]")), [400, "invalid_request"]);
    assert.deepEqual(await errorOf(await post(JSON.stringify({ principal: "x", admin: true }))), [
      400,
      "invalid_params",
    ]);
    assert.deepEqual(await errorOf(await post(JSON.stringify({ groups: ["a"] }))), [400, "invalid_params"]);
    assert.deepEqual(await errorOf(await post("x".repeat(70_000))), [413, "payload_too_large"]);
    assert.deepEqual(await errorOf(await fetch(`${t.url}/keys/ffffffffffff`, { method: "DELETE" })), [
      404,
      "resource_not_found",
    ]);
    const wrongMethod = await fetch(`${t.url}/keys`, { method: "DELETE" });
    assert.equal(wrongMethod.headers.get("allow"), "GET, POST");
    assert.deepEqual(await errorOf(wrongMethod), [405, "method_not_allowed"]);
    const deleted = await fetch(`${t.url}/keys/${body.id}`, { method: "DELETE" });
    assert.deepEqual([deleted.status, await deleted.json()], [200, { revoked: true, id: body.id }]);
  });

  test("remote mode sends SWITCHBOARD_TOKEN as a bearer token and explains a refusal", async () => {
    // A fake admin API that only records headers and refuses: the real gateway's gating is configured elsewhere.
    const seen: IncomingHttpHeaders[] = [];
    const fakeAdmin = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ success: false, message: "invalid token", error: { code: "unauthenticated" } }));
    });
    await new Promise<void>((resolve) => fakeAdmin.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(fakeAdmin.address() as AddressInfo).port}`;
    try {
      const viaEnv = await runCli(["keys", "list", "--url", url], { env: { SWITCHBOARD_TOKEN: "from-env" } });
      assert.equal(viaEnv.code, 1, describeRun(viaEnv));
      assert.match(viaEnv.stderr, /the gateway refused: invalid token \(the token given is not accepted\)/);
      const none = await runCli(["keys", "list", "--url", url], { env: { SWITCHBOARD_TOKEN: undefined } });
      assert.match(none.stderr, /set SWITCHBOARD_TOKEN/);
      assert.deepEqual(
        seen.map((headers) => headers.authorization),
        ["Bearer from-env", undefined],
      );
    } finally {
      await new Promise((resolve) => fakeAdmin.close(resolve));
    }
  });
});

// The gateway as an OAuth 2.1 client of a remote MCP server, against a real authorization server (oidc-provider)
// and a real remote server that checks JWT bearer tokens against its JWKS, all on loopback: client credentials,
// the authorization code grant with PKCE through /oauth/callback, refresh of a lapsed token, tokens sealed at
// rest, one use and expiry of a pending authorization, and per-principal keying.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createPinoLogger } from "../src/adapters/observability/pino-logger.ts";
import { createSecretBox } from "../src/adapters/secrets/secret-box.ts";
import { createMemorySecretStore } from "../src/adapters/storage/memory-secret-store.ts";
import { createUpstreamOAuth } from "../src/adapters/upstream/upstream-oauth.ts";
import { normalizeConfig } from "../src/config/load.ts";
import { isSwitchboardError } from "../src/core/errors.ts";
import type { ServerSpec } from "../src/core/server-spec.ts";
import type { SecretStore } from "../src/ports/secret-store.ts";
import { type BearerMcpServer, listenBearerMcpServer } from "./fixtures/bearer-mcp-server.ts";
import {
  authorizeInBrowser,
  MACHINE_CLIENT,
  startAuthorizationServer,
  type TestAuthorizationServer,
} from "./fixtures/oidc-authorization-server.ts";
import { runCli } from "./helpers/cli.ts";
import { startTestGateway, type TestGateway } from "./helpers/gateway.ts";

let as: TestAuthorizationServer;
let rs: BearerMcpServer;

before(async () => {
  const reserved = await listenBearerMcpServer();
  as = await startAuthorizationServer(reserved.url);
  rs = reserved.serve(as.issuer);
});
after(async () => {
  await rs?.close();
  await as?.close();
});

async function connect(gateway: TestGateway): Promise<Client> {
  const client = new Client({ name: "upstream-oauth-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp/remote`)));
  return client;
}

async function whoami(client: Client): Promise<{ sub?: string; client_id?: string }> {
  const result = (await client.callTool({ name: "whoami", arguments: {} })) as {
    content: { text: string }[];
    isError?: boolean;
  };
  assert.notEqual(result.isError, true, JSON.stringify(result));
  return JSON.parse(result.content[0]?.text ?? "{}");
}

/** Every sealed value of kind oauth, as stored. */
async function sealedValues(store: SecretStore): Promise<string[]> {
  const keys = await store.listSecrets({ kind: "oauth" });
  const values = await Promise.all(keys.map((key) => store.getSecret(key)));
  return values.map((v) => v?.sealed ?? "");
}

describe("upstream OAuth: client credentials", () => {
  it("gets a token headlessly and calls the server with it", async (t) => {
    const gateway = await startTestGateway({
      remote: { url: rs.url, oauth: { grant: "client_credentials", ...MACHINE_CLIENT } },
    });
    t.after(() => gateway.close());
    const client = await connect(gateway);
    t.after(() => client.close());
    const before = as.grants.client_credentials ?? 0;
    assert.equal((await whoami(client)).client_id, "machine");
    assert.ok((as.grants.client_credentials ?? 0) >= before);
  });

  it("says which credentials to check when the authorization server refuses them", async (t) => {
    const gateway = await startTestGateway({
      remote: { url: rs.url, oauth: { grant: "client_credentials", clientId: "machine", clientSecret: "wrong" } },
    });
    t.after(() => gateway.close());
    const client = await connect(gateway);
    t.after(() => client.close());
    await assert.rejects(whoami(client), /oauth\.clientId and clientSecret/);
  });
});

describe("upstream OAuth: authorization code with PKCE", () => {
  const store = createMemorySecretStore();
  let gateway: TestGateway;
  let client: Client | undefined;

  before(async () => {
    gateway = await startTestGateway({ remote: { url: rs.url, oauth: {} } }, { secretStore: store });
  });
  after(async () => {
    await client?.close();
    await gateway.close();
  });

  it("refuses to start without authorization and says how to authorize", async () => {
    const first = await connect(gateway);
    try {
      await assert.rejects(whoami(first), /switchboard servers authorize remote/);
    } finally {
      await first.close();
    }
  });

  it("completes through /oauth/callback, once", async () => {
    const started = await fetch(`${gateway.url}/servers/remote/authorize`, { method: "POST" });
    assert.equal(started.status, 200);
    const body = (await started.json()) as { authorized: boolean; authorizationUrl: string; expiresAt: string };
    assert.equal(body.authorized, false);
    const url = new URL(body.authorizationUrl);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.equal(url.searchParams.get("redirect_uri"), `${gateway.url}/oauth/callback`);
    assert.equal(url.searchParams.get("resource"), rs.url);
    // Asking again (here through the CLI) gives the authorization that is waiting, not a new one.
    const cli = await runCli(["servers", "authorize", "remote", "--url", gateway.url, "--json"]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).authorizationUrl, body.authorizationUrl);

    const callback = await authorizeInBrowser(body.authorizationUrl, `${gateway.url}/oauth/callback`);
    const done = await fetch(callback);
    const page = await done.text();
    assert.equal(done.status, 200, page);
    assert.match(page, /Server remote is authorized/);

    const replay = await fetch(callback);
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /unknown or was already used/);
  });

  it("starts with the stored tokens", async () => {
    // The failed start left the server backing off: start it now rather than wait for the next attempt.
    const start = await fetch(`${gateway.url}/servers/remote/start`, { method: "POST" });
    assert.equal(start.status, 200, await start.text());
    client = await connect(gateway);
    assert.equal((await whoami(client)).sub, "alice");
    assert.equal(as.grants.authorization_code, 1);
  });

  it("refreshes a lapsed access token without asking anyone", async () => {
    assert.ok(client);
    const used = rs.tokensSeen.at(-1);
    rs.expireTokensSeen();
    assert.equal((await whoami(client)).sub, "alice");
    assert.equal(as.grants.refresh_token, 1);
    assert.equal(as.grants.authorization_code, 1);
    assert.notEqual(rs.tokensSeen.at(-1), used);
  });

  it("keeps tokens and the registration sealed: no token in clear in the store", async () => {
    const keys = await store.listSecrets({ kind: "oauth", server: "remote" });
    assert.deepEqual(keys.map((k) => `${k.principal}/${k.name}`).sort(), ["/client", "/tokens"]);
    const stored = (await sealedValues(store)).join("\n");
    assert.ok(stored.length > 0);
    for (const token of rs.tokensSeen) assert.ok(!stored.includes(token), "an access token is stored in clear");
    assert.ok(!stored.includes("alice") && !stored.includes("refresh_token"));
  });

  it("answers an unknown state with a clear page", async () => {
    const response = await fetch(`${gateway.url}/oauth/callback?code=x&state=nothing-issued`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /unknown or was already used/);
  });
});

describe("upstream OAuth: the pending authorization and per-principal tokens", () => {
  const box = createSecretBox(randomBytes(32));
  const logger = createPinoLogger({ level: "silent", json: true });

  function specs(oauth: Record<string, unknown>): readonly ServerSpec[] {
    return normalizeConfig({ servers: { remote: { url: rs.url, oauth } } }, "/tmp/switchboard.json").servers;
  }

  it("expires after 10 minutes", async () => {
    let now = Date.now();
    const oauth = createUpstreamOAuth({
      servers: specs({ redirectUrl: "http://127.0.0.1:9/oauth/callback" }),
      store: createMemorySecretStore(),
      box,
      logger,
      now: () => now,
    });
    const started = await oauth.authorize("remote", undefined);
    assert.equal(started.authorized, false);
    const url = new URL((started as { authorizationUrl: string }).authorizationUrl);
    now += 10 * 60_000 + 1;
    await assert.rejects(
      oauth.complete(new URLSearchParams({ code: "c", state: url.searchParams.get("state") ?? "" })),
      (error: unknown) => isSwitchboardError(error, "invalid_request") && /expired/.test(error.message),
    );
  });

  it("keeps each principal's tokens apart and needs a principal to start one", async () => {
    const store = createMemorySecretStore();
    const [spec] = specs({ perPrincipal: true, redirectUrl: "http://127.0.0.1:9/oauth/callback" });
    assert.ok(spec);
    const oauth = createUpstreamOAuth({ servers: [spec], store, box, logger });
    const alice = oauth.providerFor({ ...spec, principal: "alice" });
    const bob = oauth.providerFor({ ...spec, principal: "bob" });
    assert.ok(alice && bob);
    await alice.saveTokens({ access_token: "alice-token", token_type: "Bearer" });
    assert.equal(await bob.tokens(), undefined);
    assert.equal((await alice.tokens())?.access_token, "alice-token");
    await bob.saveTokens({ access_token: "bob-token", token_type: "Bearer" });
    assert.equal((await alice.tokens({ issuer: as.issuer }))?.access_token, "alice-token");
    const keys = await store.listSecrets({ kind: "oauth" });
    assert.deepEqual(keys.map((k) => k.principal).sort(), ["alice", "bob"]);
    // A per-principal server has no gateway-wide tokens.
    assert.throws(() => oauth.providerFor(spec), /per-principal OAuth tokens/);
    await assert.rejects(oauth.authorize("remote", undefined), /name the principal/);
  });
});

describe("upstream OAuth: configuration", () => {
  it("reports oauth on a stdio server, client credentials without a secret, and conflicting settings", () => {
    assert.throws(
      () =>
        normalizeConfig(
          {
            servers: {
              local: { command: "node", oauth: {} },
              machine: { url: "http://127.0.0.1:9/mcp", oauth: { grant: "client_credentials", clientId: "x" } },
              both: {
                url: "http://127.0.0.1:9/mcp",
                oauth: { clientId: "x", clientSecret: "s", privateKey: "k" },
              },
              cimd: { url: "http://127.0.0.1:9/mcp", oauth: { clientMetadataUrl: "http://example.com/client.json" } },
            },
          },
          "/tmp/switchboard.json",
        ),
      (error: unknown) => {
        const problems = (error as { data?: { problems?: { path: string; message: string }[] } }).data?.problems ?? [];
        assert.ok(problems.some((p) => p.path === "servers.local.oauth" && /remote servers/.test(p.message)));
        assert.ok(problems.some((p) => p.path === "servers.machine.oauth" && /clientSecret/.test(p.message)));
        assert.ok(problems.some((p) => p.path === "servers.both.oauth.privateKey" && /not both/.test(p.message)));
        assert.ok(problems.some((p) => p.path === "servers.cimd.oauth.clientMetadataUrl" && /https/.test(p.message)));
        return true;
      },
    );
  });
});

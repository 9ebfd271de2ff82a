// `switchboard serve --host 0.0.0.0` without authentication (gateway.auth.mode none) is refused, even with
// allowedHosts, unless the operator says --insecure-bind (logged as INSECURE). With authentication on it serves:
// a DNS-rebinding Host still gets 403 everywhere, and a request without a credential 401. Real serve processes
// listen on 0.0.0.0 port 0; traffic goes to 127.0.0.1.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { describeRun, killSpawned, type RunningCli, runCli, startCli, writeConfig } from "../helpers/cli.ts";
import { fixtureServer, tempDir } from "../helpers/gateway.ts";
import { rawRequest } from "../helpers/raw-http.ts";

const dir = tempDir("switchboard-bind-");
after(() => {
  killSpawned();
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, gateway: Record<string, unknown> = {}): string {
  return writeConfig(
    dir,
    { gateway: { port: 0, stateDir: join(dir, `state-${name}`), ...gateway }, servers: { fx: fixtureServer() } },
    `${name}.json`,
  );
}

/** Starts serve, returns the loopback URL of its port (it listens on every address). */
async function serve(args: string[]): Promise<{ cli: RunningCli; url: string }> {
  const cli = startCli(["serve", ...args], { env: { USE_JSON_LOGS: "true", LOG_LEVEL: "info" } });
  const match = await cli.waitForStderr(/listening on http:\/\/[^\s"]*:(\d+)/);
  return { cli, url: `http://127.0.0.1:${match[1]}` };
}

async function stop(cli: RunningCli): Promise<void> {
  process.kill(cli.pid, "SIGTERM");
  const { code } = await cli.exited;
  assert.equal(code, 0, cli.stderr());
}

/** OAuth resource-server settings whose JWKS is never fetched (no request here carries a token). */
const oauth = () => ({
  mode: "oauth",
  jwt: {
    jwksUrl: "http://127.0.0.1:9/jwks",
    issuer: "https://issuer.example",
    audiences: ["https://gateway.example/mcp"],
  },
  oauth: { authorizationServers: ["https://issuer.example"] },
});

const rpc = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
  body: JSON.stringify(body),
});
const callEcho = rpc({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "fx__echo", arguments: {} } });

describe("non-loopback bind", () => {
  it("is refused without authentication, even with allowedHosts: exit 2 naming gateway.auth.mode and --insecure-bind", async () => {
    for (const name of ["refused", "refused-hosts"]) {
      const gateway = name === "refused" ? {} : { allowedHosts: ["gateway.example"] };
      const result = await runCli(["serve", "--config", config(name, gateway), "--host", "0.0.0.0"]);
      assert.equal(result.code, 2, describeRun(result));
      assert.match(result.stderr, /gateway\.host: refusing to bind the non-loopback address "0\.0\.0\.0"/);
      assert.match(result.stderr, /gateway\.auth\.mode/);
      assert.match(result.stderr, /--insecure-bind/);
      assert.doesNotMatch(result.stderr, /listening on/);
    }
  });

  it("oauth mode without publicUrl is refused on a non-loopback address (the metadata would trust Host)", async () => {
    const result = await runCli(["serve", "--config", config("oauth-no-url", { auth: oauth() }), "--host", "0.0.0.0"]);
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /gateway\.auth\.publicUrl/);
  });

  it("with authentication: serves; a foreign Host gets 403 everywhere, a request without a credential 401", async () => {
    const { cli, url } = await serve([
      "--config",
      config("allowed", {
        allowedHosts: ["gateway.example"],
        auth: { ...oauth(), publicUrl: "https://gateway.example" },
      }),
      "--host",
      "0.0.0.0",
    ]);
    assert.doesNotMatch(cli.stderr(), /INSECURE/);
    const evil = { host: "evil.com" };
    const attempts: [string, Parameters<typeof rawRequest>[1]][] = [
      ["/mcp", { ...callEcho, headers: { ...callEcho.headers, ...evil } }],
      ["/servers/fx/stop", { method: "POST", headers: evil }],
      ["/audit", { headers: evil }],
      ["/servers", { headers: evil }],
      ["/metrics", { headers: evil }],
      ["/", { headers: { host: `evil.com:${new URL(url).port}` } }],
    ];
    for (const [path, options] of attempts) {
      const reply = await rawRequest(`${url}${path}`, options);
      assert.equal(reply.status, 403, `${options?.method ?? "GET"} ${path}: ${reply.text}`);
    }
    const host = { host: "gateway.example" };
    for (const [path, options] of [
      ["/servers", { headers: host }],
      ["/mcp", { ...callEcho, headers: { ...callEcho.headers, ...host } }],
    ] as const) {
      const reply = await rawRequest(`${url}${path}`, options);
      assert.equal(reply.status, 401, `${path}: ${reply.text}`);
      assert.match(
        String(reply.headers["www-authenticate"]),
        /^Bearer resource_metadata="https:\/\/gateway\.example\/\.well-known\/oauth-protected-resource/,
      );
    }
    const live = await rawRequest(`${url}/health/live`, { headers: host });
    assert.equal(live.status, 200, live.text);
    await stop(cli);
  });

  it("with --insecure-bind: serves, and says loudly that nothing is checked", async () => {
    const { cli, url } = await serve(["--config", config("insecure"), "--host", "0.0.0.0", "--insecure-bind"]);
    assert.match(cli.stderr(), /INSECURE: bound to a non-loopback address .*no authentication/);
    const reply = await rawRequest(`${url}/servers`, { headers: { host: "anything.example" } });
    assert.equal(reply.status, 200, reply.text);
    await stop(cli);
  });
});

// Client authentication through the real HTTP front (JWT and OAuth resource-server modes) against a real JWKS
// endpoint on loopback: what gets 401 with which challenge, the public routes, admin rights, protected-resource
// metadata, and sessions bound to the principal that opened them.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";
import { closeAtEnd } from "./helpers/cleanup.ts";
import {
  callTool,
  fixtureServer,
  post,
  request,
  resultText,
  startTestGateway,
  type TestGateway,
} from "./helpers/gateway.ts";
import { rawRequest } from "./helpers/raw-http.ts";

const ISSUER = "https://login.example.com";

/** A JWKS endpoint serving one RSA key, and tokens signed with it. */
async function startIssuer() {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  const sign = (claims: Record<string, unknown>, options: { audience: string; expiresIn?: string | number }) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(options.audience)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? "5m")
      .sign(privateKey);
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { jwksUrl, sign, close, privateKey, publicKey };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An unsigned token (`alg: none`) with the given claims. */
function unsigned(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

describe("JWT mode through the HTTP front", () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let gw: TestGateway;
  const audience = "https://mcp.example.com/mcp";
  let alice: string;
  let bob: string;
  let admin: string;

  before(async () => {
    issuer = await startIssuer();
    closeAtEnd(() => issuer.close());
    gw = await startTestGateway(
      { fx: fixtureServer() },
      {
        gateway: {
          auth: { mode: "jwt", jwt: { jwksUrl: issuer.jwksUrl, issuer: ISSUER, audiences: [audience] } },
        },
      },
    );
    alice = await issuer.sign({ sub: "alice", groups: ["dev"] }, { audience });
    bob = await issuer.sign({ sub: "bob", groups: ["dev"] }, { audience });
    admin = await issuer.sign({ sub: "root", groups: ["admin"] }, { audience });
  });
  after(() => gw?.close());

  it("refuses a request without a credential: 401, a bare Bearer challenge, the unauthenticated error", async () => {
    const reply = await callTool(gw.url, "fx__echo", { message: "hi" });
    assert.equal(reply.status, 401, reply.text);
    assert.equal(reply.headers.get("www-authenticate"), "Bearer");
    assert.equal(reply.body.error.data.kind, "unauthenticated");
  });

  it("refuses malformed, expired, foreign, unsigned and mixed credentials with 401 and the OAuth error", async () => {
    const expired = await issuer.sign({ sub: "alice" }, { audience, expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    const foreign = await issuer.sign({ sub: "alice" }, { audience: "https://other.example.com/mcp" });
    const spaced = await issuer.sign({ sub: " alice" }, { audience });
    const later = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setNotBefore("10m")
      .setExpirationTime("20m")
      .sign(issuer.privateKey);
    const otherIssuer = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer("https://evil.example.com")
      .setAudience(audience)
      .setExpirationTime("5m")
      .sign(issuer.privateKey);
    // HS/RS confusion: an HMAC keyed with the issuer's public key, which anyone can fetch.
    const confused = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(await exportSPKI(issuer.publicKey)));
    const forever = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .sign(issuer.privateKey);
    const cases: [string, Record<string, string>, string][] = [
      ["another scheme", { authorization: "Basic YWxpY2U6cHc=" }, "invalid_request"],
      ["not a JWT", bearer("not-a-jwt"), "invalid_token"],
      ["expired", bearer(expired), "invalid_token"],
      ["wrong audience", bearer(foreign), "invalid_token"],
      ["alg none", bearer(unsigned({ sub: "alice", iss: ISSUER, aud: audience })), "invalid_token"],
      ["two credentials", { ...bearer(alice), "x-api-key": "sb_0123456789ab_x" }, "invalid_request"],
      ["no expiry", bearer(forever), "invalid_token"],
      ["not yet valid", bearer(later), "invalid_token"],
      ["another issuer", bearer(otherIssuer), "invalid_token"],
      ["HS256 keyed with the public key", bearer(confused), "invalid_token"],
      ["a subject with spaces", bearer(spaced), "invalid_token"],
    ];
    for (const [name, headers, error] of cases) {
      const reply = await callTool(gw.url, "fx__echo", { message: "hi" }, headers);
      assert.equal(reply.status, 401, `${name}: ${reply.text}`);
      const challenge = reply.headers.get("www-authenticate") ?? "";
      assert.match(challenge, new RegExp(`^Bearer .*error="${error}"`), `${name}: ${challenge}`);
      assert.equal(reply.body.error.data.kind, "unauthenticated", name);
      assert.ok(
        !reply.text.includes(headers.authorization?.slice(7) || "\u0000"),
        `${name}: the credential is not echoed`,
      );
    }
  });

  it("serves a valid token's principal", async () => {
    const reply = await callTool(gw.url, "fx__echo", { message: "hi" }, bearer(alice));
    assert.equal(reply.status, 200, reply.text);
    assert.equal(resultText(reply), "hi");
  });

  it("keeps probes and the root document public and the admin API and metrics for admins", async () => {
    for (const path of ["/health/live", "/health/ready", "/"]) {
      const response = await fetch(`${gw.url}${path}`);
      assert.equal(response.status, 200, path);
    }
    for (const path of ["/servers", "/health", "/audit", "/metrics", "/tokens"]) {
      const anonymous = await fetch(`${gw.url}${path}`);
      assert.equal(anonymous.status, 401, `${path} without a credential`);
      const user = await fetch(`${gw.url}${path}`, { headers: bearer(alice) });
      assert.equal(user.status, 403, `${path} as a non-admin`);
      assert.match(user.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/, path);
      const body = (await user.json()) as { error: { code: string } };
      assert.equal(body.error.code, "forbidden", path);
      const root = await fetch(`${gw.url}${path}`, { headers: bearer(admin) });
      assert.equal(root.status, 200, `${path} as an admin`);
    }
    const stop = await fetch(`${gw.url}/servers/fx/stop`, { method: "POST", headers: bearer(alice) });
    assert.equal(stop.status, 403);
  });

  it("does not reveal which servers exist to an unauthenticated caller", async () => {
    const known = await post(`${gw.url}/mcp/fx`, request("tools/list"));
    const unknown = await post(`${gw.url}/mcp/nope`, request("tools/list"));
    assert.equal(known.status, 401);
    assert.equal(unknown.status, 401);
  });

  it("binds a session to its principal: another principal's use of the id is an unknown session", async () => {
    const init = await post(
      `${gw.url}/mcp`,
      request("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "a", version: "1" },
      }),
      bearer(alice),
    );
    const session = init.headers.get("mcp-session-id") as string;
    assert.ok(session, init.text);
    const stolen = await post(`${gw.url}/mcp`, request("tools/list"), { ...bearer(bob), "mcp-session-id": session });
    assert.equal(stolen.status, 404, stolen.text);
    assert.equal(stolen.body.error.data.kind, "session_not_found");
    const removed = await fetch(`${gw.url}/mcp`, {
      method: "DELETE",
      headers: { ...bearer(bob), "mcp-session-id": session },
    });
    assert.equal(removed.status, 404, "another principal cannot end the session either");
    const own = await post(`${gw.url}/mcp`, request("tools/list"), { ...bearer(alice), "mcp-session-id": session });
    assert.equal(own.status, 200, own.text);
    assert.ok(own.body.result.tools.length > 0);
  });
});

describe("OAuth resource-server mode through the HTTP front", () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let gw: TestGateway;
  const base = "https://mcp.example.com";

  before(async () => {
    issuer = await startIssuer();
    closeAtEnd(() => issuer.close());
    gw = await startTestGateway(
      { fx: fixtureServer(), fy: fixtureServer() },
      {
        gateway: {
          auth: {
            mode: "oauth",
            publicUrl: base,
            jwt: { jwksUrl: issuer.jwksUrl, issuer: ISSUER, audiences: [`${base}/mcp`, `${base}/mcp/fx`] },
            oauth: { authorizationServers: [ISSUER], scopesSupported: ["mcp:tools"], requiredScopes: ["mcp:tools"] },
          },
        },
      },
    );
  });
  after(() => gw?.close());

  it("publishes RFC 9728 metadata for the gateway, /mcp and /mcp/{server}, without a credential", async () => {
    for (const path of ["", "/mcp", "/mcp/fx"]) {
      const response = await fetch(`${gw.url}/.well-known/oauth-protected-resource${path}`);
      assert.equal(response.status, 200, path);
      const metadata = (await response.json()) as Record<string, unknown>;
      assert.equal(metadata.resource, `${base}${path}`);
      assert.deepEqual(metadata.authorization_servers, [ISSUER]);
      assert.deepEqual(metadata.scopes_supported, ["mcp:tools"]);
      assert.deepEqual(metadata.bearer_methods_supported, ["header"]);
    }
    const other = await fetch(`${gw.url}/.well-known/oauth-protected-resource/servers`);
    assert.equal(other.status, 404);
  });

  it("challenges with the metadata URL of the endpoint asked for", async () => {
    for (const path of ["/mcp", "/mcp/fx"]) {
      const reply = await post(`${gw.url}${path}`, request("tools/list"));
      assert.equal(reply.status, 401);
      assert.equal(
        reply.headers.get("www-authenticate"),
        `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource${path}", scope="mcp:tools"`,
      );
    }
  });

  it("answers 403 insufficient_scope naming the scope when a valid token lacks a required one", async () => {
    const token = await issuer.sign({ sub: "alice", scope: "profile" }, { audience: `${base}/mcp` });
    const reply = await post(`${gw.url}/mcp`, request("tools/list"), bearer(token));
    assert.equal(reply.status, 403, reply.text);
    assert.match(reply.headers.get("www-authenticate") ?? "", /error="insufficient_scope".*scope="mcp:tools"/);
    const scoped = await issuer.sign({ sub: "alice", scope: "mcp:tools" }, { audience: `${base}/mcp` });
    const ok = await post(`${gw.url}/mcp`, request("tools/list"), bearer(scoped));
    assert.equal(ok.status, 200, ok.text);
  });

  it("binds a token to its resource (RFC 8707): one for /mcp/fx serves only /mcp/fx, one for /mcp serves both", async () => {
    const scope = "mcp:tools";
    const forFx = await issuer.sign({ sub: "alice", scope }, { audience: `${base}/mcp/fx` });
    const forAll = await issuer.sign({ sub: "alice", scope }, { audience: `${base}/mcp` });
    const fx = await post(`${gw.url}/mcp/fx`, request("tools/list"), bearer(forFx));
    assert.equal(fx.status, 200, fx.text);
    const aggregate = await post(`${gw.url}/mcp`, request("tools/list"), bearer(forFx));
    assert.equal(aggregate.status, 401, aggregate.text);
    // The binding holds however the other server's name is spelled in the path.
    for (const path of ["/mcp/fy", "/mcp/%66%79", "/mcp/f%79"]) {
      const other = await post(`${gw.url}${path}`, request("tools/list"), bearer(forFx));
      assert.equal(other.status, 401, `${path}: ${other.text}`);
    }
    assert.match(aggregate.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    for (const path of ["/mcp", "/mcp/fx"]) {
      const reply = await post(`${gw.url}${path}`, request("tools/list"), bearer(forAll));
      assert.equal(reply.status, 200, `${path}: ${reply.text}`);
    }
  });

  it("refuses a malformed Host (user info, paths) before anything echoes it", async () => {
    for (const host of ["localhost:1@evil.example", "127.0.0.1/x", "a b"]) {
      const reply = await rawRequest(`${gw.url}/.well-known/oauth-protected-resource/mcp`, { headers: { host } });
      assert.equal(reply.status, 400, `${host}: ${reply.text}`);
      assert.ok(!reply.text.includes("evil"), host);
    }
  });
});

describe("API-key mode through the HTTP front", () => {
  let gw: TestGateway;
  let alice: string;
  let bob: string;
  let root: string;
  const echo = fileURLToPath(new URL("./fixtures/credential-echo-server.mjs", import.meta.url));

  before(async () => {
    gw = await startTestGateway(
      {
        fx: fixtureServer(),
        mine: { command: process.execPath, args: [echo], credentials: { token: { env: "TOKEN" } } },
        secret: { command: process.execPath, args: [echo], credentials: { token: { env: "TOKEN" } } },
        // Remote servers that are never reached here: only who may start their authorization is tested.
        personal: { url: "http://127.0.0.1:9/mcp", oauth: { perPrincipal: true } },
        company: { url: "http://127.0.0.1:9/mcp", oauth: {} },
      },
      {
        gateway: {
          auth: { mode: "apiKey" },
          access: { rules: [{ effect: "deny", groups: ["dev"], servers: ["secret"] }] },
        },
      },
    );
    alice = (await gw.gateway.apiKeys.create({ principal: "alice", groups: ["dev"] })).key;
    bob = (await gw.gateway.apiKeys.create({ principal: "bob", groups: ["dev"] })).key;
    root = (await gw.gateway.apiKeys.create({ principal: "root", groups: ["admin"] })).key;
  });
  after(() => gw?.close());

  it("accepts a key as a Bearer token or in X-API-Key, and records its principal in the audit", async () => {
    const viaBearer = await callTool(gw.url, "fx__echo", { message: "a" }, bearer(alice));
    assert.equal(resultText(viaBearer), "a", viaBearer.text);
    const viaHeader = await callTool(gw.url, "fx__echo", { message: "b" }, { "x-api-key": alice });
    assert.equal(resultText(viaHeader), "b", viaHeader.text);
    await gw.gateway.audit.flush();
    const records = await gw.gateway.state.audit.query({ principal: "alice", tool: "echo" });
    assert.ok(records.length >= 2, JSON.stringify(records));
    const audit = await fetch(`${gw.url}/audit?principal=alice`, { headers: bearer(root) });
    const body = (await audit.json()) as { records: { principal: string }[] };
    assert.ok(body.records.length >= 2 && body.records.every((r) => r.principal === "alice"));
  });

  it("refuses a JWT, a wrong secret and a revoked key with 401 invalid_token", async () => {
    const temporary = await gw.gateway.apiKeys.create({ principal: "temp" });
    const ok = await callTool(gw.url, "fx__echo", { message: "x" }, bearer(temporary.key));
    assert.equal(ok.status, 200, ok.text);
    await gw.gateway.apiKeys.revoke(temporary.record.id);
    const wrongSecret = `${alice.slice(0, -4)}AAAA`;
    for (const [name, key] of [
      ["revoked", temporary.key],
      ["wrong secret", wrongSecret],
      ["a JWT", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"],
    ]) {
      const reply = await callTool(gw.url, "fx__echo", { message: "x" }, bearer(key as string));
      assert.equal(reply.status, 401, `${name}: ${reply.text}`);
      assert.match(reply.headers.get("www-authenticate") ?? "", /error="invalid_token"/, name);
      assert.ok(!reply.text.includes((key as string).slice(16)), `${name}: the secret is not echoed`);
    }
  });

  it("lets only admins manage keys, and every principal its own credentials", async () => {
    const asUser = await fetch(`${gw.url}/keys`, { headers: bearer(alice) });
    assert.equal(asUser.status, 403);
    const asAdmin = await fetch(`${gw.url}/keys`, { headers: bearer(root) });
    assert.equal(asAdmin.status, 200);
    const listed = JSON.stringify(await asAdmin.json());
    assert.ok(!listed.includes(alice.slice(16)), "no key or hash is listed");
    const put = (key: string, body: Record<string, unknown>) =>
      fetch(`${gw.url}/credentials/mine/token`, {
        method: "PUT",
        headers: { ...bearer(key), "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    assert.equal((await put(alice, { value: "alice-secret" })).status, 200);
    assert.equal((await put(bob, { value: "b$&o$'b" })).status, 200);
    const forOther = await put(alice, { value: "planted", principal: "bob" });
    assert.equal(forOther.status, 403, "a non-admin cannot set another principal's value");
    const mine = (await (await fetch(`${gw.url}/credentials`, { headers: bearer(alice) })).json()) as {
      credentials: { principal: string }[];
    };
    assert.deepEqual(
      mine.credentials.map((c) => c.principal),
      ["alice"],
    );
    const whoami = async (key: string) => {
      const reply = await callTool(gw.url, "mine__whoami", {}, bearer(key));
      return JSON.parse(resultText(reply)) as { token: string };
    };
    assert.equal((await whoami(alice)).token, "alice-secret");
    assert.equal((await whoami(bob)).token, "b$&o$'b", "a value is put in as it is, $ sequences included");
    const none = await callTool(gw.url, "mine__whoami", {}, bearer(root));
    assert.equal(none.body.error.data.kind, "credentials_required", none.text);
  });

  it("answers a hidden server on /credentials as an unknown one", async () => {
    for (const server of ["secret", "nosuch"]) {
      const reply = await fetch(`${gw.url}/credentials/${server}/token`, {
        method: "PUT",
        headers: { ...bearer(alice), "content-type": "application/json" },
        body: JSON.stringify({ value: "x" }),
      });
      assert.equal(reply.status, 404, server);
      const body = (await reply.json()) as { error: { code: string }; message: string };
      assert.equal(body.error.code, "server_not_found", server);
      assert.equal(body.message, `no server named "${server}" is configured`);
    }
  });

  it("does not relay tasks of a shared server between principals", async () => {
    for (const message of [
      request("tasks/list"),
      request("tasks/get", { taskId: "t-1" }),
      request("tools/call", { name: "echo", arguments: { message: "x" }, task: { ttl: 60_000 } }),
    ]) {
      const reply = await post(`${gw.url}/mcp/fx`, message, bearer(alice));
      assert.equal(reply.body.error?.data?.kind, "method_not_found", reply.text);
      assert.match(reply.body.error.message, /shared by every principal/);
    }
  });

  it("lets a principal start the OAuth authorization of a per-principal server for itself only", async () => {
    const authorize = (key: string, server: string, body: Record<string, unknown> = {}) =>
      fetch(`${gw.url}/servers/${server}/authorize`, {
        method: "POST",
        headers: { ...bearer(key), "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const own = await authorize(alice, "personal");
    assert.ok(![401, 403, 404].includes(own.status), `allowed, then failing upstream: ${own.status}`);
    assert.equal((await authorize(alice, "personal", { principal: "bob" })).status, 403);
    assert.equal((await authorize(alice, "company")).status, 403, "a gateway-wide token is an admin's business");
    assert.equal((await authorize(alice, "secret")).status, 404, "a hidden server is unknown here too");
    const byAdmin = await authorize(root, "company");
    assert.ok(![401, 403, 404].includes(byAdmin.status), `an admin may: ${byAdmin.status}`);
  });
});

describe("a flood of made-up API keys from one address", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway(
      { fx: fixtureServer() },
      // Behind one trusted proxy: X-Forwarded-For tells the attacker's address from the newcomer's.
      { gateway: { auth: { mode: "apiKey" }, rateLimit: { clientKey: { trustProxyHops: 1 } } } },
    );
  });
  after(() => gw?.close());

  it("is cut off after its first refusals, without locking out a key presented for the first time", async () => {
    const from = (address: string, key: string) => ({ ...bearer(key), "x-forwarded-for": address });
    const wave = (start: number) =>
      Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          callTool(
            gw.url,
            "fx__echo",
            { message: "x" },
            from("10.0.0.1", `sb_${(start + i).toString(16).padStart(12, "0")}_${"x".repeat(43)}`),
          ),
        ),
      );
    const first = await wave(0);
    assert.ok(first.every((reply) => reply.status === 401 || reply.status === 429));
    const second = await wave(100);
    assert.deepEqual(
      second.map((reply) => reply.status),
      Array(30).fill(429),
      "once refused, the address is not verified any more",
    );
    assert.equal(second[0]?.body.error.data.scope, "authFailures");
    assert.ok(Number(second[0]?.headers.get("retry-after")) >= 1);
    // A real key, never verified before, from another address is verified at once.
    const fresh = (await gw.gateway.apiKeys.create({ principal: "newcomer" })).key;
    const own = await Promise.all(
      Array.from({ length: 20 }, () => callTool(gw.url, "fx__echo", { message: "hi" }, from("10.0.0.2", fresh))),
    );
    assert.deepEqual(
      own.map((r) => r.status),
      Array(20).fill(200),
    );
  });
});

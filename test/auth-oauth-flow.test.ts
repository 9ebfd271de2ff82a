// The MCP authorization flow end to end: a real authorization server (oidc-provider on loopback), a real gateway in
// mode oauth with a fixture upstream, and the SDK v2 client doing what MCP clients do — 401, protected-resource
// discovery (RFC 9728, per path), dynamic registration, PKCE, a token bound to the resource (RFC 8707) and the
// calls through /mcp and /mcp/{server}; then tokens the gateway must refuse, and the metadata documents.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { auth, Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";
import { decodeJwt } from "jose";
import type { AuditRecord } from "../src/ports/audit-log.ts";
import { closeAtEnd } from "./helpers/cleanup.ts";
import { fixtureServer, post, request, startTestGateway, type TestGateway, waitUntil } from "./helpers/gateway.ts";
import { startTestAuthorizationServer, type TestAuthorizationServer } from "./helpers/oauth-authorization-server.ts";
import {
  createHeadlessOAuthClient,
  type HeadlessOAuthClient,
  type HeadlessOAuthClientOptions,
  REDIRECT_URL,
} from "./helpers/oauth-client.ts";

/** Scopes the authorization server grants for any resource. */
const RESOURCE_SCOPES = "mcp:tools mcp:read switchboard:admin";
const METADATA = "/.well-known/oauth-protected-resource";
/** A public client registered in advance without a scope restriction (one registered dynamically may ask only for
 * the scopes it registered with). */
const PREREGISTERED = {
  client_id: "preregistered-public-client",
  redirect_uris: [REDIRECT_URL],
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  token_endpoint_auth_method: "none",
  application_type: "native",
};

/** One HTTP exchange the SDK made: the flow is asserted on these. */
interface Exchange {
  method: string;
  url: URL;
  status: number;
  authorization: string | null;
  body: string;
  wwwAuthenticate: string | null;
}

/** fetch that logs what the SDK client sends and gets (for the gateway and the authorization server alike). */
function recordingFetch(log: Exchange[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = init?.body === undefined || init.body === null ? "" : String(init.body);
    const response = await fetch(request);
    log.push({
      method: request.method,
      url: new URL(request.url),
      status: response.status,
      authorization: request.headers.get("authorization"),
      body,
      wwwAuthenticate: response.headers.get("www-authenticate"),
    });
    return response;
  };
}

/** A port nobody listens on right now: the gateway's resource URL must be in its config before it starts. */
async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let as: TestAuthorizationServer;
let t: TestGateway;
let base: string;

before(async () => {
  as = await startTestAuthorizationServer({
    resourceScopes: RESOURCE_SCOPES,
    groups: { alice: ["staff"], carol: ["admin"] },
    clients: [PREREGISTERED],
  });
  const port = await freeLoopbackPort();
  base = `http://127.0.0.1:${port}`;
  t = await startTestGateway(
    { fx: fixtureServer() },
    {
      httpPort: port,
      gateway: {
        auth: {
          mode: "oauth",
          publicUrl: base,
          jwt: { jwksUrl: as.jwksUri, issuer: as.issuer, audiences: [`${base}/mcp`, `${base}/mcp/fx`] },
          oauth: { authorizationServers: [as.issuer], scopesSupported: ["mcp:tools"], requiredScopes: ["mcp:tools"] },
        },
      },
    },
  );
});

after(async () => {
  await t?.close();
  await as?.close();
});

/**
 * What an MCP client does on its own: connect, get 401, run the flow (the "user" is logged in headlessly),
 * finishAuth with the callback's parameters, and connect again with the token.
 */
async function connectWithOAuth(
  endpoint: string,
  options: HeadlessOAuthClientOptions = {},
): Promise<{ client: Client; oauth: HeadlessOAuthClient; log: Exchange[] }> {
  const oauth = createHeadlessOAuthClient(options);
  const log: Exchange[] = [];
  const transport = () =>
    new StreamableHTTPClientTransport(new URL(endpoint), { authProvider: oauth, fetch: recordingFetch(log) });
  const refused = new Client({ name: "oauth-flow-test", version: "1.0.0" });
  const first = transport();
  await assert.rejects(refused.connect(first), (error) => error instanceof UnauthorizedError);
  await first.finishAuth(oauth.callback());
  await refused.close();
  const client = new Client({ name: "oauth-flow-test", version: "1.0.0" });
  await client.connect(transport());
  closeAtEnd(() => client.close());
  return { client, oauth, log };
}

/** Runs the flow without an MCP connection: the SDK's auth() twice (to the redirect, then with the code). */
async function authorize(oauth: HeadlessOAuthClient, endpoint: string, scope?: string): Promise<string> {
  const scoped = scope ? { scope } : {};
  assert.equal(await auth(oauth, { serverUrl: endpoint, ...scoped }), "REDIRECT");
  const callback = oauth.callback();
  const code = callback.get("code");
  assert.ok(code, "the authorization server redirected with a code");
  const iss = callback.get("iss") ?? undefined;
  assert.equal(await auth(oauth, { serverUrl: endpoint, authorizationCode: code, iss, ...scoped }), "AUTHORIZED");
  return oauth.accessToken();
}

/** An access token for `endpoint` from a new client. */
const tokenFor = (endpoint: string, options: HeadlessOAuthClientOptions & { scope?: string } = {}) =>
  authorize(createHeadlessOAuthClient(options), endpoint, options.scope);

const exchangesTo = (log: Exchange[], method: string, url: string) =>
  log.filter((e) => e.method === method && e.url.href === url);
const textOf = (result: unknown) => (result as { content: { text?: string }[] }).content[0]?.text;

/** The flow as the SDK client ran it, checked against the MCP authorization spec, for the endpoint at `path`. */
function assertFlow(log: Exchange[], oauth: HeadlessOAuthClient, path: string): void {
  const resource = `${base}${path}`;
  const [first] = log;
  assert.ok(first, "the client made requests");
  assert.equal(`${first.method} ${first.url.href} ${first.status}`, `POST ${resource} 401`);
  assert.equal(first.authorization, null);
  // The challenge names the scope the gateway requires, so the client asks for it right away.
  assert.equal(first.wwwAuthenticate, `Bearer resource_metadata="${base}${METADATA}${path}", scope="mcp:tools"`);

  assert.equal(exchangesTo(log, "GET", `${base}${METADATA}${path}`)[0]?.status, 200, "protected-resource metadata");
  const asMetadata = log.filter((e) => e.url.origin === as.issuer && e.url.pathname.startsWith("/.well-known/"));
  assert.ok(
    asMetadata.some((e) => e.status === 200),
    "authorization-server metadata found at the issuer",
  );
  const registration = log.find((e) => e.method === "POST" && e.url.href === `${as.issuer}/reg`);
  assert.equal(registration?.status, 201, "dynamic client registration");
  assert.equal(JSON.parse(registration.body).token_endpoint_auth_method, "none");

  const [authorization] = oauth.authorizationUrls;
  assert.ok(authorization);
  assert.equal(authorization.origin, as.issuer);
  assert.equal(authorization.searchParams.get("code_challenge_method"), "S256");
  assert.equal(authorization.searchParams.get("resource"), resource);
  assert.ok(
    authorization.searchParams.get("scope")?.split(" ").includes("mcp:tools"),
    "asks for the scope the challenge named",
  );

  const tokenRequest = exchangesTo(log, "POST", `${as.issuer}/token`)[0];
  assert.equal(tokenRequest?.status, 200, "code exchanged for a token");
  const form = new URLSearchParams(tokenRequest.body);
  assert.equal(form.get("grant_type"), "authorization_code");
  const verifier = form.get("code_verifier") ?? "";
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  assert.equal(authorization.searchParams.get("code_challenge"), challenge, "the verifier matches the S256 challenge");
  assert.equal(form.get("resource"), resource);

  const claims = decodeJwt(oauth.accessToken());
  assert.equal(claims.iss, as.issuer);
  assert.equal(claims.aud, resource, "the token is bound to the endpoint (RFC 8707)");
  assert.equal(claims.sub, "alice");
  assert.ok(String(claims.scope).split(" ").includes("mcp:tools"));
  assert.deepEqual(claims.groups, ["staff"]);

  const authorized = log.filter((e) => e.url.href === resource && e.authorization !== null);
  assert.ok(authorized.length > 0, "the MCP requests carry the token");
  for (const e of authorized) {
    assert.equal(e.authorization, `Bearer ${oauth.accessToken()}`);
    assert.ok(e.status < 400, `${e.method} ${e.url.pathname} answered ${e.status}`);
  }
}

describe("an SDK client runs the OAuth flow on its own", () => {
  test("through /mcp: 401, discovery, registration, PKCE, a token for /mcp, tools listed and called", async () => {
    const { client, oauth, log } = await connectWithOAuth(`${base}/mcp`);
    assertFlow(log, oauth, "/mcp");
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "fx__echo"));
    assert.equal(textOf(await client.callTool({ name: "fx__echo", arguments: { message: "via /mcp" } })), "via /mcp");
    await client.close();
  });

  test("through /mcp/{server}: the challenge and the metadata are the server's own, so is the token", async () => {
    const { client, oauth, log } = await connectWithOAuth(`${base}/mcp/fx`);
    assertFlow(log, oauth, "/mcp/fx");
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "echo"));
    assert.equal(textOf(await client.callTool({ name: "echo", arguments: { message: "via /mcp/fx" } })), "via /mcp/fx");
    await client.close();
  });

  test("the audit names the caller; an admin by the groups claim reads it, alice may not", async () => {
    const alice = await tokenFor(`${base}/mcp/fx`);
    const call = request("tools/call", { name: "echo", arguments: { message: "audited" } });
    const called = await post(`${base}/mcp/fx`, call, {
      authorization: `Bearer ${alice}`,
      "x-request-id": "oauth-audit-alice",
    });
    assert.equal(called.status, 200);

    const denied = await fetch(`${base}/audit`, { headers: { authorization: `Bearer ${alice}` } });
    assert.equal(denied.status, 403);
    assert.equal(
      denied.headers.get("www-authenticate"),
      `Bearer resource_metadata="${base}${METADATA}", error="insufficient_scope", ` +
        `error_description="/audit needs admin rights: a group in gateway.auth.adminGroups or the scope switchboard:admin", ` +
        `scope="switchboard:admin"`,
    );

    const carol = await tokenFor(`${base}/mcp`, { user: "carol" });
    assert.deepEqual(decodeJwt(carol).groups, ["admin"]);
    const auditOf = async (principal: string) => {
      const reply = await fetch(`${base}/audit?principal=${principal}`, {
        headers: { authorization: `Bearer ${carol}` },
      });
      assert.equal(reply.status, 200);
      return ((await reply.json()) as { records: AuditRecord[] }).records;
    };
    let record: AuditRecord | undefined;
    // Records are written in batches: wait for this one.
    await waitUntil(async () => {
      record = (await auditOf("alice")).find((r) => r.correlationId === "oauth-audit-alice");
      return record !== undefined;
    });
    assert.equal(record?.principal, "alice");
    assert.equal(record?.server, "fx");
    assert.equal(record?.tool, "echo");
    assert.equal(record?.outcome, "ok");
    assert.ok(!(await auditOf("carol")).some((r) => r.correlationId === "oauth-audit-alice"));
  });
});

describe("tokens the gateway refuses", () => {
  test("a token for another resource gets 401 invalid_token, even though the issuer signed it", async () => {
    const token = await tokenFor(`${base}/mcp`, { resource: "https://other.example/mcp" });
    assert.equal(decodeJwt(token).aud, "https://other.example/mcp");
    const reply = await post(`${base}/mcp`, request("tools/list"), { authorization: `Bearer ${token}` });
    assert.equal(reply.status, 401);
    assert.equal(
      reply.headers.get("www-authenticate"),
      `Bearer resource_metadata="${base}${METADATA}/mcp", error="invalid_token", ` +
        `error_description="the token is not meant for this gateway (aud)", scope="mcp:tools"`,
    );
    assert.equal(reply.body.error.data.error, "invalid_token");
  });

  test("a token without the required scope gets 403 insufficient_scope naming the scope", async () => {
    const token = await tokenFor(`${base}/mcp/fx`, { scope: "mcp:read" });
    assert.equal(decodeJwt(token).scope, "mcp:read");
    const reply = await post(`${base}/mcp/fx`, request("tools/list"), { authorization: `Bearer ${token}` });
    assert.equal(reply.status, 403);
    assert.equal(
      reply.headers.get("www-authenticate"),
      `Bearer resource_metadata="${base}${METADATA}/mcp/fx", error="insufficient_scope", ` +
        `error_description="the token lacks the required scope(s): mcp:tools", scope="mcp:tools"`,
    );
    assert.equal(reply.body.error.data.error, "insufficient_scope");
  });
});

describe("scope step-up", () => {
  test("a client whose token lacks the required scope re-authorizes for the scope the 403 names", async () => {
    const endpoint = `${base}/mcp`;
    const oauth = createHeadlessOAuthClient({ clientId: PREREGISTERED.client_id });
    await authorize(oauth, endpoint, "mcp:read");
    const log: Exchange[] = [];
    const transport = () =>
      new StreamableHTTPClientTransport(new URL(endpoint), { authProvider: oauth, fetch: recordingFetch(log) });
    const refused = new Client({ name: "oauth-flow-test", version: "1.0.0" });
    const first = transport();
    await assert.rejects(refused.connect(first), (error) => error instanceof UnauthorizedError);
    const forbidden = log.find((e) => e.url.href === endpoint && e.status === 403);
    assert.match(forbidden?.wwwAuthenticate ?? "", /error="insufficient_scope", .*scope="mcp:tools"/);
    const again = oauth.authorizationUrls.at(-1);
    assert.equal(oauth.authorizationUrls.length, 2, "the client went back to the authorization server");
    assert.ok(again?.searchParams.get("scope")?.split(" ").includes("mcp:tools"), "for the scope it lacked");
    await first.finishAuth(oauth.callback());
    await refused.close();

    const client = new Client({ name: "oauth-flow-test", version: "1.0.0" });
    closeAtEnd(() => client.close());
    await client.connect(transport());
    assert.ok(String(decodeJwt(oauth.accessToken()).scope).split(" ").includes("mcp:tools"));
    assert.equal(
      textOf(await client.callTool({ name: "fx__echo", arguments: { message: "stepped up" } })),
      "stepped up",
    );
    await client.close();
  });
});

describe("protected-resource metadata", () => {
  for (const path of ["/mcp", "/mcp/fx", ""]) {
    test(`${METADATA}${path} names ${path || "the gateway"} as the resource and the issuer`, async () => {
      const response = await fetch(`${base}${METADATA}${path}`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), {
        resource: `${base}${path}`,
        authorization_servers: [as.issuer],
        scopes_supported: ["mcp:tools"],
        bearer_methods_supported: ["header"],
      });
    });
  }
});

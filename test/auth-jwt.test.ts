// Bearer JWT verification against a real JWKS endpoint (node:http on 127.0.0.1) with RSA and EC keys made by
// jose: what is accepted, every way a token is refused, key rotation, and issuer endpoints that are down, hang or
// answer far too much. Time in the verifier is a FakeClock; the JWKS fetch timeout is real.
import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { createJwtVerifier, type JwtVerifierOptions } from "../src/adapters/auth/jwt-verifier.ts";
import { isSwitchboardError, type SwitchboardError } from "../src/core/errors.ts";
import type { JwtSettings } from "../src/core/identity.ts";
import { closeAtEnd } from "./helpers/cleanup.ts";
import { FakeClock } from "./helpers/fake-clock.ts";
import { createRecordingLogger } from "./helpers/recording-logger.ts";

const ISSUER = "https://login.example.com";
const AUDIENCE = "https://mcp.example.com/mcp";
const START = 1_800_000_000_000;
const seconds = (ms: number) => Math.floor(ms / 1000);

type Behaviour = "serve" | "hang" | "huge" | "status500" | "not-json" | "not-a-set";

/** The issuer's JWKS endpoint: what it serves, how it misbehaves, and how often it was asked. */
class JwksServer {
  keys: JWK[] = [];
  behaviour: Behaviour = "serve";
  requests = 0;
  hugeBytesSent = 0;
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();
  port = 0;

  get running(): boolean {
    return this.server !== undefined;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/jwks`;
  }

  async start(): Promise<void> {
    const server = createServer((_req, res) => {
      this.requests++;
      this.answer(res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private answer(res: ServerResponse): void {
    switch (this.behaviour) {
      case "serve":
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: this.keys }));
      case "hang":
        this.hanging.add(res);
        res.writeHead(200, { "content-type": "application/json" });
        return void res.write('{"keys": [');
      case "huge":
        return void this.streamHuge(res);
      case "status500":
        return void res.writeHead(500).end("oops");
      case "not-json":
        return void res.writeHead(200).end("<html>login</html>");
      case "not-a-set":
        return void res.writeHead(200).end(JSON.stringify({ keys: "none" }));
    }
  }

  /** Up to 100 MB of a JSON array, written as fast as the client reads, until it hangs up. */
  private streamHuge(res: ServerResponse): void {
    const chunk = Buffer.alloc(64 * 1024, " ");
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"keys": [');
    const pump = () => {
      while (!res.destroyed && this.hugeBytesSent < 100 * 1024 * 1024) {
        this.hugeBytesSent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      if (!res.destroyed) res.end("]}");
    };
    res.on("error", () => undefined);
    pump();
  }
}

interface KeyPair {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
  pem: string;
}

async function keyPair(alg: "RS256" | "ES256" | "PS256", kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, jwk, pem: await exportSPKI(publicKey) };
}

const clock = new FakeClock(START);
const jwks = new JwksServer();
let rsa: KeyPair;
let ec: KeyPair;
let rotated: KeyPair;

function settings(overrides: Partial<JwtSettings> = {}): JwtSettings {
  return {
    jwksUrl: jwks.url,
    issuer: ISSUER,
    audiences: [AUDIENCE, "api://switchboard"],
    algorithms: ["RS256", "PS256", "ES256", "EdDSA"],
    clockSkewMs: 30_000,
    principalClaim: "sub",
    groupsClaim: "groups",
    jwksCacheMs: 600_000,
    jwksMinRefreshMs: 30_000,
    jwksTimeoutMs: 5000,
    ...overrides,
  };
}

const verifier = (overrides: Partial<JwtSettings> = {}, options: JwtVerifierOptions = {}) =>
  createJwtVerifier(settings(overrides), { clock, ...options });

/** A token signed by `key`, issued now on the fake clock and valid for five minutes unless claims say otherwise. */
function sign(key: KeyPair, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = seconds(clock.now());
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "alice", iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Asserts a refusal with `unauthenticated`/invalid_token whose description matches, and never holds the token. */
async function refused(promise: Promise<unknown>, description: RegExp, token?: string): Promise<SwitchboardError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(isSwitchboardError(caught, "unauthenticated"), `expected unauthenticated, got ${String(caught)}`);
  assert.deepEqual(caught.data, { error: "invalid_token" });
  assert.match(caught.message, description);
  if (token) assert.ok(!caught.message.includes(token) && !caught.message.includes(token.split(".")[1] ?? "-"));
  return caught;
}

before(async () => {
  [rsa, ec, rotated] = await Promise.all([
    keyPair("RS256", "rsa-1"),
    keyPair("ES256", "ec-1"),
    keyPair("PS256", "rsa-2"),
  ]);
  jwks.keys = [rsa.jwk, ec.jwk];
  await jwks.start();
  closeAtEnd(() => jwks.stop());
});

after(() => jwks.stop());

describe("accepted tokens", () => {
  test("an RSA token names the principal, its groups, scopes and token id", async () => {
    const token = await sign(rsa, { groups: ["dev", "ops"], scope: "tools:call tools:list", jti: "tok-7" });
    assert.deepEqual(await verifier().verify(token), {
      name: "alice",
      groups: ["dev", "ops"],
      scopes: ["tools:call", "tools:list"],
      via: "jwt",
      credentialId: "tok-7",
      audiences: [AUDIENCE],
    });
  });

  test("an EC token, groups as a string, scp as an array, the second audience, marked oauth", async () => {
    const token = await sign(ec, {
      sub: "bob",
      aud: ["other", "api://switchboard"],
      groups: "dev admin",
      scp: ["a", "b"],
    });
    const principal = await verifier({}, { via: "oauth" }).verify(token);
    assert.deepEqual(principal, {
      name: "bob",
      groups: ["dev", "admin"],
      scopes: ["a", "b"],
      via: "oauth",
      audiences: ["other", "api://switchboard"],
    });
  });

  test("groups of any other shape grant none", async () => {
    const token = await sign(rsa, { groups: { admin: true } });
    assert.deepEqual((await verifier().verify(token)).groups, []);
  });

  test("a custom principal claim", async () => {
    const token = await sign(rsa, { email: "carol@example.com" });
    assert.equal((await verifier({ principalClaim: "email" }).verify(token)).name, "carol@example.com");
  });

  test("times within the clock skew are tolerated", async () => {
    const now = seconds(clock.now());
    const token = await sign(rsa, { exp: now - 10, nbf: now + 10, iat: now + 10 });
    assert.equal((await verifier().verify(token)).name, "alice");
  });

  test("a token without kid, while the issuer publishes several keys of its type, verifies with the right one", async () => {
    const second = await keyPair("RS256", "rsa-0");
    jwks.keys = [second.jwk, rsa.jwk, ec.jwk];
    try {
      const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "dave", exp: seconds(clock.now()) + 60 })
        .setProtectedHeader({ alg: "RS256" })
        .sign(rsa.privateKey);
      assert.equal((await verifier().verify(token)).name, "dave");
      const forged = await keyPair("RS256", "x");
      const bad = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "dave", exp: seconds(clock.now()) + 60 })
        .setProtectedHeader({ alg: "RS256" })
        .sign(forged.privateKey);
      await refused(verifier().verify(bad), /signature is not valid/);
      const expired = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "dave", exp: seconds(clock.now()) - 600 })
        .setProtectedHeader({ alg: "RS256" })
        .sign(rsa.privateKey);
      await refused(verifier().verify(expired), /expired/);
    } finally {
      jwks.keys = [rsa.jwk, ec.jwk];
    }
  });

  test("verifications at first use share one fetch of the JWKS", async () => {
    const before = jwks.requests;
    const token = await sign(rsa);
    const v = verifier();
    await Promise.all([v.verify(token), v.verify(token), v.verify(token), v.verify(token)]);
    await v.verify(token);
    assert.equal(jwks.requests - before, 1);
  });
});

describe("refused tokens", () => {
  test("missing or malformed token strings, without fetching keys", async () => {
    const v = verifier();
    const before = jwks.requests;
    await refused(v.verify(""), /no bearer token/);
    await refused(v.verify("   "), /no bearer token/);
    await refused(v.verify("not-a-token"), /not a JWT/);
    await refused(v.verify("a.b"), /not a JWT/);
    await refused(v.verify("a.b.c.d.e"), /not a JWT/);
    await refused(v.verify("x".repeat(20_000)), /longer than/);
    await refused(v.verify("eyJhbGciOi.eyJzdWIiOi.c2ln"), /malformed/);
    assert.equal(jwks.requests, before);
  });

  test("a well-formed header over a payload that is no claims set", async () => {
    const token = `${b64url({ alg: "RS256", kid: rsa.kid })}.${b64url("just a string")}.c2ln`;
    await refused(verifier().verify(token), /signature is not valid|malformed/);
  });

  test("expired", async () => {
    const now = seconds(clock.now());
    const token = await sign(rsa, { iat: now - 600, exp: now - 60 });
    await refused(verifier().verify(token), /has expired \(exp\)/, token);
  });

  test("not yet valid (nbf)", async () => {
    const token = await sign(rsa, { nbf: seconds(clock.now()) + 120 });
    await refused(verifier().verify(token), /not valid yet \(nbf\)/, token);
  });

  test("issued in the future (iat)", async () => {
    const token = await sign(rsa, { iat: seconds(clock.now()) + 120 });
    await refused(verifier().verify(token), /issued in the future \(iat\)/, token);
  });

  test("wrong issuer, missing issuer", async () => {
    await refused(verifier().verify(await sign(rsa, { iss: "https://evil.example.com" })), /issuer is not accepted/);
    await refused(verifier().verify(await sign(rsa, { iss: undefined })), /has no issuer/);
  });

  test("wrong audience, missing audience", async () => {
    await refused(
      verifier().verify(await sign(rsa, { aud: "https://other.example.com/mcp" })),
      /not meant for this gateway/,
    );
    await refused(verifier().verify(await sign(rsa, { aud: undefined })), /has no audience/);
  });

  test("no subject, or one that is not a non-empty string", async () => {
    for (const sub of [undefined, "", 42]) {
      const token = await sign(rsa, { sub } as JWTPayload);
      await refused(verifier().verify(token), /no "sub" claim/);
    }
  });

  test("a signature by another key under a known key id", async () => {
    const forger = await keyPair("RS256", "rsa-1");
    await refused(verifier().verify(await sign(forger)), /signature is not valid/);
  });

  test("alg none, without any key fetch", async () => {
    const v = verifier();
    const before = jwks.requests;
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: "alice", exp: seconds(clock.now()) + 300 };
    for (const alg of ["none", "None", "NONE"]) {
      await refused(v.verify(`${b64url({ alg, kid: "rsa-1" })}.${b64url(claims)}.`), /algorithm is not accepted/);
    }
    assert.equal(jwks.requests, before);
  });

  test("HS256 signed with the RSA public key's PEM or JWK bytes", async () => {
    const v = verifier();
    const now = seconds(clock.now());
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: "mallory", iat: now, exp: now + 300 };
    for (const secret of [rsa.pem, JSON.stringify(rsa.jwk), rsa.jwk.n as string]) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid: rsa.kid })
        .sign(new TextEncoder().encode(secret));
      await refused(v.verify(token), /algorithm is not accepted/);
    }
  });

  test("HS256 stays refused even when the JWKS serves a symmetric key under the same key id", async () => {
    const secret = new TextEncoder().encode("shared-secret-that-leaked-32bytes!!");
    jwks.keys = [rsa.jwk, ec.jwk, { kty: "oct", k: Buffer.from(secret).toString("base64url"), kid: "hmac-1" }];
    try {
      const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "mallory", exp: seconds(clock.now()) + 60 })
        .setProtectedHeader({ alg: "HS256", kid: "hmac-1" })
        .sign(secret);
      await refused(verifier().verify(token), /algorithm is not accepted/);
    } finally {
      jwks.keys = [rsa.jwk, ec.jwk];
    }
  });

  test("an unknown critical header (crit)", async () => {
    const token = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "alice", exp: seconds(clock.now()) + 300 })
      .setProtectedHeader({ alg: "RS256", kid: rsa.kid, crit: ["x-must-understand"], "x-must-understand": true })
      .sign(rsa.privateKey, { crit: { "x-must-understand": true } });
    await refused(verifier().verify(token), /critical header \(crit\)/);
  });

  test("an algorithm outside the configured list", async () => {
    await refused(verifier({ algorithms: ["RS256"] }).verify(await sign(ec)), /algorithm is not accepted/);
  });

  test("symmetric algorithms cannot even be configured", () => {
    assert.throws(() => verifier({ algorithms: ["RS256", "HS256"] }), /refused JWT algorithms: HS256/);
  });
});

describe("required scopes", () => {
  test("a token without them is forbidden with insufficient_scope naming the scopes needed", async () => {
    const v = verifier({}, { requiredScopes: ["mcp:tools", "mcp:read"] });
    const token = await sign(rsa, { scope: "mcp:read" });
    await assert.rejects(v.verify(token), (error) => {
      assert.ok(isSwitchboardError(error, "forbidden"));
      assert.deepEqual(error.data, { error: "insufficient_scope", scope: "mcp:tools mcp:read" });
      assert.match(error.message, /lacks the required scope\(s\): mcp:tools/);
      return true;
    });
    assert.deepEqual((await v.verify(await sign(rsa, { scope: "mcp:read mcp:tools" }))).scopes, [
      "mcp:read",
      "mcp:tools",
    ]);
  });
});

describe("key rotation", () => {
  test("an unknown key id is refused until a refresh is due, then verifies once the issuer publishes it", async () => {
    const v = verifier();
    await v.verify(await sign(rsa)); // keys fetched
    const token = await sign(rotated);
    let before = jwks.requests;
    await refused(v.verify(token), /unknown kid/, token);
    assert.equal(jwks.requests, before, "no refetch within jwksMinRefreshMs of the last fetch");
    await clock.advance(30_000);
    before = jwks.requests;
    await refused(v.verify(token), /unknown kid/, token);
    assert.equal(jwks.requests - before, 1, "an unknown kid fetches the set once");
    jwks.keys = [rsa.jwk, ec.jwk, rotated.jwk];
    try {
      await refused(v.verify(token), /unknown kid/, token);
      await refused(v.verify(token), /unknown kid/, token);
      assert.equal(jwks.requests - before, 1, "no further fetch within jwksMinRefreshMs");
      await clock.advance(30_000);
      assert.equal((await v.verify(await sign(rotated))).name, "alice");
      assert.equal(jwks.requests - before, 2);
    } finally {
      jwks.keys = [rsa.jwk, ec.jwk];
    }
  });

  test("keys are fetched again once jwksCacheMs old", async () => {
    const v = verifier({ jwksCacheMs: 60_000 });
    await v.verify(await sign(rsa));
    const before = jwks.requests;
    await v.verify(await sign(rsa));
    assert.equal(jwks.requests, before);
    await clock.advance(60_000);
    await v.verify(await sign(rsa));
    assert.equal(jwks.requests - before, 1);
  });
});

describe("an issuer endpoint that misbehaves", () => {
  test("hanging: refused once the timeout passes; recovers when the endpoint answers again", async () => {
    const logger = createRecordingLogger();
    const v = verifier({ jwksTimeoutMs: 300 }, { logger });
    jwks.behaviour = "hang";
    try {
      await refused(v.verify(await sign(rsa)), /signing keys could not be fetched/);
      assert.ok(logger.lines.some((l) => l.level === "warn" && /within 300 ms/.test(String(l.fields.error))));
      await refused(v.verify(await sign(rsa)), /signing keys could not be fetched/);
    } finally {
      jwks.behaviour = "serve";
    }
    await clock.advance(30_000);
    assert.equal((await v.verify(await sign(rsa))).name, "alice");
  });

  test("answering 100 MB: cut off at the size cap, the connection dropped", async () => {
    const logger = createRecordingLogger();
    const v = verifier({ jwksTimeoutMs: 60_000 }, { logger });
    jwks.behaviour = "huge";
    jwks.hugeBytesSent = 0;
    try {
      await refused(v.verify(await sign(rsa)), /signing keys could not be fetched/);
    } finally {
      jwks.behaviour = "serve";
    }
    const warning = logger.lines.find((l) => l.level === "warn");
    assert.match(String(warning?.fields.error), /more than the 262144 bytes allowed/);
    assert.ok(jwks.hugeBytesSent < 100 * 1024 * 1024, `the server got to send ${jwks.hugeBytesSent} bytes`);
  });

  test("down: refused at once, fetched again only when a refresh is due, then recovered", async () => {
    const v = verifier();
    await jwks.stop();
    try {
      await refused(v.verify(await sign(rsa)), /signing keys could not be fetched/);
      await jwks.start();
      const before = jwks.requests;
      await refused(v.verify(await sign(rsa)), /signing keys could not be fetched/);
      assert.equal(jwks.requests, before, "no fetch within jwksMinRefreshMs of the failed one");
      await clock.advance(30_000);
      assert.equal((await v.verify(await sign(rsa))).name, "alice");
    } finally {
      if (!jwks.running) await jwks.start();
    }
  });

  test("down after a successful fetch: the keys already fetched stay in use", async () => {
    const v = verifier({ jwksCacheMs: 60_000 });
    await v.verify(await sign(rsa));
    await jwks.stop();
    try {
      await clock.advance(60_000);
      assert.equal((await v.verify(await sign(rsa))).name, "alice");
    } finally {
      await jwks.start();
    }
  });

  for (const [behaviour, reason] of [
    ["status500", /answered HTTP 500/],
    ["not-json", /not JSON/],
    ["not-a-set", /not a JWK set/],
  ] as const) {
    test(`${behaviour}: refused, and the log says why`, async () => {
      const logger = createRecordingLogger();
      const v = verifier({}, { logger });
      jwks.behaviour = behaviour;
      try {
        await refused(v.verify(await sign(rsa)), /signing keys could not be fetched/);
      } finally {
        jwks.behaviour = "serve";
      }
      assert.match(String(logger.lines.find((l) => l.level === "warn")?.fields.error), reason);
    });
  }
});

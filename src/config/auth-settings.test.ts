// gateway.auth: defaults, what each mode needs, the refused algorithms and URLs, and the environment overrides.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSwitchboardError } from "../core/errors.ts";
import type { ConfigProblem } from "../core/gateway-config.ts";
import { AUTH_MODES } from "../core/identity.ts";
import { AuthSchema } from "./auth-schema.ts";
import { normalizeAuth } from "./auth-settings.ts";
import { normalizeConfig } from "./load.ts";

const JWT = {
  jwksUrl: "https://login.example.com/jwks",
  issuer: "https://login.example.com",
  audiences: "https://mcp.example.com/mcp",
};

function normalize(raw: unknown): { settings: ReturnType<typeof normalizeAuth>; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  return { settings: normalizeAuth(AuthSchema.parse(raw), problems), problems };
}

const paths = (problems: readonly ConfigProblem[]) => problems.map((p) => p.path);

describe("gateway.auth", () => {
  test("defaults: no authentication", () => {
    const { settings, problems } = normalize({});
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      mode: "none",
      publicUrl: undefined,
      acceptApiKeys: true,
      jwt: undefined,
      oauth: undefined,
      adminGroups: ["admin"],
      adminScope: "switchboard:admin",
      keyCacheMs: 30_000,
    });
  });

  test("the schema accepts exactly the modes of AUTH_MODES, the one list the type is built from", () => {
    assert.deepEqual(AuthSchema.shape.mode.unwrap().options, [...AUTH_MODES]);
    assert.equal(AuthSchema.safeParse({ mode: "basic" }).success, false);
  });

  test("mode jwt: the JWT settings with their defaults, one audience becoming a list", () => {
    const { settings, problems } = normalize({ mode: "jwt", jwt: JWT });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.jwt, {
      ...JWT,
      audiences: ["https://mcp.example.com/mcp"],
      algorithms: ["RS256", "PS256", "ES256", "EdDSA"],
      clockSkewMs: 30_000,
      principalClaim: "sub",
      groupsClaim: "groups",
      jwksCacheMs: 600_000,
      jwksMinRefreshMs: 30_000,
      jwksTimeoutMs: 5000,
    });
    assert.equal(settings.oauth, undefined);
  });

  test("mode jwt and oauth need jwksUrl, issuer and audiences", () => {
    for (const mode of ["jwt", "oauth"]) {
      const { settings, problems } = normalize({
        mode,
        oauth: { authorizationServers: ["https://login.example.com"] },
      });
      assert.deepEqual(paths(problems), [
        "gateway.auth.jwt.jwksUrl",
        "gateway.auth.jwt.issuer",
        "gateway.auth.jwt.audiences",
      ]);
      assert.match(problems[0]?.message ?? "", /required when gateway.auth.mode is jwt or oauth/);
      assert.equal(settings.jwt, undefined);
    }
  });

  test("JWT settings are not required, nor kept, in modes none and apiKey", () => {
    const { settings, problems } = normalize({ mode: "apiKey", jwt: { issuer: "https://x.example.com" } });
    assert.deepEqual(problems, []);
    assert.equal(settings.jwt, undefined);
  });

  test("none and HS* algorithms are refused with the reason; unknown ones are named", () => {
    const { problems } = normalize({
      mode: "jwt",
      jwt: { ...JWT, algorithms: ["RS256", "HS256", "none", "hs512", "RS1"] },
    });
    assert.deepEqual(paths(problems), [
      "gateway.auth.jwt.algorithms[1]",
      "gateway.auth.jwt.algorithms[2]",
      "gateway.auth.jwt.algorithms[3]",
      "gateway.auth.jwt.algorithms[4]",
    ]);
    assert.match(
      problems[0]?.message ?? "",
      /symmetric algorithms are refused: a public key must never verify an HMAC/,
    );
    assert.match(problems[1]?.message ?? "", /"none" is refused/);
    assert.match(problems[3]?.message ?? "", /unknown algorithm "RS1"/);
  });

  test("the JWKS URL must be https, or http on a loopback host", () => {
    for (const jwksUrl of ["http://127.0.0.1:9000/jwks", "http://localhost/jwks", "http://[::1]:4000/jwks"]) {
      assert.deepEqual(normalize({ mode: "jwt", jwt: { ...JWT, jwksUrl } }).problems, [], jwksUrl);
    }
    for (const jwksUrl of [
      "http://login.example.com/jwks",
      "http://127.example.com/jwks",
      "ftp://x/jwks",
      "jwks.json",
    ]) {
      const { problems } = normalize({ mode: "jwt", jwt: { ...JWT, jwksUrl } });
      assert.deepEqual(paths(problems), ["gateway.auth.jwt.jwksUrl"], jwksUrl);
    }
    assert.match(
      normalize({ mode: "jwt", jwt: { ...JWT, jwksUrl: "http://idp.internal/jwks" } }).problems[0]?.message ?? "",
      /must use https \(http is allowed only for loopback hosts/,
    );
  });

  test("mode oauth: at least one authorization server, each an https URL", () => {
    const none = normalize({ mode: "oauth", jwt: JWT });
    assert.deepEqual(paths(none.problems), ["gateway.auth.oauth.authorizationServers"]);
    assert.match(none.problems[0]?.message ?? "", /at least one authorization server/);
    const bad = normalize({ mode: "oauth", jwt: JWT, oauth: { authorizationServers: ["http://login.example.com"] } });
    assert.deepEqual(paths(bad.problems), ["gateway.auth.oauth.authorizationServers[0]"]);
    const good = normalize({
      mode: "oauth",
      publicUrl: "https://mcp.example.com/",
      jwt: { ...JWT, audiences: ["https://mcp.example.com/mcp", "https://mcp.example.com"] },
      oauth: { authorizationServers: ["https://login.example.com"], requiredScopes: ["mcp"] },
    });
    assert.deepEqual(good.problems, []);
    assert.equal(good.settings.publicUrl, "https://mcp.example.com");
    assert.deepEqual(good.settings.oauth, {
      authorizationServers: ["https://login.example.com"],
      scopesSupported: [],
      requiredScopes: ["mcp"],
    });
  });

  test("publicUrl: an https base URL without query or fragment", () => {
    assert.deepEqual(paths(normalize({ publicUrl: "http://mcp.example.com" }).problems), ["gateway.auth.publicUrl"]);
    assert.deepEqual(paths(normalize({ publicUrl: "https://mcp.example.com/?a=1" }).problems), [
      "gateway.auth.publicUrl",
    ]);
    assert.equal(normalize({ publicUrl: "http://127.0.0.1:8080" }).settings.publicUrl, "http://127.0.0.1:8080");
  });

  test("unknown keys and bad types are reported by the schema", () => {
    const result = AuthSchema.safeParse({ mode: "saml", jwt: { jwksURL: "x" } });
    assert.equal(result.success, false);
  });
});

describe("gateway.auth in a whole configuration, with environment overrides", () => {
  test("MCP_AUTH_MODE, MCP_AUTH_JWKS_URL, MCP_AUTH_ISSUER and MCP_AUTH_AUDIENCE fill in gateway.auth", () => {
    const config = normalizeConfig({ gateway: { auth: { jwt: { clockSkewMs: 5000 } } } }, undefined, {
      env: {
        MCP_AUTH_MODE: "JWT",
        MCP_AUTH_JWKS_URL: "https://login.example.com/jwks",
        MCP_AUTH_ISSUER: "https://login.example.com",
        MCP_AUTH_AUDIENCE: "https://mcp.example.com/mcp, api://switchboard",
      },
    });
    assert.equal(config.gateway.auth.mode, "jwt");
    assert.equal(config.gateway.auth.jwt?.jwksUrl, "https://login.example.com/jwks");
    assert.equal(config.gateway.auth.jwt?.issuer, "https://login.example.com");
    assert.deepEqual(config.gateway.auth.jwt?.audiences, ["https://mcp.example.com/mcp", "api://switchboard"]);
    assert.equal(config.gateway.auth.jwt?.clockSkewMs, 5000);
    assert.deepEqual(config.gateway.auth.jwt?.algorithms, ["RS256", "PS256", "ES256", "EdDSA"]);
  });

  test("MCP_AUTH_MODE=apikey is the apiKey mode; an unknown mode is a problem named after the variable", () => {
    assert.equal(normalizeConfig({}, undefined, { env: { MCP_AUTH_MODE: "apikey" } }).gateway.auth.mode, "apiKey");
    assert.throws(
      () => normalizeConfig({}, undefined, { env: { MCP_AUTH_MODE: "kerberos" } }),
      (error) =>
        isSwitchboardError(error, "config_invalid") &&
        ((error.data?.problems ?? []) as ConfigProblem[]).some((p) => p.path === "env.MCP_AUTH_MODE"),
    );
  });

  test("every problem of gateway.auth is listed with its path", () => {
    assert.throws(
      () =>
        normalizeConfig({ gateway: { auth: { mode: "oauth", jwt: { algorithms: ["HS256"] } } } }, undefined, {
          env: {},
        }),
      (error) => {
        assert.ok(isSwitchboardError(error, "config_invalid"));
        assert.deepEqual(paths((error.data?.problems ?? []) as ConfigProblem[]), [
          "gateway.auth.jwt.jwksUrl",
          "gateway.auth.jwt.issuer",
          "gateway.auth.jwt.audiences",
          "gateway.auth.jwt.algorithms[0]",
          "gateway.auth.oauth.authorizationServers",
        ]);
        return true;
      },
    );
  });
});

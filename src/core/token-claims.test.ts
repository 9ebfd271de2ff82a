// Reading the caller out of verified token claims.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_PRINCIPAL_CHARS, missingScopes, principalFromClaims } from "./token-claims.ts";

const names = { principalClaim: "sub", groupsClaim: "groups" };

describe("principal from claims", () => {
  test("subject, groups, scopes and jti", () => {
    assert.deepEqual(
      principalFromClaims(
        { sub: "alice", groups: ["dev", "ops"], scope: "a b  c", jti: "t-1", aud: "https://mcp.example/mcp" },
        names,
        "jwt",
      ),
      {
        principal: {
          name: "alice",
          groups: ["dev", "ops"],
          scopes: ["a", "b", "c"],
          via: "jwt",
          credentialId: "t-1",
          audiences: ["https://mcp.example/mcp"],
        },
      },
    );
  });

  test("groups as one space-separated string; scp as an array or a string", () => {
    const a = principalFromClaims({ sub: "bob", groups: "dev ops", scp: ["x", "y"] }, names, "oauth");
    assert.ok("principal" in a);
    assert.deepEqual(a.principal.groups, ["dev", "ops"]);
    assert.deepEqual(a.principal.scopes, ["x", "y"]);
    const b = principalFromClaims({ sub: "bob", scp: "x y" }, names, "oauth");
    assert.ok("principal" in b);
    assert.deepEqual(b.principal.scopes, ["x", "y"]);
    assert.equal(b.principal.credentialId, undefined);
  });

  test("any other shape of groups or scopes grants none", () => {
    for (const groups of [42, { admin: true }, ["admin", 1], null, true]) {
      const result = principalFromClaims({ sub: "eve", groups, scope: ["admin"] }, names, "jwt");
      assert.ok("principal" in result);
      assert.deepEqual(result.principal.groups, [], JSON.stringify(groups));
      assert.deepEqual(result.principal.scopes, []);
    }
  });

  test("a custom principal claim and groups claim", () => {
    const result = principalFromClaims(
      { sub: "x", email: "a@example.com", roles: ["admin"] },
      {
        principalClaim: "email",
        groupsClaim: "roles",
      },
      "jwt",
    );
    assert.ok("principal" in result);
    assert.equal(result.principal.name, "a@example.com");
    assert.deepEqual(result.principal.groups, ["admin"]);
  });

  test("no principal: missing, empty, not a string, or too long", () => {
    for (const sub of [undefined, "", "  ", 7, ["alice"], "a".repeat(MAX_PRINCIPAL_CHARS + 1)]) {
      const result = principalFromClaims({ sub }, names, "jwt");
      assert.ok("problem" in result, JSON.stringify(sub));
      assert.match(result.problem, /"sub" claim/);
    }
  });

  test("missing scopes", () => {
    const result = principalFromClaims({ sub: "a", scope: "read write" }, names, "oauth");
    assert.ok("principal" in result);
    assert.deepEqual(missingScopes(result.principal, ["read", "admin"]), ["admin"]);
    assert.deepEqual(missingScopes(result.principal, []), []);
  });
});

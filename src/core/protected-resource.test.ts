// RFC 9728 metadata, its well-known location, and the RFC 6750 Bearer challenge.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { metadataPathFor, metadataUrlFor, protectedResourceMetadata, wwwAuthenticate } from "./protected-resource.ts";

describe("protected-resource metadata", () => {
  test("lists the resource, its authorization servers and the header as the only bearer method", () => {
    assert.deepEqual(
      protectedResourceMetadata({
        resource: "https://mcp.example.com/mcp",
        authorizationServers: ["https://login.example.com"],
        scopesSupported: ["switchboard:tools", "switchboard:admin"],
        resourceName: "Switchboard",
      }),
      {
        resource: "https://mcp.example.com/mcp",
        authorization_servers: ["https://login.example.com"],
        scopes_supported: ["switchboard:tools", "switchboard:admin"],
        bearer_methods_supported: ["header"],
        resource_name: "Switchboard",
      },
    );
  });

  test("leaves out empty scopes and an absent name", () => {
    const metadata = protectedResourceMetadata({
      resource: "https://mcp.example.com/mcp",
      authorizationServers: ["https://a.example.com", "https://b.example.com"],
      scopesSupported: [],
    });
    assert.deepEqual(Object.keys(metadata).sort(), ["authorization_servers", "bearer_methods_supported", "resource"]);
    assert.deepEqual(metadata.authorization_servers, ["https://a.example.com", "https://b.example.com"]);
  });
});

describe("metadata location (RFC 9728 §3.1)", () => {
  test("the well-known segment goes between the host and the endpoint's path", () => {
    assert.equal(metadataPathFor("/mcp"), "/.well-known/oauth-protected-resource/mcp");
    assert.equal(metadataPathFor("/mcp/fs"), "/.well-known/oauth-protected-resource/mcp/fs");
    assert.equal(metadataPathFor("mcp/fs"), "/.well-known/oauth-protected-resource/mcp/fs");
  });

  test("the root drops its slash", () => {
    assert.equal(metadataPathFor("/"), "/.well-known/oauth-protected-resource");
    assert.equal(metadataPathFor(""), "/.well-known/oauth-protected-resource");
  });

  test("an absolute resource URL gives the absolute metadata URL", () => {
    assert.equal(
      metadataUrlFor("https://mcp.example.com:8443/mcp/fs"),
      "https://mcp.example.com:8443/.well-known/oauth-protected-resource/mcp/fs",
    );
    assert.equal(
      metadataUrlFor("https://mcp.example.com"),
      "https://mcp.example.com/.well-known/oauth-protected-resource",
    );
  });
});

describe("WWW-Authenticate", () => {
  test("bare Bearer when there is nothing to say", () => {
    assert.equal(wwwAuthenticate({}), "Bearer");
  });

  test("a missing token points to the metadata only", () => {
    assert.equal(
      wwwAuthenticate({ resourceMetadata: "https://h/.well-known/oauth-protected-resource/mcp" }),
      'Bearer resource_metadata="https://h/.well-known/oauth-protected-resource/mcp"',
    );
  });

  test("an insufficient scope names the error, its description and the scope needed", () => {
    assert.equal(
      wwwAuthenticate({
        error: "insufficient_scope",
        description: "the token lacks a required scope",
        resourceMetadata: "https://h/.well-known/oauth-protected-resource",
        scope: "switchboard:tools switchboard:admin",
      }),
      'Bearer resource_metadata="https://h/.well-known/oauth-protected-resource", error="insufficient_scope", ' +
        'error_description="the token lacks a required scope", scope="switchboard:tools switchboard:admin"',
    );
  });

  test("quotes and backslashes are escaped; control and non-ASCII characters cannot reach the header", () => {
    const value = wwwAuthenticate({ error: "invalid_token", description: 'say "hi" \\ bye\r\nSet-Cookie: x=1 é' });
    assert.equal(value, 'Bearer error="invalid_token", error_description="say \\"hi\\" \\\\ bye??Set-Cookie: x=1 ?"');
    assert.doesNotMatch(value, /[\r\n]/);
  });
});

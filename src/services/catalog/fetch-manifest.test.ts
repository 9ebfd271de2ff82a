// The spec hash a cached manifest is kept under: whatever decides which server answers (command, arguments,
// working directory and the names of its env for a child; URL and header names for a remote server) changes it,
// so a manifest cached for another server is never served; secret values do not enter it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../config/load.ts";
import type { ServerSpec } from "../../core/server-spec.ts";
import { specHash } from "./fetch-manifest.ts";

function hashOf(entry: Record<string, unknown>): string {
  const config = parseConfig(JSON.stringify({ servers: { x: entry } }), undefined);
  return specHash(config.servers[0] as ServerSpec);
}

describe("manifest spec hash", () => {
  it("a child server: command, args, cwd and env names change it; env values do not", () => {
    const base = { command: "node", args: ["server.js"], cwd: "/srv", env: { TOKEN: "one" } };
    const hash = hashOf(base);
    assert.equal(hashOf({ ...base }), hash, "the same spec, the same hash");
    assert.notEqual(hashOf({ ...base, command: "deno" }), hash, "command");
    assert.notEqual(hashOf({ ...base, args: ["other.js"] }), hash, "args");
    assert.notEqual(hashOf({ ...base, cwd: "/elsewhere" }), hash, "cwd");
    assert.notEqual(hashOf({ ...base, env: { TOKEN: "one", MODE: "x" } }), hash, "env names");
    assert.equal(hashOf({ ...base, env: { TOKEN: "two" } }), hash, "env values are not part of it");
  });

  it("a remote server: URL and header names change it; header values do not", () => {
    const base = { url: "https://one.example/mcp", headers: { Authorization: "Bearer one" } };
    const hash = hashOf(base);
    assert.equal(hashOf({ ...base }), hash, "the same spec, the same hash");
    assert.notEqual(hashOf({ ...base, url: "https://two.example/mcp" }), hash, "URL");
    assert.notEqual(hashOf({ ...base, headers: { Authorization: "Bearer one", "X-Team": "a" } }), hash, "header names");
    assert.equal(
      hashOf({ ...base, headers: { Authorization: "Bearer two" } }),
      hash,
      "header values are not part of it",
    );
  });
});

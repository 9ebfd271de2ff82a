// The base URL a new user opens, and errors that can name the request: `GET /` describes the gateway and its
// endpoints; `POST /mcp/{unknown}` answers with the request's own id.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fixtureServer, REPO_ROOT, startTestGateway, type TestGateway } from "./helpers/gateway.ts";
import { rawRequest } from "./helpers/raw-http.ts";

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({ fx: fixtureServer() });
});
after(() => gw?.close());

const post = (id: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
  body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list", params: {} }),
});

describe("GET /", () => {
  it("answers 200 JSON with name, version, the MCP endpoints and the admin and health URLs", async () => {
    const reply = await rawRequest(`${gw.url}/`);
    assert.equal(reply.status, 200, reply.text);
    assert.match(String(reply.headers["content-type"]), /^application\/json/);
    const body = reply.body as {
      name: string;
      version: string;
      mcp: Record<string, string>;
      admin: Record<string, string>;
    };
    assert.equal(body.name, "switchboard");
    assert.equal(body.version, VERSION);
    assert.equal(body.mcp.aggregate, "/mcp");
    assert.equal(body.mcp.server, "/mcp/{server}");
    assert.equal(body.admin.health, "/health");
    assert.equal(body.admin.servers, "/servers");
    assert.equal((reply.body as { error?: unknown }).error, undefined);
  });

  it("other methods on / are still refused", async () => {
    const reply = await rawRequest(`${gw.url}/`, post(1));
    assert.notEqual(reply.status, 200, reply.text);
  });
});

describe("POST /mcp/{unknown server}", () => {
  for (const id of [1, "req-7"]) {
    it(`echoes the request id ${JSON.stringify(id)} in the 404 error`, async () => {
      const reply = await rawRequest(`${gw.url}/mcp/nosuch`, post(id));
      assert.equal(reply.status, 404, reply.text);
      const body = reply.body as { id: unknown; error: { message: string } };
      assert.equal(body.id, id);
      assert.match(body.error.message, /no server named "nosuch"/);
    });
  }

  it("answers id null when the body has no readable id", async () => {
    const reply = await rawRequest(`${gw.url}/mcp/nosuch`, { ...post(1), body: "{not json" });
    assert.equal(reply.status, 404, reply.text);
    assert.equal((reply.body as { id: unknown }).id, null);
  });
});

// Output budgets end to end, with a real stdio server of large results (test/fixtures/bulky-server.ts): results
// over budget are cut with a handle and paged back exactly with read_result (an SDK client on /mcp, raw requests on
// /mcp/{server}), budgets per tool and server, projection, unknown and expired handles, and two `switchboard serve`
// processes sharing Redis (cut on one, paged on the other; SWITCHBOARD_TEST_REDIS_URL, own key prefix per run).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Redis } from "ioredis";
import { type ServeProcess, startServe, writeConfig } from "./helpers/cli-process.ts";
import { post, request, startTestGateway, type TestGateway, tempDir, waitUntil } from "./helpers/gateway.ts";

const BULKY = fileURLToPath(new URL("./fixtures/bulky-server.ts", import.meta.url));
const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const TRUNCATED = "switchboard/truncated";

type Item = { type: string; text?: string; [key: string]: unknown };
type ToolResult = { content: Item[]; isError?: boolean; structuredContent?: unknown; _meta?: Record<string, any> };

const bulky = (extra: Record<string, unknown> = {}) => ({ command: process.execPath, args: [BULKY], ...extra });

/** Three entries of the same fixture: a tight server budget with a roomy tool, the default, and no budget. */
const SERVERS = {
  tight: bulky({ maxResultTokens: 300, tools: { mixed: { maxResultTokens: 4_000 } } }),
  plain: bulky({ tools: { json: { fields: ["total", "items.id"] } } }),
  open: bulky({ maxResultTokens: 0 }),
};

async function call(endpoint: string, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const reply = await post(endpoint, request("tools/call", { name, arguments: args }));
  assert.equal(reply.status, 200, reply.text);
  assert.ok(reply.body.result, reply.text);
  return reply.body.result as ToolResult;
}

/** The items a cut reply showed and every page read after it from `endpoint`, markers left out. */
async function readAll(endpoint: string, cut: ToolResult): Promise<Item[]> {
  let meta = cut._meta?.[TRUNCATED];
  assert.ok(meta?.handle, "the reply was cut");
  const items = cut.content.slice(0, -1);
  while (meta) {
    const page = await call(endpoint, "read_result", { handle: meta.handle, offset: meta.offset });
    assert.notEqual(page.isError, true, JSON.stringify(page));
    meta = page._meta?.[TRUNCATED];
    items.push(...(meta ? page.content.slice(0, -1) : page.content));
  }
  return items;
}

const textOf = (items: readonly Item[]) =>
  items
    .filter((item) => item.type === "text")
    .map((item) => item.text)
    .join("");

describe("output budgets through the gateway", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway(SERVERS, { gateway: { budgets: { maxResultTokens: 1_000 } } });
  });
  after(() => t?.close());

  it("cuts a result over budget with a handle; an SDK client pages it back exactly with read_result", async () => {
    const client = new Client({ name: "budgets-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`)));
    try {
      const listed = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(listed.includes("read_result"), listed.join(", "));
      const whole = (await client.callTool({ name: "open__text", arguments: { chars: 30_000 } })) as ToolResult;
      assert.equal(whole._meta?.[TRUNCATED], undefined, "no budget on `open`");
      const original = String(whole.content[0]?.text);
      assert.equal(original.length, 30_000);

      const cut = (await client.callTool({ name: "plain__text", arguments: { chars: 30_000 } })) as ToolResult;
      const meta = cut._meta?.[TRUNCATED];
      assert.match(meta.handle, /^[A-Za-z0-9_-]{22,}$/);
      assert.equal(meta.offset, 0);
      assert.ok(meta.shownTokens > 300 && meta.shownTokens <= 1_000, JSON.stringify(meta));
      assert.ok(meta.totalTokens > 1_000);
      const marker = String(cut.content.at(-1)?.text);
      assert.match(marker, /^\[Result cut to fit the output budget: about \d+ of \d+ tokens shown \(o200k estimate\)/);
      assert.ok(marker.includes(`read_result {"handle":"${meta.handle}","offset":0}`), marker);
      assert.ok(original.startsWith(String(cut.content[0]?.text)));

      let pages = 0;
      let text = String(cut.content[0]?.text);
      for (let at = meta; at; pages++) {
        const page = (await client.callTool({
          name: "read_result",
          arguments: { handle: at.handle, offset: at.offset },
        })) as ToolResult;
        at = page._meta?.[TRUNCATED];
        text += textOf(at ? page.content.slice(0, -1) : page.content);
      }
      assert.equal(text, original);
      assert.ok(pages > 5, `${pages} pages`);
    } finally {
      await client.close();
    }
  });

  it("cuts on a server's own endpoint too, and read_result works there", async () => {
    const endpoint = `${t.url}/mcp/tight`;
    const original = (await call(`${t.url}/mcp/open`, "text", { chars: 8_000 })).content[0]?.text;
    const cut = await call(endpoint, "text", { chars: 8_000 });
    assert.ok(cut._meta?.[TRUNCATED].shownTokens <= 300);
    assert.equal(textOf(await readAll(endpoint, cut)), original);
  });

  it("a server's own endpoint pages only that server's results", async () => {
    const cut = await call(`${t.url}/mcp/tight`, "text", { chars: 8_000 });
    const handle = cut._meta?.[TRUNCATED].handle;
    assert.ok(handle);
    const elsewhere = await call(`${t.url}/mcp/plain`, "read_result", { handle, offset: 0 });
    assert.equal(elsewhere.isError, true, JSON.stringify(elsewhere));
    assert.match(String(elsewhere.content[0]?.text), /No result is kept under handle/);
    const aggregate = await call(`${t.url}/mcp`, "read_result", { handle, offset: 0 });
    assert.notEqual(aggregate.isError, true, "the aggregate endpoint pages every server's results");
  });

  it("budgets of a tool and of a server override the gateway default", async () => {
    const server = await call(`${t.url}/mcp`, "tight__text", { chars: 3_000 });
    assert.ok(server._meta?.[TRUNCATED].shownTokens <= 300, "the server's 300");
    const tool = await call(`${t.url}/mcp`, "tight__mixed", { chars: 3_000 });
    assert.equal(tool._meta?.[TRUNCATED], undefined, "the tool's 4000");
    assert.equal(tool.content.length, 3);
  });

  it("an image after the cut goes to the rest and comes back whole, in order", async () => {
    const whole = await call(`${t.url}/mcp`, "open__mixed", { chars: 20_000 });
    const cut = await call(`${t.url}/mcp`, "tight__mixed", { chars: 20_000 });
    assert.ok(cut._meta?.[TRUNCATED]);
    const items = await readAll(`${t.url}/mcp`, cut);
    const image = items.findIndex((item) => item.type === "image");
    assert.deepEqual(items[image], whole.content[1]);
    assert.equal(textOf(items.slice(0, image)), whole.content[0]?.text);
    assert.equal(textOf(items.slice(image + 1)), "The end.");
  });

  it("projects JSON results with the tool's fields, or with call_tool's instead", async () => {
    const configured = await call(`${t.url}/mcp`, "plain__json", { count: 3 });
    const expected = { total: 3, items: [{ id: 0 }, { id: 1 }, { id: 2 }] };
    assert.deepEqual(configured.structuredContent, expected);
    assert.deepEqual(JSON.parse(String(configured.content[0]?.text)), expected);
    const asked = await call(`${t.url}/mcp`, "call_tool", {
      name: "plain__json",
      arguments: { count: 2 },
      fields: ["items.detail.owner", "missing.path"],
    });
    assert.deepEqual(asked.structuredContent, {
      items: [{ detail: { owner: "owner-0" } }, { detail: { owner: "owner-1" } }],
    });
  });

  it("an unknown handle or a bad offset is a tool error that says what to do", async () => {
    const unknown = await call(`${t.url}/mcp`, "read_result", { handle: "no-such-handle", offset: 0 });
    assert.equal(unknown.isError, true);
    assert.match(
      String(unknown.content[0]?.text),
      /No result is kept under handle "no-such-handle".*Call the tool again/,
    );
    const cut = await call(`${t.url}/mcp`, "tight__text", { chars: 3_000 });
    const past = await call(`${t.url}/mcp`, "read_result", { handle: cut._meta?.[TRUNCATED].handle, offset: 1e9 });
    assert.equal(past.isError, true);
    assert.match(String(past.content[0]?.text), /past the end/);
  });
});

describe("an expired handle", () => {
  it("gives a tool error once the result's time to live has passed", async () => {
    const t = await startTestGateway(
      { tight: SERVERS.tight },
      { gateway: { budgets: { maxResultTokens: 1_000, resultTtlMs: 1_000 } } },
    );
    try {
      const cut = await call(`${t.url}/mcp`, "tight__text", { chars: 3_000 });
      const handle = cut._meta?.[TRUNCATED].handle;
      await waitUntil(async () => (await call(`${t.url}/mcp`, "read_result", { handle, offset: 0 })).isError === true);
      const expired = await call(`${t.url}/mcp`, "read_result", { handle, offset: 0 });
      assert.match(String(expired.content[0]?.text), /expired \(cut results are kept 1 s\)/);
    } finally {
      await t.close();
    }
  });
});

describe("two gateway processes sharing Redis", () => {
  const prefix = `sb-budgets-${randomBytes(4).toString("hex")}:`;
  const dirs = [tempDir("switchboard-budgets-a-"), tempDir("switchboard-budgets-b-")];
  const serves: ServeProcess[] = [];
  before(async () => {
    const gateway = { redis: { url: REDIS_URL, keyPrefix: prefix }, budgets: { maxResultTokens: 500 } };
    for (const dir of dirs) serves.push(await startServe(writeConfig(dir, SERVERS, gateway)));
  });
  after(async () => {
    for (const serve of serves) {
      if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill("SIGTERM");
      await serve.exited;
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it("a result cut on one process is paged on the other", async () => {
    const [a, b] = serves.map((serve) => `${serve.url}/mcp`) as [string, string];
    const original = (await call(b, "open__text", { chars: 20_000 })).content[0]?.text;
    const cut = await call(a, "plain__text", { chars: 20_000 });
    const meta = cut._meta?.[TRUNCATED];
    assert.ok(meta.shownTokens <= 500);
    const redis = new Redis(REDIS_URL);
    try {
      assert.ok(await redis.exists(`${prefix}result:${meta.handle}`), "the rest is in Redis");
    } finally {
      await redis.quit();
    }
    assert.equal(textOf(await readAll(b, cut)), original);
  });
});

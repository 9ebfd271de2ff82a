// Output budgets and tools that declare an outputSchema, with the real server-filesystem and the official SDK
// clients over HTTP, under the DEFAULT budget: a big read_text_file is cut without breaking the client (the listing
// no longer promises structuredContent for a tool whose results can be cut), and read_result pages the rest with
// every character of the file exactly once (server-filesystem repeats the text as structuredContent.content).
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as HttpTransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { referenceServers, startTestGateway, type TestGateway, tempDir } from "./helpers/gateway.ts";

const TRUNCATED = "switchboard/truncated";
/** The default gateway budget (gateway.budgets.maxResultTokens); pages are as large when pageTokens is 0. */
const DEFAULT_BUDGET = 25_000;

type Item = { type: string; text?: string };
type ToolResult = { content: Item[]; isError?: boolean; structuredContent?: unknown; _meta?: Record<string, any> };
type Tool = { name: string; outputSchema?: unknown };

/** What both SDK clients offer here. */
interface SdkClient {
  listTools(): Promise<{ tools: Tool[] }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

async function connect(version: "v1" | "v2", url: string): Promise<SdkClient> {
  const info = { name: `budgets-output-schema-${version}`, version: "1.0.0" };
  if (version === "v1") {
    const client = new ClientV1(info);
    await client.connect(new HttpTransportV1(new URL(url)));
    return client as unknown as SdkClient;
  }
  const client = new ClientV2(info);
  await client.connect(new HttpTransportV2(new URL(url)));
  return client as unknown as SdkClient;
}

/** About 236 KB of varied English lines, none alike (numbers differ), so a repeated stretch would show. */
function bigFile(bytes: number): string {
  const words = ["gateway", "budget", "page", "handle", "result", "schema", "client", "server", "token", "cut"];
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const line = `${i}: the ${words[i % 10]} and the ${words[(i * 7) % 10]} met ${i * 31} times.${i % 9 === 0 ? "\n" : ""}`;
    lines.push(line);
    length += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
}

/** Calls the tool, then pages every rest with read_result; the text of every part (markers left out), and the pages. */
async function readWhole(client: SdkClient, tool: string, args: Record<string, unknown>) {
  const first = (await client.callTool({ name: tool, arguments: args })) as ToolResult;
  let meta = first._meta?.[TRUNCATED];
  assert.ok(meta?.handle, `the reply was cut: ${JSON.stringify(first._meta)}`);
  assert.equal(first.structuredContent, undefined, "a cut reply carries no structuredContent");
  const parts = [textOf(first.content.slice(0, -1))];
  let pages = 0;
  while (meta) {
    const page = (await client.callTool({
      name: "read_result",
      arguments: { handle: meta.handle, offset: meta.offset },
    })) as ToolResult;
    assert.notEqual(page.isError, true, JSON.stringify(page).slice(0, 500));
    pages++;
    assert.ok(pages < 50, "paging ends");
    meta = page._meta?.[TRUNCATED];
    parts.push(textOf(meta ? page.content.slice(0, -1) : page.content));
  }
  return { parts, pages, totalTokens: first._meta?.[TRUNCATED].totalTokens as number };
}

const textOf = (items: readonly Item[]) =>
  items
    .filter((item) => item.type === "text")
    .map((item) => item.text)
    .join("");

describe("a tool with an outputSchema under the default budget", () => {
  let t: TestGateway;
  let workspace: string;
  const file = bigFile(236_000);

  before(async () => {
    workspace = tempDir("switchboard-output-schema-");
    writeFileSync(join(workspace, "big.txt"), file);
    writeFileSync(join(workspace, "small.txt"), "a small file\n");
    const { filesystem } = referenceServers(workspace);
    // `whole` is the same server with no budget: its results are never cut, so its outputSchema stays listed.
    t = await startTestGateway({ filesystem, whole: { ...filesystem, maxResultTokens: 0 } });
  });
  after(async () => {
    await t?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  for (const version of ["v1", "v2"] as const) {
    it(`SDK ${version}: a 236 KB read_text_file succeeds cut, and read_result gives every character once`, async () => {
      const client = await connect(version, `${t.url}/mcp`);
      try {
        const tools = (await client.listTools()).tools;
        const listed = tools.find((tool) => tool.name === "filesystem__read_text_file");
        assert.ok(listed, "the tool is listed");
        assert.equal(listed.outputSchema, undefined, "a tool whose results can be cut promises no structuredContent");
        const { parts, pages, totalTokens } = await readWhole(client, "filesystem__read_text_file", {
          path: join(workspace, "big.txt"),
        });
        assert.equal(parts.join("").length, file.length, "no character shown twice or left out");
        assert.equal(parts.join(""), file);
        // The file is about 60k tokens: the cut reply and pages of up to DEFAULT_BUDGET tokens each.
        assert.ok(totalTokens < file.length / 3, `the file is counted once: ${totalTokens} tokens`);
        assert.ok(pages <= Math.ceil(totalTokens / (DEFAULT_BUDGET * 0.75)), `${pages} pages`);
      } finally {
        await client.close();
      }
    });
  }

  it("SDK v1 on the server's own endpoint: listed without outputSchema, cut and paged", async () => {
    const client = await connect("v1", `${t.url}/mcp/filesystem`);
    try {
      const tools = (await client.listTools()).tools;
      assert.equal(tools.find((tool) => tool.name === "read_text_file")?.outputSchema, undefined);
      assert.ok(tools.some((tool) => tool.name === "read_result"));
      const { parts } = await readWhole(client, "read_text_file", { path: join(workspace, "big.txt") });
      assert.equal(parts.join(""), file);
    } finally {
      await client.close();
    }
  });

  it("a tool with no budget keeps its outputSchema, and the client validates its structuredContent", async () => {
    const client = await connect("v1", `${t.url}/mcp`);
    try {
      const tools = (await client.listTools()).tools;
      assert.ok(tools.find((tool) => tool.name === "whole__read_text_file")?.outputSchema, "schema kept");
      const result = (await client.callTool({
        name: "whole__read_text_file",
        arguments: { path: join(workspace, "small.txt") },
      })) as ToolResult;
      assert.deepEqual(result.structuredContent, { content: "a small file\n" });
      // An uncut result of a budgeted tool keeps its structuredContent too (it conforms to the server's schema).
      const small = (await client.callTool({
        name: "filesystem__read_text_file",
        arguments: { path: join(workspace, "small.txt") },
      })) as ToolResult;
      assert.deepEqual(small.structuredContent, { content: "a small file\n" });
    } finally {
      await client.close();
    }
  });
});

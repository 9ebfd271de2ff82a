// Access rules (gateway.access) through a real gateway over the official everything and memory servers: two
// principals in different groups see different tools, prompts and resources in listings, search and describe;
// what is hidden from them fails exactly as what does not exist, what is visible but denied fails with
// forbidden, every refused call is audited under the caller's name, and a paged result belongs to its caller.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Principal } from "../src/core/identity.ts";
import { replyJson } from "../src/fronts/shared/reply-encoder.ts";
import { TRUNCATED_META_KEY } from "../src/services/results/markers.ts";
import type { Endpoint } from "../src/services/router/sessions.ts";
import { referenceServers, startTestGateway, type TestGateway, tempDir } from "./helpers/gateway.ts";

const who = (name: string, ...groups: string[]): Principal => ({ name, groups, scopes: [], via: "apiKey" });
const ALICE = who("alice", "readers");
const OLGA = who("olga", "ops");
const MALLORY = who("mallory");

const ACCESS = {
  default: "deny",
  rules: [
    // ops: all of memory, but deleting entities is visible and refused, deleting relations is hidden.
    { effect: "deny", groups: "ops", tools: "memory__delete_entities", hide: false },
    { effect: "deny", groups: "ops", tools: ["memory__delete_relations"] },
    { effect: "allow", groups: "ops", servers: "memory" },
    // readers: read-only tools of every server, one prompt and the static resources.
    { effect: "allow", groups: ["readers"], annotations: { readOnlyHint: true } },
    { effect: "allow", groups: "readers", prompts: "everything__simple-*" },
    { effect: "allow", groups: "readers", resources: "demo://resource/static/*" },
  ],
};

type Json = Record<string, any>;

describe("access rules through the gateway", () => {
  let t: TestGateway;
  let id = 0;
  const sessions = new Map<string, ReturnType<TestGateway["gateway"]["sessions"]["create"]>>();

  before(async () => {
    const { everything, memory } = referenceServers(tempDir());
    // A server that cannot start: its failure must not reveal it to whom it is hidden.
    const broken = { command: process.execPath, args: ["-e", "process.exit(3)"], restart: { maxRestarts: 0 } };
    t = await startTestGateway(
      { everything, memory, broken },
      {
        http: false,
        gateway: {
          access: ACCESS,
          budgets: { maxResultTokens: 40 },
          discovery: {
            clients: [
              {
                name: "pinning",
                mode: "progressive",
                pinned: ["memory__read_graph", "memory__create_entities", "everything__echo"],
              },
            ],
          },
        },
      },
    );
  });
  after(() => t?.close());

  /** One request as `principal` on an endpoint, answered as the fronts encode it. */
  async function rpc(
    principal: Principal,
    method: string,
    params: Json = {},
    endpoint: Endpoint = { kind: "aggregate" },
    clientName?: string,
  ): Promise<Json> {
    const key = `${principal.name}|${JSON.stringify(endpoint)}|${clientName ?? ""}`;
    let session = sessions.get(key);
    if (!session) {
      session = t.gateway.sessions.create(endpoint, { principal });
      if (clientName) session.clientInfo = { name: clientName, version: "1" };
      sessions.set(key, session);
    }
    const request = { jsonrpc: "2.0" as const, id: ++id, method, params };
    const ctx = {
      session,
      correlationId: `${principal.name}-${id}`,
      controller: new AbortController(),
      send: () => false,
    };
    return {
      ...JSON.parse(replyJson(request.id, await t.gateway.router.handle(request, ctx))),
      correlationId: ctx.correlationId,
    };
  }
  const call = (p: Principal, name: string, args: Json = {}, endpoint?: Endpoint) =>
    rpc(p, "tools/call", { name, arguments: args }, endpoint);
  const names = (items: Json[]) => items.map((item) => String(item.name)).sort();
  const textOf = (reply: Json) => JSON.parse(reply.result.content[0].text);
  const allTools = () => t.gateway.catalog.tools().items as Json[];

  /** The error without what names the item, to compare refusals with unknown names. */
  const shape = (reply: Json, name: string) => {
    assert.ok(reply.error, `an error reply: ${JSON.stringify(reply)}`);
    return JSON.parse(JSON.stringify(reply.error).replaceAll(name, "<name>"));
  };

  test("each principal lists only the tools its rules allow", async () => {
    // The first listing waits for both servers' tools to be known.
    const alice = (await rpc(ALICE, "tools/list")).result.tools as Json[];
    const readOnly = allTools().filter((tool) => tool.annotations?.readOnlyHint === true);
    assert.ok(readOnly.length > 3, "the servers offer read-only tools");
    assert.deepEqual(names(alice.filter((tool) => tool.name !== "read_result")), names(readOnly));
    const olga = (await rpc(OLGA, "tools/list")).result.tools as Json[];
    const memory = allTools().filter((tool) => String(tool.name).startsWith("memory__"));
    assert.deepEqual(
      names(olga.filter((tool) => tool.name !== "read_result")),
      names(memory.filter((tool) => tool.name !== "memory__delete_relations")),
      "delete_entities stays listed (hide: false), delete_relations is hidden",
    );
    const mallory = (await rpc(MALLORY, "tools/list")).result.tools as Json[];
    assert.deepEqual(names(mallory), ["read_result"], "default deny: no server tool");
    // The listings are cached per principal: asking again as another principal never gets the other's list.
    assert.deepEqual(names((await rpc(ALICE, "tools/list")).result.tools), names(alice));
  });

  test("progressive listings pin only allowed tools", async () => {
    const pinned = (p: Principal) => rpc(p, "tools/list", {}, { kind: "aggregate" }, "pinning");
    const alice = names((await pinned(ALICE)).result.tools);
    assert.ok(alice.includes("memory__read_graph") && !alice.includes("memory__create_entities"));
    const olga = names((await pinned(OLGA)).result.tools);
    assert.ok(olga.includes("memory__create_entities") && !olga.includes("everything__echo"));
    assert.ok(olga.includes("search_tools"), "the meta-tools are listed");
  });

  test("search_tools finds only what the caller may see", async () => {
    const search = async (p: Principal, query: string, more: Json = {}) =>
      rpc(p, "tools/call", { name: "search_tools", arguments: { query, limit: 50, detail: "name", ...more } });
    const aliceHits = textOf(await search(ALICE, "delete entities observations relations graph")).tools as string[];
    assert.ok(aliceHits.includes("memory__read_graph"), JSON.stringify(aliceHits));
    assert.ok(!aliceHits.some((name) => name.includes("delete") || name.includes("create")), JSON.stringify(aliceHits));
    const olgaHits = textOf(await search(OLGA, "delete entities relations")).tools as string[];
    assert.ok(olgaHits.includes("memory__delete_entities"));
    assert.ok(!olgaHits.includes("memory__delete_relations"));
    assert.ok(!olgaHits.some((name) => name.startsWith("everything__")));
    // A server hidden from the caller is not named, as if it were not configured.
    const hiddenServer = await search(OLGA, "echo", { server: "everything" });
    const unknownServer = await search(OLGA, "echo", { server: "nowhere" });
    assert.equal(hiddenServer.result.isError, true);
    assert.equal(
      hiddenServer.result.content[0].text.replace("everything", "<s>"),
      unknownServer.result.content[0].text.replace("nowhere", "<s>"),
    );
    assert.match(unknownServer.result.content[0].text, /Servers: memory$/);
  });

  test("describe_tools describes hidden tools as unknown names", async () => {
    const describeAs = async (p: Principal, ...toolNames: string[]) =>
      textOf(await rpc(p, "tools/call", { name: "describe_tools", arguments: { names: toolNames } }));
    const alice = await describeAs(ALICE, "memory__read_graph", "memory__create_entities", "memory__nope");
    assert.deepEqual(names(alice.tools), ["memory__read_graph"]);
    assert.deepEqual(alice.unknown, ["memory__create_entities", "memory__nope"]);
    const olga = await describeAs(OLGA, "memory__delete_entities", "memory__delete_relations");
    assert.deepEqual(names(olga.tools), ["memory__delete_entities"], "visible but denied: still described");
    assert.deepEqual(olga.unknown, ["memory__delete_relations"]);
  });

  test("a hidden tool fails exactly as an unknown one; a visible denied one with forbidden; both are audited", async () => {
    const unknown = await call(ALICE, "memory__no_such_tool");
    const hidden = await call(ALICE, "memory__create_entities", { entities: [] });
    assert.deepEqual(shape(hidden, "memory__create_entities"), shape(unknown, "memory__no_such_tool"));
    assert.equal(hidden.error.data.kind, "invalid_params");
    const viaMeta = await rpc(ALICE, "tools/call", {
      name: "call_tool",
      arguments: { name: "memory__create_entities" },
    });
    const unknownViaMeta = await rpc(ALICE, "tools/call", {
      name: "call_tool",
      arguments: { name: "memory__no_such_tool" },
    });
    assert.deepEqual(shape(viaMeta, "memory__create_entities"), shape(unknownViaMeta, "memory__no_such_tool"));
    const forbidden = await call(OLGA, "memory__delete_entities", { entityNames: ["x"] });
    assert.equal(forbidden.error.data.kind, "forbidden");
    assert.equal(forbidden.error.message, "tool memory__delete_entities is not allowed for olga");
    const hiddenForOlga = await call(OLGA, "memory__delete_relations", { relations: [] });
    assert.equal(hiddenForOlga.error.message, "Unknown tool: memory__delete_relations");
    const allowed = await call(OLGA, "memory__read_graph");
    assert.equal(allowed.error, undefined);

    await t.gateway.audit.flush();
    const records = await t.gateway.state.audit.query({ limit: 1000 });
    const of = (reply: Json) => records.find((record) => record.correlationId === reply.correlationId);
    assert.deepEqual(
      [hidden, viaMeta, forbidden, hiddenForOlga, allowed, unknown].map((reply) => {
        const r = of(reply);
        return [r?.principal, r?.server, r?.tool, r?.outcome, r?.errorKind];
      }),
      [
        ["alice", "memory", "create_entities", "error", "forbidden"],
        ["alice", "memory", "create_entities", "error", "forbidden"],
        ["olga", "memory", "delete_entities", "error", "forbidden"],
        ["olga", "memory", "delete_relations", "error", "forbidden"],
        ["olga", "memory", "read_graph", "ok", null],
        ["alice", "", "memory__no_such_tool", "error", "invalid_params"],
      ],
    );
  });

  test("a cut result's handle pages only for the principal whose call produced it", async () => {
    const cut = await call(ALICE, "everything__get-env");
    const meta = cut.result._meta?.[TRUNCATED_META_KEY];
    assert.ok(meta?.handle, `the result was cut: ${JSON.stringify(cut.result).slice(0, 300)}`);
    const read = (p: Principal, handle: string) =>
      rpc(p, "tools/call", { name: "read_result", arguments: { handle, offset: 0 } });
    const own = await read(ALICE, meta.handle);
    assert.notEqual(own.result.isError, true, JSON.stringify(own.result));
    const stolen = await read(OLGA, meta.handle);
    const never = await read(OLGA, "no-such-handle");
    assert.equal(stolen.result.isError, true);
    assert.equal(
      stolen.result.content[0].text.replace(meta.handle, "<h>"),
      never.result.content[0].text.replace("no-such-handle", "<h>"),
    );
  });

  test("a server that failed to start is named in errors only to whom it is visible", async () => {
    const toOlga = await call(OLGA, "broken__anything");
    assert.equal(toOlga.error.message, "Unknown tool: broken__anything");
    const toAlice = await call(ALICE, "broken__anything");
    assert.notEqual(toAlice.error.data.kind, "invalid_params", "readers' rule covers every server: the reason shows");
  });

  test("prompts, resources and completions are filtered and refused like tools", async () => {
    assert.deepEqual(names((await rpc(ALICE, "prompts/list")).result.prompts), ["everything__simple-prompt"]);
    assert.deepEqual((await rpc(OLGA, "prompts/list")).result.prompts, []);
    const resources = (await rpc(ALICE, "resources/list")).result.resources as Json[];
    assert.ok(resources.length > 0);
    assert.ok(resources.every((r) => String(r.uri).startsWith("demo://resource/static/")));
    const olgaResources = (await rpc(OLGA, "resources/list")).result.resources as Json[];
    assert.deepEqual(
      olgaResources.map((r) => r.uri),
      ["memory://knowledge-graph"],
      "ops may use all of memory, resources included",
    );
    assert.deepEqual((await rpc(ALICE, "resources/templates/list")).result.resourceTemplates, []);

    const readable = await rpc(ALICE, "resources/read", { uri: resources[0]?.uri });
    assert.equal(readable.error, undefined);
    const hiddenUri = "demo://resource/dynamic/text/1";
    const unknownUri = "demo://nothing/here";
    assert.deepEqual(
      shape(await rpc(ALICE, "resources/read", { uri: hiddenUri }), hiddenUri),
      shape(await rpc(ALICE, "resources/read", { uri: unknownUri }), unknownUri),
    );
    const subscribe = await rpc(OLGA, "resources/subscribe", { uri: resources[0]?.uri });
    assert.equal(subscribe.error.message, `Resource not found: ${resources[0]?.uri}`);

    assert.equal((await rpc(ALICE, "prompts/get", { name: "everything__simple-prompt" })).error, undefined);
    assert.deepEqual(
      shape(await rpc(ALICE, "prompts/get", { name: "everything__args-prompt" }), "everything__args-prompt"),
      shape(await rpc(ALICE, "prompts/get", { name: "everything__no-prompt" }), "everything__no-prompt"),
    );
    const completion = await rpc(ALICE, "completion/complete", {
      ref: { type: "ref/prompt", name: "everything__completable-prompt" },
      argument: { name: "department", value: "E" },
    });
    assert.equal(completion.error.message, "Unknown prompt: everything__completable-prompt");
  });

  test("a server's own endpoint shows and refuses the same, and a hidden server is not there", async () => {
    const memory: Endpoint = { kind: "server", server: "memory" };
    const olgaTools = names((await rpc(OLGA, "tools/list", {}, memory)).result.tools).filter(
      (n) => n !== "read_result",
    );
    assert.ok(olgaTools.includes("delete_entities") && !olgaTools.includes("delete_relations"), String(olgaTools));
    const aliceTools = names((await rpc(ALICE, "tools/list", {}, memory)).result.tools).filter(
      (n) => n !== "read_result",
    );
    assert.deepEqual(aliceTools, ["open_nodes", "read_graph", "search_nodes"]);
    assert.equal((await call(OLGA, "delete_entities", { entityNames: [] }, memory)).error.data.kind, "forbidden");
    const hidden = await call(OLGA, "delete_relations", { relations: [] }, memory);
    assert.equal(hidden.error.message, "Unknown tool: delete_relations");
    assert.equal(hidden.error.data.kind, "invalid_params");
    const everything: Endpoint = { kind: "server", server: "everything" };
    const refused = await rpc(OLGA, "tools/list", {}, everything);
    assert.equal(refused.error.data.kind, "server_not_found");
    assert.equal(refused.error.message, 'no server named "everything" is configured');
    assert.equal(
      (await rpc(ALICE, "tools/list", {}, everything)).error,
      undefined,
      "readers see read-only tools there",
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AccessItem, AccessRule, AccessSettings, Principal } from "../../core/identity.ts";
import { compileGlob, createAccessPolicy } from "./access-policy.ts";

const who = (name: string, ...groups: string[]): Principal => ({ name, groups, scopes: [], via: "apiKey" });
const rule = (partial: Partial<AccessRule> & Pick<AccessRule, "effect">): AccessRule => ({
  principals: [],
  groups: [],
  servers: [],
  tools: undefined,
  prompts: undefined,
  resources: undefined,
  annotations: undefined,
  hide: true,
  ...partial,
});
const policy = (settings: Partial<AccessSettings>) =>
  createAccessPolicy({ default: "allow", rules: [], ...settings }, "__");
const tool = (server: string, name: string, annotations?: Record<string, unknown>): AccessItem => ({
  kind: "tool",
  server,
  name: `${server}__${name}`,
  annotations,
});

describe("compileGlob", () => {
  it("* is any run, ? one character, the rest literal and case-sensitive", () => {
    assert.ok(compileGlob("gh__create_*").test("gh__create_issue"));
    assert.ok(compileGlob("gh__create_*").test("gh__create_"));
    assert.ok(!compileGlob("gh__create_*").test("GH__create_issue"));
    assert.ok(compileGlob("a?c").test("abc"));
    assert.ok(!compileGlob("a?c").test("ac"));
    assert.ok(compileGlob("file:///tmp/(x).[1]+").test("file:///tmp/(x).[1]+"));
    assert.ok(!compileGlob("a.c").test("abc"), "a dot is a dot");
    assert.ok(compileGlob("*").test("multi\nline"));
  });
});

describe("access policy", () => {
  it("is open with default allow and no rules", () => {
    const p = policy({});
    assert.equal(p.open, true);
    assert.equal(p.allows(who("a"), tool("x", "t")), true);
    assert.deepEqual(p.decide(who("a"), tool("x", "t")), { allowed: true, rule: null });
  });

  it("the first matching rule decides; none: the default", () => {
    const p = policy({
      default: "deny",
      rules: [
        rule({ effect: "deny", groups: ["ops"], tools: ["mem__delete_*"] }),
        rule({ effect: "allow", groups: ["ops"], servers: ["mem"] }),
      ],
    });
    assert.equal(p.open, false);
    assert.deepEqual(p.decide(who("o", "ops"), tool("mem", "delete_entities")), { allowed: false, rule: 0 });
    assert.deepEqual(p.decide(who("o", "ops"), tool("mem", "read_graph")), { allowed: true, rule: 1 });
    assert.deepEqual(p.decide(who("o", "ops"), tool("other", "read")), { allowed: false, rule: null });
    assert.deepEqual(p.decide(who("r", "readers"), tool("mem", "read_graph")), { allowed: false, rule: null });
  });

  it("matches principals by name glob or by any group", () => {
    const p = policy({
      default: "deny",
      rules: [rule({ effect: "allow", principals: ["svc-*"], groups: ["a", "b"] })],
    });
    assert.equal(p.allows(who("svc-ci"), tool("x", "t")), true);
    assert.equal(p.allows(who("alice", "b"), tool("x", "t")), true);
    assert.equal(p.allows(who("alice", "c"), tool("x", "t")), false);
  });

  it("a rule naming kinds is about those kinds only", () => {
    const p = policy({ rules: [rule({ effect: "deny", prompts: ["*"] })] });
    assert.equal(p.allows(who("a"), { kind: "prompt", server: "x", name: "x__p" }), false);
    assert.equal(p.allows(who("a"), tool("x", "t")), true);
    assert.equal(p.allows(who("a"), { kind: "resource", server: "x", uri: "file:///a" }), true);
    assert.equal(p.allows(who("a"), { kind: "server", server: "x" }), true, "server items ignore item rules");
  });

  it("matches resources by URI and servers by name", () => {
    const p = policy({ rules: [rule({ effect: "deny", servers: ["fs*"], resources: ["file:///secret/*"] })] });
    assert.equal(p.allows(who("a"), { kind: "resource", server: "fs1", uri: "file:///secret/key" }), false);
    assert.equal(p.allows(who("a"), { kind: "resource", server: "fs1", uri: "file:///public/key" }), true);
    assert.equal(p.allows(who("a"), { kind: "resource", server: "web", uri: "file:///secret/key" }), true);
  });

  it("annotations compare with MCP's defaults when a tool does not state them", () => {
    const p = policy({
      default: "deny",
      rules: [rule({ effect: "allow", groups: ["readers"], annotations: { readOnlyHint: true } })],
    });
    const reader = who("r", "readers");
    assert.equal(p.allows(reader, tool("x", "read", { readOnlyHint: true })), true);
    assert.equal(p.allows(reader, tool("x", "write", { readOnlyHint: false })), false);
    assert.equal(p.allows(reader, tool("x", "plain")), false, "absent readOnlyHint is false");
    assert.equal(p.allows(reader, { kind: "prompt", server: "x", name: "x__p" }), false, "tools only");
    const destructive = policy({ rules: [rule({ effect: "deny", annotations: { destructiveHint: true } })] });
    assert.equal(destructive.allows(who("a"), tool("x", "plain")), false, "absent destructiveHint is true");
    assert.equal(destructive.allows(who("a"), tool("x", "safe", { destructiveHint: false })), true);
  });

  it("verdict: hidden by hiding rules and the default, forbidden by rules with hide false", () => {
    const p = policy({
      default: "deny",
      rules: [
        rule({ effect: "deny", tools: ["x__visible"], hide: false }),
        rule({ effect: "deny", tools: ["x__secret"] }),
        rule({ effect: "allow", servers: ["x"] }),
      ],
    });
    assert.equal(p.verdict(who("a"), tool("x", "visible")), "forbid");
    assert.equal(p.verdict(who("a"), tool("x", "secret")), "hide");
    assert.equal(p.verdict(who("a"), tool("x", "other")), "allow");
    assert.equal(p.verdict(who("a"), tool("y", "other")), "hide");
  });

  it("a server shows when some item of it may be allowed", () => {
    const p = policy({
      default: "deny",
      rules: [
        rule({ effect: "allow", groups: ["dev"], tools: ["x__read"] }),
        rule({ effect: "deny", servers: ["x"] }),
        rule({ effect: "deny", servers: ["y"], hide: false }),
        rule({ effect: "allow", servers: ["z"] }),
      ],
    });
    assert.equal(p.server(who("d", "dev"), "x"), "allow");
    assert.equal(p.server(who("a"), "x"), "hide");
    assert.equal(p.server(who("a"), "y"), "forbid");
    assert.equal(p.server(who("a"), "z"), "allow");
    assert.equal(p.server(who("a"), "w"), "hide", "default deny and no rule may allow anything of it");
    assert.equal(policy({ rules: [rule({ effect: "deny", tools: ["*"] })] }).server(who("a"), "w"), "allow");
  });
});

describe("what a rule about items reaches", () => {
  it("an allow rule naming tools shows only the servers those names can belong to", () => {
    const p = policy({
      default: "deny",
      rules: [rule({ effect: "allow", tools: ["every__echo", "mem*__read_graph", "*__status"] })],
    });
    const alice = who("alice");
    assert.equal(p.server(alice, "every"), "allow");
    assert.equal(p.server(alice, "memory"), "allow", "mem* can reach memory__…");
    assert.equal(p.server(alice, "secret"), "allow", "*__status can reach any server");
    const narrow = policy({ default: "deny", rules: [rule({ effect: "allow", tools: ["every__echo"] })] });
    assert.equal(narrow.server(alice, "secret"), "hide");
    assert.equal(narrow.server(alice, "ever"), "hide", "a server whose name is a prefix of another's");
    const byResource = policy({ default: "deny", rules: [rule({ effect: "allow", resources: ["demo://*"] })] });
    assert.equal(byResource.server(alice, "secret"), "allow", "URIs name no server: resource rules may reach any");
  });

  it("a URI read through a template is decided by rules on the URI or on the template, first match first", () => {
    const template = "demo://resource/dynamic/text/{resourceId}";
    const read: AccessItem = { kind: "resource", server: "every", uri: "demo://resource/dynamic/text/1", template };
    const denied = policy({ rules: [rule({ effect: "deny", resources: [template] })] });
    assert.equal(denied.verdict(who("alice"), read), "hide");
    const allowed = policy({ default: "deny", rules: [rule({ effect: "allow", resources: [template] })] });
    assert.equal(allowed.verdict(who("alice"), read), "allow");
    const byUri = policy({
      rules: [
        rule({ effect: "allow", resources: ["demo://resource/dynamic/text/1"] }),
        rule({ effect: "deny", resources: [template] }),
      ],
    });
    assert.equal(byUri.verdict(who("alice"), read), "allow");
    assert.equal(byUri.verdict(who("alice"), { ...read, uri: "demo://resource/dynamic/text/2" }), "hide");
  });
});

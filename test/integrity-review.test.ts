// Tool integrity across restarts, replicas and the review commands: a server upgraded to a new package version
// has its tools re-reviewed; approve-new holds everything until approved; a rejected tool stays hidden; the
// review works from the command line against the store (no gateway) and through a running gateway (--url); an
// approval on one replica is honoured by another sharing PostgreSQL.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runCli } from "./helpers/cli.ts";
import { callTool, post, request, startTestGateway, type TestGateway, tempDir, waitUntil } from "./helpers/gateway.ts";
import { testDatabases } from "./helpers/postgres.ts";

const RUG_PULL = fileURLToPath(new URL("./fixtures/malicious-rug-pull-server.ts", import.meta.url));

const TOOLS = [
  { name: "echo", description: "Echoes the message back.", inputSchema: { type: "object" } },
  { name: "time", description: "The current time.", inputSchema: { type: "object" } },
];

async function toolNames(url: string): Promise<string[]> {
  const reply = await post(`${url}/mcp`, request("tools/list"));
  return reply.body.result.tools.map((t: { name: string }) => t.name);
}

/** An installed npm package `rug-server` at `version` whose bin runs the malicious fixture. */
function installPackage(dir: string, version: string): void {
  const pkg = join(dir, "node_modules", "rug-server");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, "server.mjs"), `import ${JSON.stringify(RUG_PULL)};\n`);
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "rug-server", version, bin: "server.mjs" }));
}

function writeConfig(dir: string, servers: Record<string, unknown>, gateway: Record<string, unknown> = {}): string {
  const file = join(dir, "switchboard.json");
  writeFileSync(file, JSON.stringify({ gateway: { stateDir: dir, ...gateway }, servers }));
  return file;
}

describe("tool integrity: identity, approve-new, reject and the review commands", () => {
  const open: TestGateway[] = [];
  after(async () => {
    await Promise.all(open.map((t) => t.close()));
  });
  async function gateway(servers: Record<string, unknown>, options: Parameters<typeof startTestGateway>[1]) {
    const t = await startTestGateway(servers, options);
    open.push(t);
    return t;
  }

  it("re-reviews every tool of a server upgraded to a new package version; approval from the CLI frees them", async () => {
    const dir = tempDir("switchboard-integrity-upgrade-");
    const defs = join(dir, "defs.json");
    writeFileSync(defs, JSON.stringify({ tools: TOOLS }));
    installPackage(dir, "1.0.0");
    const servers = { rug: { package: "rug-server", args: [defs], lifecycle: "eager" } };
    const first = await gateway(servers, { stateDir: dir });
    await waitUntil(async () => (await toolNames(first.url)).includes("rug__echo"));
    await first.close();

    installPackage(dir, "2.0.0");
    const second = await gateway(servers, { stateDir: dir });
    await waitUntil(async () => second.gateway.catalog.offeredManifest("rug")?.serverInfo !== undefined);
    await waitUntil(async () =>
      (await runCli(["tools", "pending", "--json", "--url", second.url])).stdout.includes("time"),
    );
    assert.deepEqual(
      (await toolNames(second.url)).filter((n) => n.startsWith("rug__")),
      [],
      "no tool of the upgraded server is served before review",
    );
    const refused = await callTool(second.url, "rug__echo");
    assert.equal(refused.body.error.data.kind, "quarantined");
    assert.equal(refused.body.error.data.state, "changed");

    // The diff shows the identity change, and no change of the definition itself.
    const diff = await runCli(["tools", "diff", "rug/echo", "--json", "--url", second.url]);
    assert.equal(diff.code, 0, diff.stderr);
    const shown = JSON.parse(diff.stdout);
    assert.deepEqual(shown.definition, []);
    assert.deepEqual(
      shown.identity.map((c: { path: string; before: unknown; after: unknown }) => [c.path, c.before, c.after]),
      [["version", "1.0.0", "2.0.0"]],
    );
    const human = await runCli(["tools", "diff", "rug/echo", "--url", second.url]);
    assert.match(human.stdout, /server identity changes:\n {4}~ version:\n {8}was: "1\.0\.0"\n {8}now: "2\.0\.0"/);

    // Approved from the command line against the store alone (no gateway involved): the running gateway
    // honours it at the next call, and lists the tools again within its sync interval.
    const config = writeConfig(dir, servers);
    const approved = await runCli(["tools", "approve", "--server", "rug", "--config", config]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /approved tool rug\/echo/);
    assert.match(approved.stdout, /approved tool rug\/time/);
    const ok = await callTool(second.url, "rug__echo", { message: "hi" });
    assert.equal(ok.body.error, undefined, JSON.stringify(ok.body));
    await waitUntil(async () => (await toolNames(second.url)).includes("rug__time"), 15_000);
    const audit = await runCli(["audit", "--action", "approve", "--json", "--config", config]);
    const records = JSON.parse(audit.stdout) as { principal: string; tool: string }[];
    assert.deepEqual(records.map((r) => r.tool).sort(), ["echo", "time"]);
    assert.ok(
      records.every((r) => r.principal.startsWith("cli:")),
      "the deciding user is recorded",
    );
  });

  it("approve-new holds new tools until approved; a rejected tool stays hidden and refused", async () => {
    const dir = tempDir("switchboard-integrity-new-");
    const defs = join(dir, "defs.json");
    writeFileSync(defs, JSON.stringify({ tools: TOOLS }));
    const t = await gateway(
      { rug: { command: process.execPath, args: [RUG_PULL, defs], lifecycle: "eager", pinning: "approve-new" } },
      { stateDir: dir },
    );
    await waitUntil(async () => (await runCli(["tools", "pending", "--json", "--url", t.url])).stdout.includes("time"));
    assert.deepEqual(
      (await toolNames(t.url)).filter((n) => n.startsWith("rug__")),
      [],
    );
    const pending = JSON.parse((await runCli(["tools", "pending", "--json", "--url", t.url])).stdout) as {
      key: string;
      state: string;
      candidateHash: string;
    }[];
    assert.deepEqual(pending.map((p) => [p.key, p.state]).sort(), [
      ["echo", "pending"],
      ["time", "pending"],
    ]);
    // A stale hash (the operator reviewed something else) decides nothing.
    const stale = await runCli(["tools", "approve", "rug/echo", "--hash", "0".repeat(64), "--url", t.url]);
    assert.equal(stale.code, 1);
    assert.match(stale.stdout, /not approved: rug\/echo: changed meanwhile/);
    const echoHash = pending.find((p) => p.key === "echo")?.candidateHash as string;
    const approve = await runCli(["tools", "approve", "rug/echo", "--hash", echoHash, "--url", t.url]);
    assert.equal(approve.code, 0, approve.stderr + approve.stdout);
    const reject = await runCli(["tools", "reject", "rug/time", "--url", t.url]);
    assert.equal(reject.code, 0, reject.stderr + reject.stdout);
    await waitUntil(async () => (await toolNames(t.url)).includes("rug__echo"));
    assert.ok(!(await toolNames(t.url)).includes("rug__time"));
    const refused = await callTool(t.url, "rug__time");
    assert.equal(refused.body.error.data.kind, "quarantined");
    assert.equal(refused.body.error.data.state, "rejected");
    assert.match(refused.body.error.message, /rejected by an operator/);
    // Search and describe do not know a held tool either.
    const described = await callTool(t.url, "describe_tools", { names: ["rug__time"] });
    assert.doesNotMatch(JSON.stringify(described.body), /The current time/);
    const unknownItem = await runCli(["tools", "diff", "rug/nope", "--url", t.url]);
    assert.notEqual(unknownItem.code, 0);
    const badName = await runCli(["tools", "diff", "nothing-named", "--url", t.url]);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /SERVER\/NAME/);
  });

  describe("replicas sharing PostgreSQL", () => {
    const databases = testDatabases();
    after(() => databases.dropAll());

    it("an approval on one replica is honoured by the other", async () => {
      const url = await databases.create("integrity");
      const dir = tempDir("switchboard-integrity-replicas-");
      const defs = join(dir, "defs.json");
      writeFileSync(defs, JSON.stringify({ tools: TOOLS }));
      // The same configuration on both (the working directory is part of a server's identity).
      const servers = {
        rug: {
          command: process.execPath,
          args: [RUG_PULL, defs],
          cwd: dir,
          lifecycle: "eager",
          pinning: "approve-new",
        },
      };
      const settings = { database: { url } };
      const a = await gateway(servers, { gateway: settings });
      const b = await gateway(servers, { gateway: settings });
      for (const t of [a, b]) {
        await waitUntil(async () => (await callTool(t.url, "rug__echo")).body.error?.data?.kind === "quarantined");
      }
      const approved = await runCli(["tools", "approve", "rug/echo", "--url", a.url]);
      assert.equal(approved.code, 0, approved.stderr + approved.stdout);
      // B was not told; it finds the decision in the shared store.
      const onB = await callTool(b.url, "rug__echo", { message: "from b" });
      assert.equal(onB.body.error, undefined, JSON.stringify(onB.body));
      await waitUntil(async () => (await toolNames(b.url)).includes("rug__echo"), 15_000);
      assert.ok(!(await toolNames(b.url)).includes("rug__time"), "what was not approved stays held on B");
    });
  });
});

// The conformance suite's CLIENT scenarios against Switchboard's upstream client (UpstreamPeer over the HTTP
// connector). In those scenarios the suite is the server: it starts a scenario server and runs a client command
// with the server's URL appended (and MCP_CONFORMANCE_SCENARIO / MCP_CONFORMANCE_CONTEXT in the environment).
//
// This file is both halves:
//
// - Harness (what the suite runs): `node bin/node22.js scripts/conformance-client.ts <server url>`. It starts an
//   in-process gateway whose only server is `{ target: { url: <server url> } }`, connects an SDK v2 client to the
//   transparent endpoint /mcp/target (it declares sampling, elicitation and roots, answering elicitations with
//   the schema's defaults applied), then lists the tools and calls each with arguments made from its input
//   schema (a tool taking a `schema` object gets another tool's input schema: the JSON Schema echo scenario).
//   The gateway's upstream client is what the scenario server sees and judges. For auth/* scenarios the target
//   gets an `oauth` setting (client credentials or a pre-registered client from MCP_CONFORMANCE_CONTEXT, else
//   CIMD or dynamic registration; the 2026 era for the 2026-07-28 suite), and the harness plays the person who
//   authorizes: POST /servers/target/authorize, open the URL, follow the redirect to the gateway's callback.
//
// - Runner: `node bin/node22.js scripts/conformance-client.ts [--suite stable|next-2025|next-2026|all]
//   [--scenario NAME]... [--timeout-ms N] [--json FILE]` runs `conformance client --command <harness>` for each
//   client scenario and prints a table. Informational: it exits 0 whatever the scenarios' outcomes (outside the
//   auth scenarios the harness speaks protocol revisions up to 2025-11-25 only, so 2026-era scenarios fail).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startTestGateway } from "../test/helpers/gateway.ts";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const log = (text: string) => process.stderr.write(`${text}\n`);

// ---- harness --------------------------------------------------------------------------------------------------

type Schema = { type?: string | string[]; default?: unknown; enum?: unknown[]; properties?: Record<string, Schema> };

/** A value for one schema property: its default, else the first enum member, else something of its type. */
function sampleValue(schema: Schema, name: string): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === "number" || type === "integer") return name === "b" ? 3 : 5;
  if (type === "boolean") return true;
  if (type === "array") return [];
  if (type === "object") return {};
  return "test";
}

function sampleArguments(schema: Schema | undefined): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema?.properties ?? {})) args[name] = sampleValue(property, name);
  return args;
}

/** The client ID metadata document URL the suite's authorization servers accept (CIMD scenarios). */
const CIMD_URL = "https://conformance-test.local/client-metadata.json";

/**
 * The target's `oauth` setting for an auth/* scenario: the credentials the suite hands over in
 * MCP_CONFORMANCE_CONTEXT (client credentials, a pre-registered client), else CIMD or dynamic registration.
 */
function oauthSettings(scenario: string): Record<string, unknown> | undefined {
  if (!scenario.startsWith("auth/")) return undefined;
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? "{}") as Record<string, string>;
  if (context.client_id && context.private_key_pem) {
    const signingAlgorithm = context.signing_algorithm ?? "ES256";
    return {
      grant: "client_credentials",
      clientId: context.client_id,
      privateKey: context.private_key_pem,
      signingAlgorithm,
    };
  }
  if (context.client_id && context.client_secret) {
    const grant = scenario.startsWith("auth/client-credentials") ? "client_credentials" : "authorization_code";
    return { grant, clientId: context.client_id, clientSecret: context.client_secret };
  }
  return { clientMetadataUrl: CIMD_URL };
}

/**
 * What a person does for an authorization-code server, headlessly: ask the gateway for the authorization URL,
 * open it (the suite's authorization server answers at once with a redirect carrying the code) and follow that
 * redirect to the gateway's /oauth/callback.
 */
async function authorizeTarget(gatewayUrl: string): Promise<void> {
  const started = await fetch(`${gatewayUrl}/servers/target/authorize`, { method: "POST" });
  const body = (await started.json()) as { authorized?: boolean; authorizationUrl?: string; message?: string };
  if (!started.ok) throw new Error(`authorize: HTTP ${started.status} ${body.message ?? ""}`);
  if (body.authorized || !body.authorizationUrl) return;
  const answer = await fetch(body.authorizationUrl, { redirect: "manual" });
  const location = answer.headers.get("location");
  if (!location) throw new Error(`the authorization server answered ${answer.status} without a redirect`);
  const callback = await fetch(new URL(location, body.authorizationUrl));
  log(
    `harness: authorization callback → ${callback.status} ${(await callback.text()).replace(/<[^>]+>/g, " ").trim()}`,
  );
}

async function harness(serverUrl: string): Promise<number> {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? "(none)";
  log(`harness: scenario ${scenario}, upstream ${serverUrl}`);
  const oauth = oauthSettings(scenario);
  // The auth scenarios of the 2026-07-28 suite serve that era only (no initialize): speak it to them.
  const modern = oauth && process.env.MCP_CONFORMANCE_PROTOCOL_VERSION === "2026-07-28" ? { protocol: "auto" } : {};
  const gateway = await startTestGateway({
    target: { url: serverUrl, timeoutMs: 20_000, ...(oauth ? { oauth } : {}), ...modern },
  });
  const client = new Client(
    { name: "switchboard-conformance-harness", version: "1.0.0" },
    { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } },
  );
  client.setRequestHandler("elicitation/create", (request) => {
    const params = request.params as { requestedSchema?: Schema };
    const content: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(params.requestedSchema?.properties ?? {})) {
      content[name] = sampleValue(property, name);
    }
    return { action: "accept", content } as never;
  });
  client.setRequestHandler("sampling/createMessage", () => ({
    role: "assistant",
    content: { type: "text", text: "A response from the conformance harness" },
    model: "harness-model",
    stopReason: "endTurn",
  }));
  client.setRequestHandler("roots/list", () => ({ roots: [{ uri: "file:///tmp", name: "tmp" }] }));
  // A server that asks for authorization again (more scope: step-up; another authorization server) fails the
  // request with "needs OAuth authorization": authorize as a person would, start the server, try once more.
  const retryAuthorized = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      if (!oauth || !/needs OAuth authorization/.test(error instanceof Error ? error.message : "")) throw error;
      log(`harness: ${error instanceof Error ? error.message : ""}`);
      await authorizeTarget(gateway.url);
      await fetch(`${gateway.url}/servers/target/start`, { method: "POST" }).catch(() => {});
      return operation();
    }
  };
  let status = 0;
  try {
    if (oauth && oauth.grant !== "client_credentials") await authorizeTarget(gateway.url);
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp/target`)));
    const { tools } = await retryAuthorized(() => client.listTools());
    log(`harness: tools ${tools.map((t) => t.name).join(", ") || "(none)"}`);
    // A tool taking a `schema` object is an echo (json-schema-2020-12-preservation): it gets the input schema
    // of a tool that declares `$schema`, verbatim, so the scenario sees what survived the gateway.
    const richSchema = tools.find((t) => "$schema" in (t.inputSchema ?? {}))?.inputSchema;
    for (const tool of tools) {
      const schema = tool.inputSchema as Schema;
      const args = sampleArguments(schema);
      if (richSchema && schema.properties?.schema?.type === "object") args.schema = richSchema;
      try {
        const result = await retryAuthorized(() => client.callTool({ name: tool.name, arguments: args }));
        log(`harness: ${tool.name} → ${JSON.stringify(result).slice(0, 300)}`);
      } catch (error) {
        status = 1;
        log(`harness: ${tool.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } catch (error) {
    status = 1;
    log(`harness: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await client.close().catch(() => {});
    await gateway.close();
  }
  return status;
}

// ---- runner ---------------------------------------------------------------------------------------------------

interface SuiteDef {
  name: string;
  cli: string;
  args: string[];
}

const STABLE_CLI = "node_modules/@modelcontextprotocol/conformance/dist/index.js";
const NEXT_CLI = "node_modules/conformance-next/dist/index.js";
const SUITES: Record<string, SuiteDef> = {
  stable: { name: "stable", cli: STABLE_CLI, args: [] },
  "next-2025": { name: "next-2025", cli: NEXT_CLI, args: ["--spec-version", "2025-11-25"] },
  "next-2026": { name: "next-2026", cli: NEXT_CLI, args: ["--spec-version", "2026-07-28"] },
};

function runProcess(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function runner(argv: string[]): Promise<number> {
  const suites: SuiteDef[] = [];
  const only: string[] = [];
  let timeoutMs = 90_000;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--suite") {
      const picked = value === "all" ? Object.values(SUITES) : SUITES[value] ? [SUITES[value]] : undefined;
      if (!picked) throw new Error(`unknown suite ${value}`);
      suites.push(...picked.filter((s) => !suites.includes(s)));
    } else if (flag === "--scenario") only.push(value);
    else if (flag === "--timeout-ms") timeoutMs = Number(value);
    else if (flag === "--json") json = value;
    else throw new Error(`unknown option ${flag}`);
  }
  if (suites.length === 0) suites.push(SUITES.stable!);
  const command = `${process.execPath} ${SELF}`;
  const workDir = mkdtempSync(join(tmpdir(), "switchboard-conformance-client-"));
  const rows: { suite: string; scenario: string; outcome: string; problems: string[] }[] = [];
  try {
    for (const suite of suites) {
      const listed = await runProcess([suite.cli, "list", "--client", ...suite.args], 60_000);
      const scenarios = listed.output
        .split("\n")
        .map((line) => /^\s+- (\S+)/.exec(line)?.[1])
        .filter((name): name is string => name !== undefined)
        .filter((name) => only.length === 0 || only.includes(name));
      for (const scenario of scenarios) {
        const outDir = join(workDir, suite.name, scenario.replaceAll("/", "_"));
        mkdirSync(outDir, { recursive: true });
        const started = Date.now();
        const result = await runProcess(
          [
            suite.cli,
            "client",
            "--command",
            command,
            "--scenario",
            scenario,
            "--timeout",
            String(timeoutMs - 10_000),
            "-o",
            outDir,
            ...suite.args,
          ],
          timeoutMs,
        );
        // Scenario names with a slash (auth/…) give nested result folders.
        const dir = (readdirSync(outDir, { recursive: true }) as string[])
          .filter((d) => d.endsWith("checks.json"))
          .map((d) => d.slice(0, -"checks.json".length))
          .sort()
          .at(-1);
        let outcome = "error";
        let problems: string[] = [];
        if (dir) {
          const checks = JSON.parse(readFileSync(join(outDir, dir, "checks.json"), "utf8")) as {
            id: string;
            status: string;
            errorMessage?: string;
          }[];
          const bad = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING");
          outcome = checks.some((c) => c.status === "FAILURE")
            ? "fail"
            : bad.length > 0
              ? "warn"
              : checks.some((c) => c.status === "SUCCESS")
                ? "pass"
                : "skip";
          problems = bad.slice(0, 3).map((c) => `${c.status} ${c.id}: ${c.errorMessage ?? ""}`.slice(0, 300));
        } else {
          problems = [
            `no checks.json (exit ${result.code}): ${result.output.trim().split("\n").slice(-2).join(" | ")}`,
          ];
        }
        rows.push({ suite: suite.name, scenario, outcome, problems });
        log(`${suite.name} ${scenario}: ${outcome} (${Date.now() - started} ms)`);
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const width = Math.max(8, ...rows.map((r) => r.scenario.length));
  const lines = [
    `${"suite".padEnd(9)}  ${"scenario".padEnd(width)}  outcome`,
    ...rows.map((r) => `${r.suite.padEnd(9)}  ${r.scenario.padEnd(width)}  ${r.outcome}`),
  ];
  process.stdout.write(`\n${lines.join("\n")}\n`);
  const failing = rows.filter((r) => r.outcome !== "pass");
  if (failing.length > 0) {
    process.stdout.write("\nDetails:\n");
    for (const row of failing) {
      process.stdout.write(`- ${row.suite} ${row.scenario} [${row.outcome}]\n`);
      for (const problem of row.problems) process.stdout.write(`    ${problem}\n`);
    }
  }
  const passed = rows.filter((r) => r.outcome === "pass").length;
  process.stdout.write(`\n${rows.length} client scenarios: ${passed} pass, ${rows.length - passed} not passing\n`);
  if (json) writeFileSync(json, `${JSON.stringify(rows, null, 2)}\n`);
  return 0;
}

const argv = process.argv.slice(2);
const url = argv.at(-1);
const isHarness = process.env.MCP_CONFORMANCE_SCENARIO !== undefined && url !== undefined && /^https?:/.test(url);
(isHarness ? harness(url) : runner(argv)).then(
  // Exit only once stdout is flushed: to a pipe it is written asynchronously, and exiting at once cut the
  // report (and its summary line) short.
  (code) => process.stdout.write("", () => process.exit(code)),
  (error) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);

// What starting the `switchboard` command loads: packages that only some commands or configurations use stay out
// of the module graph until used (an idle gateway's memory, docs/performance.md "Idle RSS").
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { REPO_ROOT } from "./helpers/gateway.ts";

const run = promisify(execFile);

/** Loaded at first use: doctor's database checks, Redis- or PostgreSQL-backed state, OTLP export, token counting. */
const LAZY_PACKAGES = [
  "ioredis",
  "pg",
  "@opentelemetry/sdk-trace",
  "@opentelemetry/exporter-trace-otlp-http",
  "js-tiktoken",
];

/** Every module URL resolved while importing the CLI's entry module (which imports every command) in a fresh Node. */
async function modulesOfCli(): Promise<string[]> {
  const main = pathToFileURL(join(REPO_ROOT, "src/fronts/cli/main.ts")).href;
  const script = `
    import { registerHooks } from "node:module";
    const seen = [];
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
    await import(${JSON.stringify(main)});
    process.stdout.write(JSON.stringify(seen));
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT });
  return JSON.parse(stdout) as string[];
}

it("importing the CLI loads none of the packages that are loaded at first use", async () => {
  const modules = await modulesOfCli();
  assert.ok(
    modules.some((url) => url.includes("/node_modules/zod/")),
    "the hook saw the CLI's own packages (zod validates every config)",
  );
  for (const name of LAZY_PACKAGES) {
    const loaded = modules.filter((url) => url.includes(`/node_modules/${name}/`));
    assert.deepEqual(loaded, [], `${name} is loaded at startup`);
  }
});

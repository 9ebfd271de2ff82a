// The dependency rule of docs/architecture.md, checked over every non-test source file under src/: which layer
// may import which, no I/O modules in core, no import cycle in core, and the document's source tree naming
// folders that exist (and every top-level folder of src/).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const SRC = join(REPO_ROOT, "src");

/** What each layer may import besides itself. Fronts may also import the app's public face, src/app/index.ts. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  ports: ["core"],
  services: ["core", "ports"],
  adapters: ["core", "ports"],
  fronts: ["core", "ports", "services"],
  config: ["core"],
  app: ["core", "ports", "services", "adapters", "fronts", "config"],
};
const APP_FACE = "app/index.ts";
/** Node modules that do I/O: core is pure. */
const CORE_FORBIDDEN_BUILTINS = new Set([
  "fs",
  "fs/promises",
  "child_process",
  "net",
  "http",
  "https",
  "http2",
  "dgram",
  "tls",
  "worker_threads",
  "cluster",
]);

/** Import specifiers of a source file: `import … from`, `export … from`, side-effect imports, `import()`. */
function importsOf(source: string): string[] {
  const pattern =
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*["']([^"']+)["']|\bimport\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;
  return [...source.matchAll(pattern)].map((m) => (m[1] ?? m[2] ?? m[3]) as string);
}

/** Non-test .ts files under `dir`, as paths relative to src/. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [relative(SRC, path)] : [];
  });
}

const layerOf = (path: string) => path.split("/")[0] as string;

/** Why `file` may not import `specifier`, or undefined when it may. */
function violation(file: string, specifier: string): string | undefined {
  const layer = layerOf(file);
  const allowed = ALLOWED[layer];
  if (!allowed) return `${layer}/ is not a layer of the rule`;
  if (!specifier.startsWith(".")) {
    const builtin = specifier.replace(/^node:/, "");
    if (layer === "core" && CORE_FORBIDDEN_BUILTINS.has(builtin)) return "core does no I/O";
    return undefined;
  }
  const target = relative(SRC, resolve(SRC, dirname(file), specifier));
  if (target.startsWith("..")) return "outside src/";
  const targetLayer = layerOf(target);
  if (targetLayer === layer || allowed.includes(targetLayer)) return undefined;
  if (layer === "fronts" && target === APP_FACE) return undefined;
  return `${layer} may not import ${targetLayer}${layer === "fronts" && targetLayer === "app" ? ` (only ${APP_FACE})` : ""}`;
}

/** Whether a source file imports the `Gateway` type from the app's public face. */
function namesGateway(source: string): boolean {
  const pattern = /\bimport\s+(?:type\s+)?([^'";]*?)\bfrom\s*["']([^"']+)["']/g;
  return [...source.matchAll(pattern)].some(
    ([, clause, specifier]) => specifier?.endsWith("app/index.ts") && /\bGateway\b/.test(clause ?? ""),
  );
}

/** Every import cycle among core files (each reported once, from its first file in path order). */
function coreCycles(files: readonly string[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const file of files.filter((f) => layerOf(f) === "core")) {
    const targets = importsOf(readFileSync(join(SRC, file), "utf8"))
      .filter((s) => s.startsWith("."))
      .map((s) => relative(SRC, resolve(SRC, dirname(file), s)))
      .filter((t) => layerOf(t) === "core");
    edges.set(file, targets);
  }
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, path: string[]) => {
    const at = path.indexOf(file);
    if (at >= 0) return void cycles.push([...path.slice(at), file]);
    if (done.has(file)) return;
    for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
    done.add(file);
  };
  for (const file of [...edges.keys()].sort()) visit(file, []);
  return cycles;
}

/** The folders the first ```-block of docs/architecture.md names (`src/` and its indented tree), as paths. */
function treeFolders(markdown: string): string[] {
  const block = /```\n(src\/\n[\s\S]*?)```/.exec(markdown)?.[1];
  assert.ok(block, "docs/architecture.md has no ```-block starting with src/");
  const folders: string[] = [];
  const stack: string[] = [];
  for (const line of block.split("\n").slice(1)) {
    const match = /^( *)((?:[a-z][\w-]*\/)(?:, [a-z][\w-]*\/)*)(?: |$)/.exec(line);
    if (!match) continue;
    const depth = (match[1] as string).length / 2;
    stack.length = depth - 1;
    const names = (match[2] as string).split(", ").map((n) => n.slice(0, -1));
    for (const name of names) folders.push([...stack, name].join("/"));
    stack.push(names[names.length - 1] as string);
  }
  return folders;
}

describe("the dependency rule", () => {
  const files = sourceFiles();

  it("every import of every source file points where its layer may point", () => {
    const violations = files.flatMap((file) =>
      importsOf(readFileSync(join(SRC, file), "utf8")).flatMap((specifier) => {
        const why = violation(file, specifier);
        return why ? [`src/${file} -> ${specifier} (${why})`] : [];
      }),
    );
    assert.deepEqual(violations, [], `imports that break the rule:\n${violations.join("\n")}`);
  });

  it("the serving fronts take narrow dependency objects, not the whole Gateway (only the CLI composes one)", () => {
    const broad = files
      .filter((file) => layerOf(file) === "fronts" && !file.startsWith("fronts/cli/"))
      .filter((file) => namesGateway(readFileSync(join(SRC, file), "utf8")));
    assert.deepEqual(broad, [], `fronts that import the Gateway type:\n${broad.join("\n")}`);
  });

  it("no import cycle among core files", () => {
    const cycles = coreCycles(files).map((cycle) => cycle.join(" -> "));
    assert.deepEqual(cycles, [], `core import cycles:\n${cycles.join("\n")}`);
  });

  it("finds the imports of every form and the violations among them", () => {
    const source = [
      `import { a } from "../adapters/x.ts";`,
      `import type {\n  B,\n} from '../services/y.ts';`,
      `export { c } from "./z.ts";`,
      `export type * from "../config/w.ts";`,
      `import "./side-effect.ts";`,
      `const m = await import("node:fs");`,
    ].join("\n");
    assert.deepEqual(importsOf(source), [
      "../adapters/x.ts",
      "../services/y.ts",
      "./z.ts",
      "../config/w.ts",
      "./side-effect.ts",
      "node:fs",
    ]);
    assert.equal(violation("core/a.ts", "node:fs"), "core does no I/O");
    assert.equal(violation("core/a.ts", "node:crypto"), undefined);
    assert.equal(violation("adapters/a/b.ts", "../../services/c/d.ts"), "adapters may not import services");
    assert.equal(violation("fronts/http/a.ts", "../../app/index.ts"), undefined);
    assert.match(violation("fronts/http/a.ts", "../../app/state.ts") ?? "", /only app\/index\.ts/);
    assert.equal(violation("services/a/b.ts", "../../config/c.ts"), "services may not import config");
    assert.equal(violation("app/a.ts", "../config/c.ts"), undefined);
    assert.equal(namesGateway(`import type { Gateway } from "../../app/index.ts";`), true);
    assert.equal(namesGateway(`import { createGateway, type Gateway } from "../../app/index.ts";`), true);
    assert.equal(namesGateway(`import type { GatewayState } from "../../app/index.ts";`), false);
  });
});

/** Where gateway errors may become JSON-RPC errors: the fronts' encoder, and the peer answering a server's request. */
const ERROR_ENCODERS = ["fronts/shared/reply-encoder.ts", "services/upstream/upstream-peer.ts"];

describe("the wire boundary", () => {
  const files = sourceFiles();

  it("only the encoders turn errors into JSON-RPC errors", () => {
    const converting = files.filter((file) => /\btoJsonRpcError\b/.test(readFileSync(join(SRC, file), "utf8")));
    assert.deepEqual(converting.filter((f) => f !== "core/errors.ts").sort(), ERROR_ENCODERS);
  });

  it("JSON-RPC error codes are written only in the error registry", () => {
    const minting = files.filter((file) => /-3[12]\d{3}\b/.test(readFileSync(join(SRC, file), "utf8")));
    assert.deepEqual(minting, ["core/errors.ts"]);
  });
});

describe("docs/architecture.md's source tree", () => {
  const folders = treeFolders(readFileSync(join(REPO_ROOT, "docs", "architecture.md"), "utf8"));

  it("names only folders that exist", () => {
    const missing = folders.filter((folder) => !existsSync(join(SRC, folder)));
    assert.deepEqual(missing, [], `named in the tree but missing under src/: ${missing.join(", ")}`);
  });

  it("names every top-level folder of src/", () => {
    const topLevel = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    const unnamed = topLevel.filter((name) => !folders.includes(name));
    assert.deepEqual(unnamed, [], `folders of src/ the tree does not name: ${unnamed.join(", ")}`);
  });

  it("reads nested and listed folders", () => {
    const tree =
      "```\nsrc/\n  core/        pure\n  services/\n    a/  x\n    b/, c/  y\n               wrapped text\n```";
    assert.deepEqual(treeFolders(tree), ["core", "services", "services/a", "services/b", "services/c"]);
  });
});

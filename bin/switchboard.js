#!/usr/bin/env node
// The `switchboard` command: runs the compiled CLI (dist/, built by `npm run build` on install) when it is
// up to date with src/, otherwise the TypeScript sources directly; re-launches on node@22 when Node is older.
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { currentNodeIsEnough, execWithNode22Flags, runNode } from "./node22.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const compiled = `${root}dist/fronts/cli/main.js`;
const sources = `${root}src/fronts/cli/main.ts`;

/** Newest modification time under a directory (test files excluded). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function entryPoint() {
  let built;
  try {
    built = statSync(compiled).mtimeMs;
  } catch {
    return sources; // no build (e.g. a checkout without `npm install`): run the sources
  }
  if (built >= newestMtime(`${root}src`)) return compiled;
  process.stderr.write(
    "switchboard: dist/ is older than src/; running the TypeScript sources (`npm run build` to refresh)\n",
  );
  return sources;
}

if (currentNodeIsEnough()) execWithNode22Flags();
const main = entryPoint();
if (currentNodeIsEnough()) {
  const { main: run } = await import(main);
  await run(process.argv.slice(2));
} else {
  runNode([main, ...process.argv.slice(2)]);
}

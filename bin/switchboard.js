#!/usr/bin/env node
// The `switchboard` command: runs the CLI in-process on Node >= 22.18, or re-launches it on node@22.
import { fileURLToPath } from "node:url";
import { currentNodeIsEnough, runNode } from "./node22.js";

const main = fileURLToPath(new URL("../src/fronts/cli/main.ts", import.meta.url));
if (currentNodeIsEnough()) {
  const { main: run } = await import(main);
  await run(process.argv.slice(2));
} else {
  runNode([main, ...process.argv.slice(2)]);
}

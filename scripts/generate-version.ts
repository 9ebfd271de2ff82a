// Writes src/core/version.ts from package.json (core does no I/O, so the version is a generated constant);
// `--check` fails when the committed file is stale. `npm version` runs it through the `version` script.
import { readFileSync, writeFileSync } from "node:fs";

const target = new URL("../src/core/version.ts", import.meta.url);
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const text = `// The gateway's own name and version. Generated from package.json by scripts/generate-version.ts: do not edit.

export const GATEWAY_NAME = "switchboard";
export const GATEWAY_VERSION: string = ${JSON.stringify(version)};
`;

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {}
  if (current !== text) {
    console.error("src/core/version.ts is out of date: run `npm run version`");
    process.exit(1);
  }
  console.log("src/core/version.ts is up to date");
} else {
  writeFileSync(target, text);
}

// Writes src/core/version.ts from package.json (core does no I/O, so the version is a generated constant);
// `--check` fails when the committed file is stale. `npm version` runs it through the `version` script.
import { readFileSync } from "node:fs";
import { writeOrCheck } from "./generated-file.ts";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const text = `// The gateway's own name and version. Generated from package.json by scripts/generate-version.ts: do not edit.

export const GATEWAY_NAME = "switchboard";
export const GATEWAY_VERSION: string = ${JSON.stringify(version)};
`;

writeOrCheck(new URL("../src/core/version.ts", import.meta.url), text, "src/core/version.ts", "npm run version");

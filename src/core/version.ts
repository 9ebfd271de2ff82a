// The gateway's own name and version, read once from package.json.
import { readFileSync } from "node:fs";

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export const GATEWAY_NAME = "switchboard";
export const GATEWAY_VERSION: string = manifest.version;

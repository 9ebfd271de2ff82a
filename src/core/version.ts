// The gateway's own name and version. Generated from package.json by scripts/generate-version.ts: do not edit.

export const GATEWAY_NAME = "switchboard";
export const GATEWAY_VERSION: string = "0.1.0";

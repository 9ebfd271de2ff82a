// Writes schema/switchboard.schema.json from the zod schema; `--check` fails when the committed file is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { PublishedConfigSchema } from "../src/config/schema.ts";

const target = new URL("../schema/switchboard.schema.json", import.meta.url);
const schema = z.toJSONSchema(PublishedConfigSchema, { io: "input", target: "draft-2020-12" });
const text = `${JSON.stringify({ $id: "https://switchboard.dev/schema/switchboard.schema.json", ...schema }, null, 2)}\n`;

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {}
  if (current !== text) {
    console.error("schema/switchboard.schema.json is out of date: run `npm run schema`");
    process.exit(1);
  }
  console.log("schema/switchboard.schema.json is up to date");
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target.pathname}`);
}

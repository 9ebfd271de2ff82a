// Writes schema/switchboard.schema.json from the zod schema; `--check` fails when the committed file is stale.
import { z } from "zod";
import { PublishedConfigSchema } from "../src/config/schema.ts";
import { writeOrCheck } from "./generated-file.ts";

const target = new URL("../schema/switchboard.schema.json", import.meta.url);
const schema = z.toJSONSchema(PublishedConfigSchema, { io: "input", target: "draft-2020-12" });
const text = `${JSON.stringify({ $id: "https://switchboard.dev/schema/switchboard.schema.json", ...schema }, null, 2)}\n`;

writeOrCheck(target, text, "schema/switchboard.schema.json", "npm run schema");

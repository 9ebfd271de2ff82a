// Builds the labelled screening corpus under test/corpus/integrity/ (docs/integrity.md): the benign tool
// definitions of the LiveMCPBench and MetaTool catalogs as MCP tool definitions, and hostile variants derived from
// them, one file per class, each item labelled with its class and the rule ids that must fire. Deterministic.
//
//   node bin/node22.js scripts/integrity-corpus.ts --data DIR     DIR holds livemcpbench/ and metatool/
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type CorpusItem, HOSTILE_CLASSES, heldoutVariants, hostileVariants } from "./integrity-corpus-hostile.ts";

const { values: args } = parseArgs({ options: { data: { type: "string" } } });
if (!args.data) throw new Error("--data DIR is required (the folder holding livemcpbench/ and metatool/)");
const out = new URL("../test/corpus/integrity/", import.meta.url);

interface LiveServer {
  name: string;
  tools: Record<string, { tools: Record<string, unknown>[] }>;
}

/** A tool as the server listed it, without the `null` members the catalog's JSON dump added. */
function wireTool(tool: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(tool).filter(([, value]) => value !== null));
}

function liveMcpBench(dir: string): CorpusItem[] {
  const servers = JSON.parse(readFileSync(join(dir, "livemcpbench/tools.json"), "utf8")) as LiveServer[];
  return servers.flatMap((server) =>
    Object.values(server.tools).flatMap((entry) =>
      entry.tools.map((tool) => ({
        id: `livemcpbench:${server.name}/${tool.name as string}`,
        server: server.name,
        kind: "tool" as const,
        definition: wireTool(tool),
      })),
    ),
  );
}

/** MetaTool plugins have a one-sentence description and no parameters: an empty object schema. */
function metaTool(dir: string): CorpusItem[] {
  const plugins = JSON.parse(readFileSync(join(dir, "metatool/plugin_des.json"), "utf8")) as Record<string, string>;
  return Object.entries(plugins).map(([name, description]) => ({
    id: `metatool:${name}`,
    server: "metatool",
    kind: "tool" as const,
    definition: { name, description, inputSchema: { type: "object", properties: {} } },
  }));
}

const jsonl = (items: readonly object[]) => `${items.map((item) => JSON.stringify(item)).join("\n")}\n`;

const live = liveMcpBench(args.data);
const meta = metaTool(args.data);
writeFileSync(new URL("benign-livemcpbench.jsonl", out), jsonl(live));
writeFileSync(new URL("benign-metatool.jsonl", out), jsonl(meta));
const hostile = hostileVariants([...live, ...meta]);
for (const name of HOSTILE_CLASSES) {
  const items = hostile.filter((item) => item.class === name);
  writeFileSync(new URL(`hostile-${name}.jsonl`, out), jsonl(items));
  console.log(`hostile-${name}.jsonl: ${items.length}`);
}
writeFileSync(new URL("heldout-instruction.jsonl", out), jsonl(heldoutVariants([...live, ...meta])));
console.log(`benign: ${live.length} LiveMCPBench + ${meta.length} MetaTool`);

// Writes a generated file, or with `--check` fails when the committed one differs from what would be written.
import { readFileSync, writeFileSync } from "node:fs";

/** `name` is how messages call the file; `regenerate` the command that rewrites it. */
export function writeOrCheck(target: URL, text: string, name: string, regenerate: string): void {
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(target, "utf8");
    } catch {}
    if (current !== text) {
      console.error(`${name} is out of date: run \`${regenerate}\``);
      process.exit(1);
    }
    console.log(`${name} is up to date`);
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${target.pathname}`);
  }
}

// Finds the npm package a stdio server runs from (`package` in the config becomes `node <bin>`), so an image can
// bake that package with its dependencies.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export interface ServerPackage {
  name: string;
  /** The package's folder (the one holding its package.json, directly under a node_modules folder). */
  dir: string;
}

/** The installed package holding `entry` (a bin path), or undefined when it is not inside a node_modules folder. */
export function findServerPackage(entry: string): ServerPackage | undefined {
  for (let dir = dirname(entry); dirname(dir) !== dir; dir = dirname(dir)) {
    const parent = dirname(dir);
    const underNodeModules =
      basename(parent) === "node_modules" ||
      (basename(parent).startsWith("@") && basename(dirname(parent)) === "node_modules");
    if (!underNodeModules || !existsSync(join(dir, "package.json"))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
    if (manifest.name) return { name: manifest.name, dir };
  }
  return undefined;
}

// Manifest cache as one JSON file per server under <stateDir>/manifests, written atomically (temp + rename).
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ManifestStore, ServerManifest } from "../../ports/manifest-store.ts";

export function createFileManifestStore(stateDir: string): ManifestStore {
  const dir = join(stateDir, "manifests");
  const fileOf = (server: string) => join(dir, `${server}.json`);
  let ready: Promise<unknown> | undefined;
  return {
    async load(server) {
      try {
        return JSON.parse(await readFile(fileOf(server), "utf8")) as ServerManifest;
      } catch {
        return undefined; // absent or unreadable: the server will be asked again
      }
    },
    async save(manifest) {
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const target = fileOf(manifest.server);
      const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temp, JSON.stringify(manifest));
      await rename(temp, target);
    },
  };
}

// The catalog's manifest cache on the RegistryStore, read through the Cache: a manifest is looked up in the
// cache first (shared by replicas when it is Redis), then in the registry, and written to both. While the
// registry is unreachable, reads are served from the cache and writes fail with the registry's error (the
// catalog logs it and keeps serving from memory).
import type { Cache } from "../../ports/cache.ts";
import type { Logger } from "../../ports/logger.ts";
import type { ManifestStore, ServerManifest } from "../../ports/manifest-store.ts";
import type { RegistryStore } from "../../ports/registry-store.ts";

export interface RegistryManifestStoreOptions {
  registry: RegistryStore;
  /** Undefined when caching is disabled. */
  cache: Cache | undefined;
  ttlMs: number;
  logger: Logger;
}

const keyOf = (server: string) => `manifest:${server}`;

export function createRegistryManifestStore(options: RegistryManifestStoreOptions): ManifestStore {
  const { registry, cache, ttlMs, logger } = options;
  const cached = async (server: string): Promise<ServerManifest | undefined> => {
    const text = await cache?.get(keyOf(server)).catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as ServerManifest;
    } catch {
      return undefined;
    }
  };
  const remember = (manifest: ServerManifest) =>
    cache?.set(keyOf(manifest.server), JSON.stringify(manifest), ttlMs).catch((error: unknown) => {
      logger.debug({ err: error, server: manifest.server }, "manifest not cached");
    });
  return {
    async load(server) {
      const hit = await cached(server);
      if (hit) return hit;
      let stored: ServerManifest | undefined;
      try {
        stored = await registry.getManifest(server);
      } catch (error) {
        logger.warn({ err: error, server }, "registry unreachable: the server's manifest is unknown until it runs");
        return undefined;
      }
      if (stored) await remember(stored);
      return stored;
    },
    async save(manifest) {
      await remember(manifest);
      await registry.putManifest(manifest);
    },
  };
}

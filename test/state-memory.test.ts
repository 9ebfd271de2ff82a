// The state contracts against the in-memory adapters.
import { createMemoryCache } from "../src/adapters/cache/memory-cache.ts";
import { createMemoryResultStore } from "../src/adapters/storage/memory-result-store.ts";
import { createMemorySessionStore } from "../src/adapters/storage/memory-session-store.ts";
import { cacheContract } from "./contracts/cache.contract.ts";
import { resultStoreContract } from "./contracts/result-store.contract.ts";
import { sessionStoreContract } from "./contracts/session-store.contract.ts";
import { CACHE_LIMITS, MAX_SESSIONS } from "./helpers/config-defaults.ts";

// Each namespace is its own instance: memory is isolated by construction.
const fixture = <T extends { close(): Promise<void> }>(store: T) => ({ store, cleanup: () => store.close() });

cacheContract("memory", async () => fixture(createMemoryCache(CACHE_LIMITS)));
sessionStoreContract("memory", async () => fixture(createMemorySessionStore({ maxSessions: MAX_SESSIONS })));
resultStoreContract("memory", async () => fixture(createMemoryResultStore()));

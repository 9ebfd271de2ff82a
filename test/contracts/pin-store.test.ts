// The PinStore contract on the memory adapter (SQLite and PostgreSQL run it in test/storage-sqlite.test.ts and
// test/storage-postgres.test.ts), and the gateway state handing the pins of its database.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { createPinoLogger } from "../../src/adapters/observability/pino-logger.ts";
import { createMemoryPinStore } from "../../src/adapters/storage/memory-pin-store.ts";
import { createSqliteIdentityStore } from "../../src/adapters/storage/sqlite/sqlite-identity-store.ts";
import { openState } from "../../src/app/state.ts";
import { normalizeConfig } from "../../src/config/load.ts";
import { pinStoreContract, samplePin } from "./pin-store.contract.ts";

pinStoreContract("memory", async () => ({ store: createMemoryPinStore(), cleanup: async () => {} }), {
  replicas: false,
});

describe("pins in the gateway state", () => {
  test("state.pins is the registry database's pin store, shared with a store opened beside the gateway", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "switchboard-pins-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const settings = normalizeConfig({ gateway: { stateDir: dir } }, undefined, { env: {} }).gateway;
    const sqlitePath = settings.database.sqlitePath;
    const state = await openState(settings, createPinoLogger({ level: "silent", json: true }));
    t.after(() => state.close());
    const pin = samplePin();
    await state.pins.putPin(pin);
    const beside = await createSqliteIdentityStore(sqlitePath);
    t.after(() => beside.close());
    assert.deepStrictEqual(await beside.getPin(pin), pin);
  });
});

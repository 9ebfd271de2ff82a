// API keys and sealed secrets against real SQLite (a temp file) and real PostgreSQL (a database of this run,
// dropped at the end; SWITCHBOARD_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test):
// create, verify, list, revoke, expiry, refusals, the verification cache and its bound, what the tables hold,
// and a PostgreSQL outage. No PostgreSQL is a failure, not a skip: CI starts one.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createPostgresIdentityStore } from "../src/adapters/storage/postgres/pg-identity-store.ts";
import { createSqliteIdentityStore } from "../src/adapters/storage/sqlite/sqlite-identity-store.ts";
import type { ApiKeyStore } from "../src/ports/api-key-store.ts";
import type { SecretStore } from "../src/ports/secret-store.ts";
import { type ApiKeysOptions, createApiKeys } from "../src/services/identity/api-keys.ts";
import { createManualClock } from "./helpers/manual-clock.ts";
import { admin, POOL_DEFAULTS, testDatabases } from "./helpers/postgres.ts";
import { startTcpProxy } from "./helpers/tcp-proxy.ts";

type IdentityStore = ApiKeyStore & SecretStore & { close(): Promise<void> };

interface Backend {
  open(): Promise<IdentityStore>;
  /** Every row of a table, as text: what someone reading the database would see. */
  dump(table: string): Promise<string>;
}

const dirs: string[] = [];
const databases = testDatabases();
after(async () => {
  await databases.dropAll();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-keys-"));
  dirs.push(dir);
  const path = join(dir, "state.sqlite");
  return {
    open: () => createSqliteIdentityStore(path),
    async dump(table) {
      const { DatabaseSync } = process.getBuiltinModule("node:sqlite");
      const db = new DatabaseSync(path);
      try {
        return JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all());
      } finally {
        db.close();
      }
    },
  };
}

function postgresBackend(): Backend {
  let url: Promise<string> | undefined;
  const database = () => {
    url ??= databases.create("keys");
    return url;
  };
  return {
    open: async () => createPostgresIdentityStore({ ...POOL_DEFAULTS, url: await database(), poolSize: 2 }),
    dump: async (table) => JSON.stringify((await admin(`SELECT * FROM ${table}`, await database())).rows),
  };
}

/** The store with a count of its lookups, to tell a cached verification (no lookup) from a checked one. */
function counting(store: ApiKeyStore): ApiKeyStore & { lookups: number } {
  const counted = {
    lookups: 0,
    insertKey: (record: Parameters<ApiKeyStore["insertKey"]>[0]) => store.insertKey(record),
    getKey: (id: string) => {
      counted.lookups++;
      return store.getKey(id);
    },
    listKeys: () => store.listKeys(),
    revokeKey: (id: string, at: string) => store.revokeKey(id, at),
  };
  return counted;
}

const KEY_FORMAT = /^sb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;
const refused = (message: RegExp) => ({
  name: "SwitchboardError",
  code: "unauthenticated",
  message,
  data: { error: "invalid_token" },
});
const invalidParams = (message: RegExp) => ({ name: "SwitchboardError", code: "invalid_params", message });

for (const [name, backend] of [
  ["SQLite", sqliteBackend()],
  ["PostgreSQL", postgresBackend()],
] as const) {
  describe(`API keys on ${name}`, () => {
    const setUp = async (options: Partial<ApiKeysOptions> = {}) => {
      const store = await backend.open();
      const clock = createManualClock();
      const lookups = counting(store);
      const keys = createApiKeys({ store: lookups, clock, cacheMs: 30_000, ...options });
      return { store, clock, lookups, keys };
    };
    type Setup = Awaited<ReturnType<typeof setUp>>;
    /** Runs body on a fresh service over the backend's store, closing the store afterwards. */
    const withKeys = async (options: Partial<ApiKeysOptions>, body: (t: Setup) => Promise<void>) => {
      const t = await setUp(options);
      try {
        await body(t);
      } finally {
        await t.store.close();
      }
    };

    test("a created key verifies to its principal; only a scrypt hash of it is stored; lists show no hash", async () => {
      await withKeys({}, async (t) => {
        const { key, record } = await t.keys.create({
          principal: "alice@example.com",
          groups: ["deploy", "readers", "deploy"],
          description: "CI pipeline",
        });
        assert.match(key, KEY_FORMAT);
        assert.equal(key.slice(3, 15), record.id);
        assert.deepEqual(
          { ...record, createdAt: undefined },
          {
            id: record.id,
            principal: "alice@example.com",
            groups: ["deploy", "readers"],
            description: "CI pipeline",
            createdAt: undefined,
            expiresAt: null,
            revokedAt: null,
            status: "active",
          },
        );
        assert.equal(record.createdAt, new Date(t.clock.now()).toISOString());
        assert.deepEqual(await t.keys.verify(key), {
          name: "alice@example.com",
          groups: ["deploy", "readers"],
          scopes: [],
          via: "apiKey",
          credentialId: record.id,
        });

        const rows = await backend.dump("switchboard_api_keys");
        const secret = key.slice(16);
        assert.ok(!rows.includes(secret), "the secret is not in the table");
        assert.ok(!rows.includes(key), "the key is not in the table");
        assert.match(rows, /scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}/);

        const listed = (await t.keys.list()).find((k) => k.id === record.id);
        assert.deepEqual(listed, record);
        assert.ok(!("hash" in (listed as object)), "no hash in the listing");
      });
    });

    test("a wrong secret and an unknown id get the same answer, which never holds the secret", async () => {
      await withKeys({}, async (t) => {
        const { key } = await t.keys.create({ principal: "bob" });
        const wrongSecret = `${key.slice(0, 16)}${"A".repeat(43)}`;
        const unknownId = `sb_ffffffffffff_${key.slice(16)}`;
        const answers: string[] = [];
        for (const candidate of [wrongSecret, unknownId]) {
          await assert.rejects(t.keys.verify(candidate), (error: Error) => {
            assert.deepEqual(
              { code: (error as { code?: string }).code, data: (error as { data?: unknown }).data },
              { code: "unauthenticated", data: { error: "invalid_token" } },
            );
            assert.ok(!error.message.includes(candidate.slice(16)), "the secret is not in the message");
            answers.push(error.message);
            return true;
          });
        }
        assert.equal(answers[0], answers[1]);
        assert.equal(answers[0], "invalid API key");
      });
    });

    test("malformed keys are refused without a lookup", async () => {
      await withKeys({}, async (t) => {
        const { key } = await t.keys.create({ principal: "carol" });
        const lookupsBefore = t.lookups.lookups;
        for (const malformed of [
          "",
          "sb_",
          key.replace("sb_", "sk_"),
          key.toUpperCase(),
          `${key}x`,
          key.slice(0, -1),
          `${key.slice(0, -1)}=`,
          key.replace(/_/, "-"),
          undefined as unknown as string,
        ]) {
          await assert.rejects(t.keys.verify(malformed), refused(/^malformed API key/));
        }
        assert.equal(t.lookups.lookups, lookupsBefore);
      });
    });

    test("a revoked key is refused at once, even right after it verified (cached)", async () => {
      await withKeys({}, async (t) => {
        const { key, record } = await t.keys.create({ principal: "dave" });
        await t.keys.verify(key);
        await t.keys.verify(key);
        assert.equal(t.lookups.lookups, 1, "the second verification came from the cache");
        assert.equal(await t.keys.revoke(record.id), true);
        await assert.rejects(t.keys.verify(key), refused(new RegExp(`^API key ${record.id} has been revoked$`)));
        assert.equal(await t.keys.revoke(record.id), false, "revoked already");
        assert.equal(await t.keys.revoke("ffffffffffff"), false, "unknown id");
        assert.equal(await t.keys.revoke("not an id"), false, "not an id at all");
        const listed = (await t.keys.list()).find((k) => k.id === record.id);
        assert.equal(listed?.status, "revoked");
        assert.equal(listed?.revokedAt, new Date(t.clock.now()).toISOString());
      });
    });

    test("another process's revocation is seen once the cache time has passed", async () => {
      await withKeys({}, async (t) => {
        const { key, record } = await t.keys.create({ principal: "erin" });
        const other = createApiKeys({ store: t.store, clock: t.clock, cacheMs: 0 });
        await t.keys.verify(key);
        assert.equal(await other.revoke(record.id), true);
        await t.keys.verify(key); // still cached here, as documented
        t.clock.advance(30_000);
        await assert.rejects(t.keys.verify(key), refused(/has been revoked/));
      });
    });

    test("a key expires at its expiry, cached or not", async () => {
      await withKeys({ cacheMs: 24 * 3_600_000 }, async (t) => {
        const expiresAt = new Date(t.clock.now() + 3_600_000).toISOString();
        const { key, record } = await t.keys.create({ principal: "frank", expiresAt });
        assert.equal(record.expiresAt, expiresAt);
        await t.keys.verify(key);
        t.clock.advance(3_600_000 - 1);
        await t.keys.verify(key);
        t.clock.advance(1);
        await assert.rejects(t.keys.verify(key), refused(new RegExp(`^API key ${record.id} expired at ${expiresAt}$`)));
        assert.equal((await t.keys.list()).find((k) => k.id === record.id)?.status, "expired");
      });
    });

    test("sealed secrets: put, get, overwrite, delete; lists give keys, never values", async () => {
      await withKeys({}, async (t) => {
        const slot = { kind: "credential", server: "github", principal: "alice", name: "GITHUB_TOKEN" } as const;
        assert.equal(await t.store.getSecret(slot), undefined);
        await t.store.putSecret({ ...slot, sealed: "sealed-one" });
        await t.store.putSecret({ ...slot, principal: "bob", sealed: "sealed-bob" });
        await t.store.putSecret({
          kind: "oauth",
          server: "github",
          principal: "",
          name: "tokens",
          sealed: "sealed-oauth",
        });
        const first = await t.store.getSecret(slot);
        assert.equal(first?.sealed, "sealed-one");
        assert.ok(!Number.isNaN(Date.parse(first?.updatedAt ?? "")));
        await t.store.putSecret({ ...slot, sealed: "sealed-two" });
        assert.deepEqual(
          { ...(await t.store.getSecret(slot)), updatedAt: undefined },
          {
            ...slot,
            sealed: "sealed-two",
            updatedAt: undefined,
          },
        );
        const credentials = await t.store.listSecrets({ kind: "credential" });
        assert.deepEqual(credentials, [slot, { ...slot, principal: "bob" }]);
        assert.ok(!JSON.stringify(credentials).includes("sealed"), "no values in a listing");
        assert.deepEqual(await t.store.listSecrets({ kind: "credential", principal: "bob" }), [
          { ...slot, principal: "bob" },
        ]);
        assert.deepEqual(await t.store.listSecrets({ kind: "credential", server: "other" }), []);
        assert.deepEqual(await t.store.listSecrets({ kind: "oauth", server: "github" }), [
          { kind: "oauth", server: "github", principal: "", name: "tokens" },
        ]);
        assert.equal(await t.store.deleteSecret(slot), true);
        assert.equal(await t.store.deleteSecret(slot), false);
        assert.equal(await t.store.getSecret(slot), undefined);
        assert.equal((await t.store.getSecret({ ...slot, principal: "bob" }))?.sealed, "sealed-bob");
        for (const kind of ["credential", "oauth"] as const) {
          for (const left of await t.store.listSecrets({ kind })) await t.store.deleteSecret(left);
        }
      });
    });
  });
}

describe("API keys: input and load", () => {
  const backend = sqliteBackend();

  test("bad input is refused with invalid_params saying what is wrong", async () => {
    const store = await backend.open();
    try {
      const clock = createManualClock();
      const keys = createApiKeys({ store, clock, cacheMs: 30_000 });
      const past = new Date(clock.now() - 1000).toISOString();
      const cases: [Parameters<typeof keys.create>[0], RegExp][] = [
        [{ principal: "" }, /principal is required/],
        [{ principal: "x".repeat(257) }, /257 characters long; at most 256/],
        [{ principal: "a\nb" }, /principal must be printable/],
        [{ principal: " alice" }, /principal must be printable/],
        [{ principal: "a", groups: ["ok", "not ok"] }, /group "not ok" is not a valid name/],
        [{ principal: "a", groups: ["x".repeat(65)] }, /is not a valid name/],
        [{ principal: "a", groups: Array.from({ length: 65 }, (_, i) => `g${i}`) }, /65 groups given; at most 64/],
        [{ principal: "a", groups: "admins" as unknown as string[] }, /groups must be an array/],
        [{ principal: "a", expiresAt: past }, /is not in the future/],
        [{ principal: "a", expiresAt: "tomorrow" }, /expiresAt must be an ISO 8601 time/],
        [{ principal: "a", expiresAt: "2030-01-01" }, /expiresAt must be an ISO 8601 time/],
        [{ principal: "a", description: "x".repeat(1025) }, /description is 1025 characters/],
      ];
      for (const [input, message] of cases) await assert.rejects(keys.create(input), invalidParams(message));
      assert.deepEqual(await keys.list(), [], "nothing was stored");
      const { record } = await keys.create({
        principal: "ünïcode user",
        groups: ["a:b", "c.d", "e_f-g"],
        expiresAt: "2030-01-31T12:00:00+01:00",
      });
      assert.equal(record.expiresAt, "2030-01-31T11:00:00.000Z");
    } finally {
      await store.close();
    }
  });

  test("uncached verifications beyond the running and queued bound are refused with rate_limited", async () => {
    const store = await backend.open();
    try {
      const keys = createApiKeys({
        store,
        clock: createManualClock(),
        cacheMs: 30_000,
        maxConcurrentVerifications: 1,
        maxQueuedVerifications: 1,
      });
      const bogus = Array.from({ length: 5 }, (_, i) => `sb_${String(i).repeat(12)}_${"B".repeat(43)}`);
      const outcomes = await Promise.allSettled(bogus.map((key) => keys.verify(key)));
      const codes = outcomes.map((o) => (o.status === "rejected" ? (o.reason as { code: string }).code : "ok"));
      assert.deepEqual(codes, ["unauthenticated", "unauthenticated", "rate_limited", "rate_limited", "rate_limited"]);
      const limited = outcomes[2] as PromiseRejectedResult;
      assert.match(limited.reason.message, /too many API key verifications in progress; try again/);
      assert.deepEqual(limited.reason.data, { retryAfterMs: 1000, scope: "apiKeyVerification" });
      // The bound frees up: the next one is checked again.
      await assert.rejects(keys.verify(bogus[4] as string), { code: "unauthenticated" });
    } finally {
      await store.close();
    }
  });

  test("a key that matched before is rechecked past its cache time without waiting behind a flood", async () => {
    const store = await backend.open();
    try {
      const clock = createManualClock();
      const keys = createApiKeys({
        store,
        clock,
        cacheMs: 1_000,
        maxConcurrentVerifications: 1,
        maxQueuedVerifications: 0,
      });
      const { key, record } = await keys.create({ principal: "known" });
      await keys.verify(key);
      clock.advance(5_000);
      // The one verification slot is busy with an unknown key, and nothing may queue: a new key would be refused.
      const fresh = await keys.create({ principal: "fresh" });
      const flood = assert.rejects(keys.verify(`sb_${"a".repeat(12)}_${"B".repeat(43)}`), { code: "unauthenticated" });
      const refused = assert.rejects(keys.verify(fresh.key), { code: "rate_limited" });
      assert.equal((await keys.verify(key)).name, "known", "the known key skips the queue and the hash");
      await Promise.all([flood, refused]);
      // The recheck reads the record: a revocation elsewhere (another replica) is seen once the cache time passed.
      await createApiKeys({ store, clock, cacheMs: 0 }).revoke(record.id);
      clock.advance(5_000);
      await assert.rejects(keys.verify(key), /has been revoked/);
    } finally {
      await store.close();
    }
  });

  test("requests with the same uncached key share one verification; failures are not remembered", async () => {
    const store = await backend.open();
    try {
      const lookups = counting(store);
      const keys = createApiKeys({
        store: lookups,
        clock: createManualClock(),
        cacheMs: 30_000,
        maxQueuedVerifications: 0,
      });
      const { key } = await keys.create({ principal: "grace" });
      const principals = await Promise.all(Array.from({ length: 10 }, () => keys.verify(key)));
      assert.equal(lookups.lookups, 1);
      assert.ok(principals.every((p) => p === principals[0]));
      const wrong = `${key.slice(0, 16)}${"C".repeat(43)}`;
      await assert.rejects(keys.verify(wrong), { code: "unauthenticated" });
      await assert.rejects(keys.verify(wrong), { code: "unauthenticated" });
      assert.equal(lookups.lookups, 3, "each failure was checked again");
    } finally {
      await store.close();
    }
  });
});

describe("API keys on PostgreSQL: outage", () => {
  test("while PostgreSQL is down, verify, create, list and revoke reject as storage_unavailable", async () => {
    const url = new URL(await databases.create("outage"));
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.host = `127.0.0.1:${proxy.port}`;
    const store = await createPostgresIdentityStore({
      ...POOL_DEFAULTS,
      url: url.href,
      poolSize: 2,
      connectTimeoutMs: 1000,
    });
    try {
      const keys = createApiKeys({ store, clock: createManualClock(), cacheMs: 0 });
      const { key, record } = await keys.create({ principal: "heidi" });
      await keys.verify(key);
      await proxy.down();
      const unavailable = {
        name: "SwitchboardError",
        code: "storage_unavailable",
        message: /^PostgreSQL unavailable: /,
      };
      await assert.rejects(keys.verify(key), unavailable, "not a refusal of the key");
      await assert.rejects(keys.create({ principal: "ivan" }), unavailable);
      await assert.rejects(keys.list(), unavailable);
      await assert.rejects(keys.revoke(record.id), unavailable);
      await assert.rejects(store.getSecret({ kind: "oauth", server: "s", principal: "", name: "tokens" }), unavailable);
      await proxy.up();
      assert.equal((await keys.verify(key)).name, "heidi");
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});

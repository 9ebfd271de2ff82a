// `switchboard doctor` as a real child process: the SQLite default, a real PostgreSQL and Redis (reachable,
// refusing, and silent), server commands that do not resolve, and an invalid configuration. PostgreSQL and Redis
// come from SWITCHBOARD_TEST_POSTGRES_URL and REDIS_URL (defaults on 127.0.0.1), as in the storage tests.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Client } from "pg";
import type { DoctorCheck } from "../src/adapters/doctor/checks.ts";
import { findExecutable } from "../src/adapters/doctor/executables.ts";
import { migrationsCheck } from "../src/adapters/doctor/migrations.ts";
import { migratePostgres } from "../src/adapters/storage/postgres/pg-migrate.ts";
import { createPgPool } from "../src/adapters/storage/postgres/pg-pool.ts";
import { POSTGRES_REGISTRY_MIGRATIONS } from "../src/adapters/storage/postgres/pg-schema.ts";
import { migrateSqlite } from "../src/adapters/storage/sqlite/migrate.ts";
import { openSqliteDatabase } from "../src/adapters/storage/sqlite/open-database.ts";
import { SQLITE_AUDIT_MIGRATIONS, SQLITE_REGISTRY_MIGRATIONS } from "../src/adapters/storage/sqlite/sqlite-schema.ts";
import { type CliResult, describeRun, killSpawned, runCli, writeConfig } from "./helpers/cli.ts";
import { tempDir } from "./helpers/gateway.ts";
import { POOL_DEFAULTS } from "./helpers/postgres.ts";

const POSTGRES_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PASSWORD = `pw-${randomBytes(6).toString("hex")}`;
const root = tempDir("switchboard-doctor-");
const databases: string[] = [];
const cleanups: (() => void)[] = [];

after(async () => {
  killSpawned();
  for (const cleanup of cleanups) cleanup();
  for (const name of databases) await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  rmSync(root, { recursive: true, force: true });
});

interface Doctor {
  result: CliResult;
  checks: DoctorCheck[];
  row(name: string): DoctorCheck;
}

/** Runs doctor (--json unless `table`) on a config in a fresh directory whose state directory is inside it. */
async function doctor(
  config: { gateway?: Record<string, unknown>; servers?: Record<string, unknown> } = {},
  env: Record<string, string> = {},
  table = false,
): Promise<Doctor> {
  const dir = join(root, randomBytes(4).toString("hex"));
  mkdirSync(dir);
  const path = writeConfig(dir, {
    gateway: { stateDir: join(dir, "state"), ...config.gateway },
    servers: config.servers ?? {},
  });
  const result = await runCli(["doctor", "--config", path, ...(table ? [] : ["--json"])], { env, timeoutMs: 60_000 });
  const checks = table ? [] : (JSON.parse(result.stdout) as { checks: DoctorCheck[] }).checks;
  const row = (name: string) => {
    const found = checks.find((c) => c.name === name);
    assert.ok(found, `no "${name}" row\n${describeRun(result)}`);
    return found;
  };
  return { result, checks, row };
}

async function sql(text: string, url = POSTGRES_URL): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** A new empty database of this run; its URL. */
async function freshDatabase(): Promise<string> {
  const name = `sb_doctor_${randomBytes(6).toString("hex")}`;
  await sql(`CREATE DATABASE ${name}`);
  databases.push(name);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.href;
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A port that accepts connections and never says a word. */
async function silentPort(): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return (server.address() as { port: number }).port;
}

/** Outside CI a machine without bubblewrap skips the test that needs it (with the reason); in CI it fails. */
const withoutBwrap =
  !process.env.CI && !("path" in findExecutable("bwrap", process.cwd(), process.env.PATH))
    ? "bubblewrap (bwrap) is not installed"
    : false;

function assertOneClearLine(result: CliResult, pattern: RegExp): void {
  const output = `${result.stdout}${result.stderr}`;
  assert.ok(
    output.split("\n").some((line) => pattern.test(line)),
    `no line matching ${pattern}\n${describeRun(result)}`,
  );
  assert.ok(!output.includes(PASSWORD), `the password leaked\n${describeRun(result)}`);
}

describe("doctor with the default SQLite store", () => {
  it("passes (warnings allowed) with every row in the JSON shape, and leaves no state directory behind", async () => {
    const { result, checks, row } = await doctor();
    assert.equal(result.code, 0, describeRun(result));
    const parsed = JSON.parse(result.stdout) as { ok: unknown };
    assert.equal(parsed.ok, true);
    for (const c of checks) {
      assert.equal(typeof c.name, "string");
      assert.ok(["ok", "warn", "skip"].includes(c.status), `${c.name}: ${c.status}`);
      assert.equal(typeof c.detail, "string");
    }
    for (const name of ["config", "state directory", "database"]) assert.equal(row(name).status, "ok");
    // Tests run the CLI's sources straight on this Node (not through bin/switchboard.js, which adds the flag).
    const major = Number(process.versions.node.split(".")[0]);
    const flagged = (process.env.NODE_OPTIONS ?? "").includes("--experimental-async-context-frame");
    const frames = major >= 24 || flagged;
    assert.deepEqual(
      [row("node").status, row("node").data?.asyncContext],
      frames ? ["ok", "frames"] : ["warn", "hooks"],
    );
    assert.equal(row("database migrations").status, "warn");
    assert.match(row("database migrations").detail, /not yet created/);
    assert.deepEqual(row("redis"), {
      name: "redis",
      status: "skip",
      detail: "not configured (sessions and cache in memory)",
    });
    for (const backend of ["bubblewrap", "firejail", "landlock", "gvisor", "podman"])
      assert.ok(["ok", "warn"].includes(row(`sandbox ${backend}`).status));
    assert.ok(!existsSync(String(row("state directory").data?.path)), "the probe removed what it created");
  });

  it("prints an aligned table and a summary line", async () => {
    const { result } = await doctor({}, {}, true);
    assert.equal(result.code, 0, describeRun(result));
    const lines = result.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^CHECK\s+STATUS\s+DETAIL$/);
    const statusColumn = (lines[0] ?? "").indexOf("STATUS");
    for (const name of ["node", "config", "state directory", "database", "redis", "sandbox bubblewrap"]) {
      const line = lines.find((l) => l.startsWith(`${name} `));
      assert.ok(line, `no ${name} row\n${result.stdout}`);
      assert.match(line.slice(statusColumn), /^(ok|warn|skip)\s/);
    }
    assert.match(lines.at(-1) ?? "", /^doctor: (all checks passed|0 failed, \d+ warnings?)$/);
  });

  it("reads an existing file read-only: current schema ok, a version from a newer build fails", async () => {
    const dir = join(root, "sqlite-file");
    const sqlitePath = join(dir, "switchboard.db");
    const db = openSqliteDatabase(sqlitePath);
    migrateSqlite(db, "registry", SQLITE_REGISTRY_MIGRATIONS);
    migrateSqlite(db, "audit", SQLITE_AUDIT_MIGRATIONS);
    const current = await doctor({ gateway: { database: { sqlitePath } } });
    assert.equal(current.result.code, 0, describeRun(current.result));
    assert.match(current.row("database").detail, /journal mode wal/);
    assert.equal(current.row("database migrations").status, "ok");
    db.prepare("INSERT INTO schema_migrations VALUES ('registry', 99, 'future', '')").run();
    db.close();
    const newer = await doctor({ gateway: { database: { sqlitePath } } });
    assert.equal(newer.result.code, 1, describeRun(newer.result));
    assert.equal(newer.row("database migrations").status, "fail");
    assert.match(newer.row("database migrations").detail, /v99, newer than this build/);
  });
});

describe("doctor with PostgreSQL", () => {
  it("reachable: database ok, pgvector ok or warn, an empty database's schema is a warning", async () => {
    const { result, row } = await doctor({}, { DATABASE_URL: POSTGRES_URL });
    assert.notEqual(result.code, 2, describeRun(result));
    assert.equal(row("database").status, "ok");
    assert.match(row("database").detail, /^PostgreSQL \d+/);
    assert.ok(["ok", "warn"].includes(row("pgvector").status));
    assert.ok(["ok", "warn", "fail"].includes(row("database migrations").status));
  });

  it("migrated database ok; a separate, empty audit database is 'not yet created'; a newer version fails", async () => {
    const url = await freshDatabase();
    const auditUrl = await freshDatabase();
    const pool = createPgPool({ ...POOL_DEFAULTS, url, poolSize: 1 });
    await migratePostgres(pool, "registry", POSTGRES_REGISTRY_MIGRATIONS);
    await pool.end();
    const env = { DATABASE_URL: url, AUDIT_DATABASE_URL: auditUrl };
    const first = await doctor({}, env);
    assert.equal(first.result.code, 0, describeRun(first.result));
    assert.equal(first.row("database migrations").status, "ok");
    assert.match(first.row("database migrations").detail, /registry v3 \(current\)/);
    assert.equal(first.row("audit database").status, "ok");
    assert.equal(first.row("audit database migrations").status, "warn");
    assert.match(first.row("audit database migrations").detail, /not yet created/);
    await sql("INSERT INTO switchboard_migrations (component, version, name) VALUES ('registry', 42, 'future')", url);
    const second = await doctor({}, env);
    assert.equal(second.result.code, 1, describeRun(second.result));
    assert.equal(second.row("database migrations").status, "fail");
  });

  it("unreachable: exit 1 and one line naming the redacted URL and the cause, never the password", async () => {
    const port = await closedPort();
    const url = `postgres://doctor:${PASSWORD}@127.0.0.1:${port}/x`;
    const json = await doctor({}, { DATABASE_URL: url });
    assert.equal(json.result.code, 1, describeRun(json.result));
    assert.equal(json.row("database").status, "fail");
    assert.equal(json.row("pgvector").status, "skip");
    const table = await doctor({}, { DATABASE_URL: url }, true);
    assert.equal(table.result.code, 1, describeRun(table.result));
    const where = `postgres://doctor:\\*\\*\\*@127\\.0\\.0\\.1:${port}/x`;
    assertOneClearLine(table.result, new RegExp(`PostgreSQL unreachable at ${where}: .*ECONNREFUSED`));
    assertOneClearLine(json.result, /PostgreSQL unreachable at/);
  });
});

describe("doctor with Redis", () => {
  it("reachable: ping, maxmemory-policy and persistence rows; a distinct cache URL is checked on its own", async () => {
    const cacheUrl = new URL(REDIS_URL);
    cacheUrl.pathname = "/1";
    const { result, row, checks } = await doctor({ gateway: { cache: { redisUrl: cacheUrl.href } } }, { REDIS_URL });
    assert.notEqual(result.code, 2, describeRun(result));
    for (const label of ["redis", "cache redis"]) {
      assert.equal(row(label).status, "ok");
      assert.match(row(label).detail, /^Redis \S+ at redis:\/\/.*PING answered/);
      assert.ok(["ok", "warn"].includes(row(`${label} maxmemory-policy`).status));
      assert.equal(row(`${label} persistence`).status, "ok");
      assert.ok(["aof", "rdb", "none", "unknown"].includes(String(row(`${label} persistence`).data?.mode)));
    }
    assert.equal(checks.filter((c) => c.name.endsWith("redis")).length, 2);
  });

  it("the same URL for sessions and cache is checked once", async () => {
    const { checks } = await doctor({ gateway: { cache: { backend: "redis" } } }, { REDIS_URL });
    assert.deepEqual(
      checks.filter((c) => c.name.includes("redis")).map((c) => c.name),
      ["redis", "redis maxmemory-policy", "redis persistence"],
    );
  });

  it("unreachable: exit 1 and one clear line, without the password", async () => {
    const port = await closedPort();
    const { result } = await doctor({}, { REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}` }, true);
    assert.equal(result.code, 1, describeRun(result));
    assertOneClearLine(
      result,
      new RegExp(`Redis unreachable at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
  });
});

describe("doctor on servers, silence and bad configurations", () => {
  it("fails naming a stdio server whose command does not resolve; a resolvable one is ok", async () => {
    const servers = {
      good: { command: process.execPath, args: ["--version"] },
      broken: { command: "switchboard-doctor-no-such-command" },
      remote: { url: "https://example.com/mcp?token=secret-token" },
    };
    const { result, row } = await doctor({ servers });
    assert.equal(result.code, 1, describeRun(result));
    assert.equal(row("server good").status, "ok");
    assert.equal(row("server broken").status, "fail");
    assert.match(row("server broken").detail, /switchboard-doctor-no-such-command/);
    assert.equal(row("server remote").status, "ok");
    assert.ok(!result.stdout.includes("secret-token"), "a URL's query is not printed");
  });

  it("a sandbox profile whose backend is missing fails (onUnavailable fail) or warns (warn)", async () => {
    // A PATH with none of the sandbox programs: every backend is missing (the servers' command is absolute).
    const env = { PATH: join(root, "empty-path") };
    const servers = {
      strict: { command: process.execPath, sandbox: { backend: "bubblewrap" } },
      lenient: { command: process.execPath, sandbox: { backend: "firejail", onUnavailable: "warn" } },
      automatic: { command: process.execPath, sandbox: { network: "host" } },
      open: { command: process.execPath },
    };
    const { result, row } = await doctor({ servers }, env);
    assert.equal(result.code, 1, describeRun(result));
    assert.equal(row("sandbox bubblewrap").status, "warn");
    // The backend was tried for real: its own words, with the package to install, once.
    assert.match(
      row("sandbox bubblewrap").detail,
      /^bubblewrap \(bwrap\) is not installed: apt-get install bubblewrap$/,
    );
    assert.equal(row("server strict sandbox").status, "fail");
    assert.match(row("server strict sandbox").detail, /bubblewrap: .*not installed.*will not start/);
    assert.equal(row("server lenient sandbox").status, "warn");
    assert.equal(row("server automatic sandbox").status, "fail");
    assert.match(row("server automatic sandbox").detail, /none of bubblewrap, firejail, landlock is available/);
    assert.equal(row("unconfined servers").status, "warn");
    assert.match(row("unconfined servers").detail, /^open: /);
    assert.equal(row("server strict").status, "ok", "the command itself resolves");
  });

  it("a sandbox profile whose backend is present passes", { skip: withoutBwrap }, async () => {
    const { result, row } = await doctor({
      servers: { boxed: { command: process.execPath, sandbox: { backend: "bubblewrap" } } },
    });
    assert.equal(row("sandbox bubblewrap").status, "ok");
    assert.equal(result.code, 0, describeRun(result));
    assert.equal(row("server boxed sandbox").status, "ok");
    assert.match(row("server boxed sandbox").detail, /^bubblewrap, network none$/);
  });

  it("finishes when PostgreSQL and Redis accept connections but never answer", async () => {
    const env = {
      DATABASE_URL: `postgres://x@127.0.0.1:${await silentPort()}/x`,
      REDIS_URL: `redis://127.0.0.1:${await silentPort()}`,
    };
    const { result, row } = await doctor({}, env);
    assert.equal(result.code, 1, describeRun(result));
    assert.match(row("database").detail, /PostgreSQL unreachable at .*: no answer within \d+ ms/);
    assert.match(row("redis").detail, /Redis unreachable at .*: no answer within \d+ ms/);
  });

  it("an invalid configuration: every problem on stderr, exit 2, and ok false in JSON", async () => {
    const config = { gateway: { port: "eighty" }, servers: { typo: { command: "x", idleTimeout: 1 } } };
    const table = await doctor(config, {}, true);
    assert.equal(table.result.code, 2, describeRun(table.result));
    assert.match(table.result.stderr, /^\s+gateway\.port: /m);
    assert.match(table.result.stderr, /^\s+servers\.typo\.idleTimeout: /m);
    const json = await doctor(config);
    assert.equal(json.result.code, 2, describeRun(json.result));
    assert.equal((JSON.parse(json.result.stdout) as { ok: boolean }).ok, false);
    assert.equal(json.row("config").status, "fail");
    assert.equal(json.row("database").status, "skip");
  });
});

describe("migrationsCheck", () => {
  const known = [{ version: 1 }, { version: 2 }];
  it("behind this build is a warning that names what the gateway will apply", () => {
    const row = migrationsCheck("m", [{ component: "registry", known }], [{ component: "registry", version: 1 }]);
    assert.equal(row.status, "warn");
    assert.match(row.detail, /registry at v1, behind this build \(v2\): the gateway applies v2 on start/);
  });
});

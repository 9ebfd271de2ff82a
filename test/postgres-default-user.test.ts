// A PostgreSQL URL without a user name works as it does for psql: the user defaults to PGUSER, then the
// operating-system user (libpq's order), even where USER is unset (containers, systemd units). Real
// PostgreSQL, real `switchboard doctor` and `switchboard audit` processes started without USER and PGUSER.
import assert from "node:assert/strict";
import { userInfo } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { withDefaultUser } from "../src/adapters/storage/postgres/pg-user.ts";
import { describeRun, killSpawned, runCli, writeConfig } from "./helpers/cli.ts";
import { tempDir } from "./helpers/gateway.ts";
import { admin, testDatabases } from "./helpers/postgres.ts";

describe("withDefaultUser", () => {
  const os = () => "alice";
  it("adds the OS user as a user parameter when neither the URL nor PGUSER names one", () => {
    assert.equal(withDefaultUser("postgresql://db:5432/x", {}, os), "postgresql://db:5432/x?user=alice");
    assert.equal(
      withDefaultUser("postgresql://db/x?sslmode=disable", {}, os),
      "postgresql://db/x?sslmode=disable&user=alice",
    );
    assert.equal(withDefaultUser("postgresql:///x?host=/run/pg", {}, os), "postgresql:///x?host=/run/pg&user=alice");
    assert.equal(
      withDefaultUser("postgresql://db/x", {}, () => "a b"),
      "postgresql://db/x?user=a%20b",
    );
  });
  it("leaves the URL alone when it names a user, PGUSER is set, or no OS user is known", () => {
    assert.equal(withDefaultUser("postgresql://bob@db/x", {}, os), "postgresql://bob@db/x");
    assert.equal(withDefaultUser("postgresql://db/x?user=bob", {}, os), "postgresql://db/x?user=bob");
    assert.equal(withDefaultUser("postgresql://db/x", { PGUSER: "carol" }, os), "postgresql://db/x");
    assert.equal(
      withDefaultUser("postgresql://db/x", {}, () => undefined),
      "postgresql://db/x",
    );
    assert.equal(withDefaultUser("not a url", {}, os), "not a url");
  });
});

describe("a URL without a user, USER and PGUSER unset", () => {
  const databases = testDatabases();
  const dir = tempDir("switchboard-pguser-");
  const osUser = userInfo().username;
  let url = "";
  let roleExists = false;
  before(async () => {
    const withUser = new URL(await databases.create("pguser"));
    withUser.username = "";
    withUser.password = "";
    url = withUser.href;
    roleExists = (await admin("SELECT 1 FROM pg_roles WHERE rolname = $1", undefined, [osUser])).rowCount === 1;
  });
  after(async () => {
    killSpawned();
    await databases.dropAll();
  });
  const env = () => ({ USER: undefined, PGUSER: undefined, LOGNAME: undefined, DATABASE_URL: url });

  it("switchboard doctor connects as the OS user", async (t) => {
    if (!roleExists) return t.skip(`PostgreSQL has no role named after the OS user "${osUser}"`);
    const config = writeConfig(dir, { gateway: { stateDir: join(dir, "state") }, servers: {} }, "doctor.json");
    const result = await runCli(["doctor", "--config", config, "--json"], { env: env() });
    const checks = (JSON.parse(result.stdout) as { checks: { name: string; status: string; detail: string }[] }).checks;
    const database = checks.find((c) => c.name === "database");
    assert.equal(database?.status, "ok", describeRun(result));
    assert.doesNotMatch(result.stdout, /no PostgreSQL user name specified/);
  });

  it("switchboard audit opens the PostgreSQL audit log as the OS user", async (t) => {
    if (!roleExists) return t.skip(`PostgreSQL has no role named after the OS user "${osUser}"`);
    const config = writeConfig(dir, { gateway: { stateDir: join(dir, "state") }, servers: {} }, "audit.json");
    const result = await runCli(["audit", "--config", config], { env: env() });
    assert.equal(result.code, 0, describeRun(result));
    assert.match(result.stdout, /no audit records/);
  });
});

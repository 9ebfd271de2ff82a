// Configuration loading at unit level: environment overrides from the seeds, the Claude-Desktop form, `disabled`,
// `package` resolution, `${VAR}` references, problem collection with JSON paths, and the frozen result.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfigFile, normalizeConfig, parseConfig } from "../src/config/load.ts";
import { SERVER_DEFAULTS } from "../src/config/server-schema.ts";
import { isSwitchboardError, type SwitchboardError } from "../src/core/errors.ts";
import type { ConfigProblem, GatewayConfig } from "../src/core/gateway-config.ts";
import type { ServerSpec } from "../src/core/server-spec.ts";
import { REPO_ROOT, tempDir } from "./helpers/gateway.ts";

const SOURCE = "/tmp/switchboard-config-test/switchboard.json";
const CONFIG_DIR = "/tmp/switchboard-config-test";

type Env = Record<string, string | undefined>;

function load(raw: unknown, env: Env = {}, overrides?: Parameters<typeof normalizeConfig>[2]): GatewayConfig {
  return normalizeConfig(raw, SOURCE, { env, ...overrides });
}

/** The problems of a config that must be invalid. */
function problemsOf(raw: unknown, env: Env = {}, overrides?: Parameters<typeof normalizeConfig>[2]): ConfigProblem[] {
  return problemsIn(thrown(() => load(raw, env, overrides)));
}

/** The config_invalid error `fn` throws. */
function thrown(fn: () => unknown): SwitchboardError {
  try {
    fn();
  } catch (error) {
    assert.ok(isSwitchboardError(error, "config_invalid"), `expected config_invalid, got ${error}`);
    return error;
  }
  assert.fail("expected the configuration to be invalid");
}

function problemsIn(error: SwitchboardError): ConfigProblem[] {
  return (error.data?.problems ?? []) as ConfigProblem[];
}

function problemAt(problems: readonly ConfigProblem[], path: string): ConfigProblem {
  const found = problems.find((p) => p.path === path);
  assert.ok(found, `no problem at ${path}; got ${JSON.stringify(problems)}`);
  return found;
}

function server(config: GatewayConfig, name: string): ServerSpec {
  const found = config.servers.find((s) => s.name === name);
  assert.ok(found, `no server ${name}`);
  return found;
}

function stdioOf(spec: ServerSpec) {
  assert.equal(spec.transport.kind, "stdio");
  return spec.transport as Extract<ServerSpec["transport"], { kind: "stdio" }>;
}

const cmd = (extra: Record<string, unknown> = {}) => ({ command: "node", ...extra });

describe("environment overrides (seed variable names)", () => {
  it("AUTO_SHUTDOWN_TIMEOUT (seconds) sets idleTimeoutMs for servers without their own", () => {
    const config = load(
      { servers: { plain: cmd(), own: cmd({ idleTimeoutMs: 5_000 }) } },
      { AUTO_SHUTDOWN_TIMEOUT: "60" },
    );
    assert.equal(server(config, "plain").idleTimeoutMs, 60_000);
    assert.equal(server(config, "own").idleTimeoutMs, 5_000);
  });

  it("without the variable the built-in default applies", () => {
    const config = load({ servers: { plain: cmd() } });
    const spec = server(config, "plain");
    assert.equal(spec.idleTimeoutMs, SERVER_DEFAULTS.idleTimeoutMs);
    assert.equal(spec.timeoutMs, SERVER_DEFAULTS.timeoutMs);
    assert.equal(spec.startTimeoutMs, SERVER_DEFAULTS.startTimeoutMs);
    assert.equal(spec.healthCheckIntervalMs, SERVER_DEFAULTS.healthCheckIntervalMs);
    assert.equal(spec.lifecycle, "on-demand");
    assert.equal(spec.enabled, true);
  });

  it("the environment beats the file's serverDefaults, and a server's own value beats both", () => {
    const raw = {
      gateway: { serverDefaults: { idleTimeoutMs: 7_000, timeoutMs: 9_000 } },
      servers: { plain: cmd(), own: cmd({ idleTimeoutMs: 1_000 }) },
    };
    const config = load(raw, { AUTO_SHUTDOWN_TIMEOUT: "60" });
    assert.equal(server(config, "plain").idleTimeoutMs, 60_000);
    assert.equal(server(config, "plain").timeoutMs, 9_000, "file serverDefaults still apply where env is silent");
    assert.equal(server(config, "own").idleTimeoutMs, 1_000);
  });

  it("REQUEST_TIMEOUT (and its alias STDIO_TIMEOUT) set timeoutMs", () => {
    assert.equal(server(load({ servers: { a: cmd() } }, { REQUEST_TIMEOUT: "5" }), "a").timeoutMs, 5_000);
    assert.equal(server(load({ servers: { a: cmd() } }, { STDIO_TIMEOUT: "2.5" }), "a").timeoutMs, 2_500);
    const both = load({ servers: { a: cmd() } }, { REQUEST_TIMEOUT: "5", STDIO_TIMEOUT: "7" });
    assert.equal(server(both, "a").timeoutMs, 5_000, "the first name of the mapping wins");
  });

  it("HEALTH_CHECK_INTERVAL and MCP_MAX_STARTUP_TIME are seconds too", () => {
    const config = load({ servers: { a: cmd() } }, { HEALTH_CHECK_INTERVAL: "0", MCP_MAX_STARTUP_TIME: "12" });
    assert.equal(server(config, "a").healthCheckIntervalMs, 0);
    assert.equal(server(config, "a").startTimeoutMs, 12_000);
  });

  it("fractional seconds become whole milliseconds", () => {
    const config = load({ servers: { a: cmd() } }, { REQUEST_TIMEOUT: "4.02" });
    assert.equal(server(config, "a").timeoutMs, 4_020);
  });

  it("MCP_BIND_HOST (alias SWITCHBOARD_HOST) sets the bind address; a CLI flag beats it", () => {
    assert.equal(load({}, { MCP_BIND_HOST: "0.0.0.0" }).gateway.host, "0.0.0.0");
    assert.equal(load({}, { SWITCHBOARD_HOST: "::1" }).gateway.host, "::1");
    assert.equal(load({ gateway: { host: "10.0.0.1" } }, { MCP_BIND_HOST: "0.0.0.0" }).gateway.host, "0.0.0.0");
    const flagged = normalizeConfig({}, SOURCE, {
      env: { MCP_BIND_HOST: "0.0.0.0" },
      overrides: { host: "127.0.0.2" },
    });
    assert.equal(flagged.gateway.host, "127.0.0.2");
    assert.equal(load({}).gateway.host, "127.0.0.1");
  });

  it("LOG_LEVEL (alias MCP_LOG_LEVEL) sets the log level, case-insensitively", () => {
    assert.equal(load({}, { LOG_LEVEL: "DEBUG" }).gateway.logLevel, "debug");
    assert.equal(load({}, { MCP_LOG_LEVEL: "warn" }).gateway.logLevel, "warn");
    assert.equal(load({ gateway: { logLevel: "error" } }, { LOG_LEVEL: "trace" }).gateway.logLevel, "trace");
    assert.equal(load({}).gateway.logLevel, "info");
  });

  it("an invalid LOG_LEVEL is a problem", () => {
    const problems = problemsOf({}, { LOG_LEVEL: "loud" });
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? "", /info/);
  });

  it("an invalid LOG_LEVEL is reported under the variable's name, not a file path", () => {
    const problems = problemsOf({}, { LOG_LEVEL: "loud" });
    assert.ok(
      problems.some((p) => p.path.includes("LOG_LEVEL")),
      `problem paths: ${problems.map((p) => p.path).join(", ")}`,
    );
  });

  it("USE_JSON_LOGS, SWITCHBOARD_PORT and SWITCHBOARD_STATE_DIR", () => {
    const config = load({}, { USE_JSON_LOGS: "off", SWITCHBOARD_PORT: "9099", SWITCHBOARD_STATE_DIR: "state" });
    assert.equal(config.gateway.jsonLogs, false);
    assert.equal(config.gateway.port, 9099);
    assert.equal(config.gateway.stateDir, join(CONFIG_DIR, "state"), "relative to the config file");
    assert.equal(load({}, { USE_JSON_LOGS: "yes" }).gateway.jsonLogs, true);
  });

  it("empty variables are ignored", () => {
    const config = load({ servers: { a: cmd() } }, { AUTO_SHUTDOWN_TIMEOUT: "", LOG_LEVEL: "" });
    assert.equal(server(config, "a").idleTimeoutMs, SERVER_DEFAULTS.idleTimeoutMs);
    assert.equal(config.gateway.logLevel, "info");
  });

  it("a bad value is a listed problem, alongside the file's own problems", () => {
    const problems = problemsOf(
      { servers: { a: cmd({ idleTimeout: 1 }) } },
      { AUTO_SHUTDOWN_TIMEOUT: "abc", USE_JSON_LOGS: "maybe", SWITCHBOARD_PORT: "eighty" },
    );
    assert.match(problemAt(problems, "env.AUTO_SHUTDOWN_TIMEOUT").message, /"abc" is not a number/);
    assert.match(problemAt(problems, "env.USE_JSON_LOGS").message, /not a boolean/);
    assert.match(problemAt(problems, "env.SWITCHBOARD_PORT").message, /not a number/);
    problemAt(problems, "servers.a.idleTimeout");
  });
});

describe("Claude-Desktop form, names and `disabled`", () => {
  it("accepts {mcpServers: {...}} alone", () => {
    const config = load({
      mcpServers: { memory: { command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"] } },
    });
    assert.deepEqual(
      config.servers.map((s) => s.name),
      ["memory"],
    );
    assert.equal(stdioOf(server(config, "memory")).command, "npx");
    assert.deepEqual(stdioOf(server(config, "memory")).args, ["-y", "@modelcontextprotocol/server-memory"]);
  });

  it("merges mcpServers with servers", () => {
    const config = load({
      servers: { a: cmd(), b: cmd() },
      mcpServers: { c: cmd(), d: { url: "https://example.com/mcp" } },
    });
    assert.deepEqual(
      config.servers.map((s) => s.name),
      ["a", "b", "c", "d"],
    );
    assert.equal(server(config, "d").transport.kind, "http");
  });

  it("a name defined in both sections is a problem", () => {
    const problems = problemsOf({ servers: { same: cmd() }, mcpServers: { same: cmd(), other: cmd() } });
    assert.equal(problems.length, 1);
    assert.match(problemAt(problems, "mcpServers.same").message, /both "servers" and "mcpServers"/);
  });

  it("disabled: true gives enabled false; enabled wins when both are given; serverDefaults apply", () => {
    const config = load({
      servers: { off: cmd({ disabled: true }), on: cmd({ disabled: false }), explicit: cmd({ enabled: false }) },
      mcpServers: { desktop: cmd({ disabled: true }) },
    });
    assert.equal(server(config, "off").enabled, false);
    assert.equal(server(config, "on").enabled, true);
    assert.equal(server(config, "explicit").enabled, false);
    assert.equal(server(config, "desktop").enabled, false);
    const defaults = load({
      gateway: { serverDefaults: { disabled: true } },
      servers: { a: cmd(), b: cmd({ enabled: true }) },
    });
    assert.equal(server(defaults, "a").enabled, false);
    assert.equal(server(defaults, "b").enabled, true);
  });

  it("bad server names are problems", () => {
    const problems = problemsOf({
      servers: { "has space": cmd(), "-leading": cmd(), ["x".repeat(65)]: cmd(), ok_name: cmd() },
    });
    assert.deepEqual(
      problems.map((p) => p.path).sort(),
      ["servers.-leading", "servers.has space", `servers.${"x".repeat(65)}`].sort(),
    );
  });
});

describe("transports", () => {
  it("`package` resolves an installed npm package to `node <bin>`", () => {
    const config = load({ servers: { memory: { package: "@modelcontextprotocol/server-memory", args: ["--flag"] } } });
    const transport = stdioOf(server(config, "memory"));
    assert.equal(transport.command, process.execPath);
    assert.match(transport.command, /node$/);
    assert.ok(
      (transport.args[0] ?? "").endsWith(
        join("node_modules", "@modelcontextprotocol", "server-memory", "dist", "index.js"),
      ),
      transport.args[0],
    );
    assert.deepEqual(transport.args.slice(1), ["--flag"]);
  });

  it("`package` problems: not installed, or given with `command`", () => {
    const problems = problemsOf({
      servers: {
        missing: { package: "@switchboard-test/definitely-not-installed" },
        both: { package: "@modelcontextprotocol/server-memory", command: "node" },
      },
    });
    assert.match(problemAt(problems, "servers.missing.package").message, /not installed/);
    assert.match(problemAt(problems, "servers.both.package").message, /not both/);
  });

  it("a relative command with a slash and the cwd resolve against the config file's directory", () => {
    const config = load({ servers: { rel: { command: "./bin/server", cwd: "work" }, bare: { command: "python3" } } });
    assert.equal(stdioOf(server(config, "rel")).command, join(CONFIG_DIR, "bin/server"));
    assert.equal(stdioOf(server(config, "rel")).cwd, join(CONFIG_DIR, "work"));
    assert.equal(stdioOf(server(config, "bare")).command, "python3");
    assert.equal(stdioOf(server(config, "bare")).cwd, CONFIG_DIR);
  });

  it("remote servers: url, headers, type sse; stdio-only keys and non-http URLs are problems", () => {
    const config = load(
      {
        servers: {
          remote: { url: "https://example.com/mcp", headers: { Authorization: "Bearer ${TOKEN}" } },
          legacy: { url: "http://127.0.0.1:9/sse", type: "sse" },
        },
      },
      { TOKEN: "t0k" },
    );
    const remote = server(config, "remote").transport;
    assert.deepEqual(remote, {
      kind: "http",
      url: "https://example.com/mcp",
      headers: { Authorization: "Bearer t0k" },
      mode: "auto",
    });
    assert.equal((server(config, "legacy").transport as { mode: string }).mode, "sse");

    const problems = problemsOf({
      servers: {
        withArgs: { url: "https://example.com/mcp", args: ["x"] },
        ftp: { url: "ftp://example.com" },
        neither: { description: "nothing to run" },
        mismatch: { type: "stdio", url: "https://example.com/mcp" },
      },
    });
    problemAt(problems, "servers.withArgs.args");
    assert.match(problemAt(problems, "servers.ftp.url").message, /not an http\(s\) URL/);
    assert.match(problemAt(problems, "servers.neither").message, /needs `command` or `package`/);
    assert.match(problemAt(problems, "servers.mismatch.type").message, /does not match/);
  });
});

describe("${VAR} references", () => {
  it("resolves ${VAR}, ${VAR:-default} and $$ in command, args, env and cwd", () => {
    const config = load(
      {
        servers: {
          a: {
            command: "${RUNTIME:-node}",
            args: ["--token=${TOKEN}", "--mode=${MODE:-fast}", "cost $$5"],
            env: { KEY: "${TOKEN}", LEVEL: "${LEVEL:-info}" },
            cwd: "${WORKDIR:-.}",
          },
        },
      },
      { TOKEN: "s3cret", MODE: "" },
    );
    const transport = stdioOf(server(config, "a"));
    assert.equal(transport.command, "node");
    assert.deepEqual(transport.args, ["--token=s3cret", "--mode=fast", "cost $5"]);
    assert.deepEqual(transport.env, { KEY: "s3cret", LEVEL: "info" });
    assert.equal(transport.cwd, CONFIG_DIR);
  });

  it("provides SWITCHBOARD_CONFIG_DIR and SWITCHBOARD_STATE_DIR", () => {
    const config = load({
      gateway: { stateDir: "st" },
      servers: { a: cmd({ args: ["${SWITCHBOARD_CONFIG_DIR}/ws", "${SWITCHBOARD_STATE_DIR}/db"] }) },
    });
    assert.deepEqual(stdioOf(server(config, "a")).args, [`${CONFIG_DIR}/ws`, `${join(CONFIG_DIR, "st")}/db`]);
  });

  it("every missing variable is a problem at its JSON path", () => {
    const problems = problemsOf({
      servers: {
        a: cmd({ args: ["ok", "${MISSING_ONE}"], env: { K: "${MISSING_TWO}" } }),
        r: { url: "https://example.com/mcp", headers: { Authorization: "Bearer ${MISSING_THREE}" } },
      },
    });
    assert.match(problemAt(problems, "servers.a.args[1]").message, /MISSING_ONE is not set/);
    assert.match(problemAt(problems, "servers.a.env.K").message, /MISSING_TWO is not set/);
    assert.match(problemAt(problems, "servers.r.headers.Authorization").message, /MISSING_THREE is not set/);
  });
});

describe("validation", () => {
  it("collects every problem across gateway and servers, with suggestions for typos", () => {
    const problems = problemsOf({
      gateway: { prot: 8080, logLevel: "loud", serverDefaults: { idleTimeout: 5 } },
      servers: {
        a: cmd({ idleTimeout: 1, restart: { multipler: 2 } }),
        b: cmd({ timeoutMs: "fast", maxRetries: -1 }),
      },
    });
    assert.match(problemAt(problems, "gateway.prot").message, /did you mean "port"/);
    problemAt(problems, "gateway.logLevel");
    assert.match(problemAt(problems, "gateway.serverDefaults.idleTimeout").message, /did you mean "idleTimeoutMs"/);
    assert.match(problemAt(problems, "servers.a.idleTimeout").message, /did you mean "idleTimeoutMs"/);
    assert.match(problemAt(problems, "servers.a.restart.multipler").message, /did you mean "multiplier"/);
    problemAt(problems, "servers.b.timeoutMs");
    problemAt(problems, "servers.b.maxRetries");
    assert.equal(problems.length, 7);
  });

  it("a top level that is not an object is a problem at the file", () => {
    for (const raw of [null, [], "text", 5]) {
      const problems = problemsOf(raw);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.path, "");
    }
  });

  it("a gateway section that is not an object is a problem", () => {
    for (const gateway of ["oops", [1], 5]) problemAt(problemsOf({ gateway, servers: {} }), "gateway");
  });

  it("a serverDefaults that is not an object is a problem", () => {
    problemAt(problemsOf({ gateway: { serverDefaults: 5 }, servers: {} }), "gateway.serverDefaults");
  });

  it("an unknown top-level key does not hide the problems in servers and gateway", () => {
    const problems = problemsOf({ mcpServer: {}, gateway: { prot: 1 }, servers: { a: cmd({ idleTimeout: 1 }) } });
    assert.match(problemAt(problems, "mcpServer").message, /did you mean "mcpServers"/);
    problemAt(problems, "gateway.prot");
    problemAt(problems, "servers.a.idleTimeout");
  });

  it("the error carries the source and the problems", () => {
    const error = thrown(() => load({ servers: { a: cmd({ idleTimeout: 1 }) } }));
    assert.equal(error.data?.source, SOURCE);
    assert.match(error.message, /1 configuration problem/);
    assert.equal(problemsIn(error).length, 1);
  });

  it("parseConfig reports invalid JSON at the file; loadConfigFile reports a missing file", () => {
    const [json] = problemsIn(thrown(() => parseConfig("{ nope", SOURCE)));
    assert.equal(json?.path, "");
    assert.match(json?.message ?? "", /not valid JSON/);
    const dir = tempDir("switchboard-config-");
    const missing = join(dir, "absent.json");
    const [file] = problemsIn(thrown(() => loadConfigFile(missing)));
    rmSync(dir, { recursive: true, force: true });
    assert.equal(file?.path, "");
    assert.ok(file?.message.includes(missing), file?.message);
  });

  it("restart settings from serverDefaults apply to servers without their own", () => {
    const config = load({ gateway: { serverDefaults: { restart: { maxRestarts: 9 } } }, servers: { b: cmd() } });
    assert.deepEqual(server(config, "b").restart, {
      initialDelayMs: 250,
      maxDelayMs: 30_000,
      multiplier: 2,
      maxRestarts: 9,
      resetAfterMs: 60_000,
    });
  });

  it("a server's partial restart keeps the other serverDefaults.restart settings", () => {
    const config = load({
      gateway: { serverDefaults: { restart: { maxRestarts: 9 } } },
      servers: { a: cmd({ restart: { initialDelayMs: 10 } }) },
    });
    assert.deepEqual(server(config, "a").restart, {
      initialDelayMs: 10,
      maxDelayMs: 30_000,
      multiplier: 2,
      maxRestarts: 9,
      resetAfterMs: 60_000,
    });
  });
});

describe("the result", () => {
  it("is deeply frozen", () => {
    const config = load({ servers: { a: cmd({ args: ["x"], env: { K: "v" }, tags: ["t"] }) } });
    const spec = server(config, "a");
    const transport = stdioOf(spec);
    for (const value of [
      config,
      config.gateway,
      config.servers,
      spec,
      spec.restart,
      spec.tags,
      transport,
      transport.args,
      transport.env,
      config.gateway.allowedHosts,
    ]) {
      assert.ok(Object.isFrozen(value));
    }
    assert.throws(() => {
      (config.gateway as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (transport.args as string[]).push("y");
    }, TypeError);
  });

  it("the bundled example loads, with package bins and ${SWITCHBOARD_CONFIG_DIR} resolved", () => {
    const path = join(REPO_ROOT, "examples/default/switchboard.json");
    const config = loadConfigFile(path, { env: {} });
    assert.equal(config.source, path);
    assert.deepEqual(
      config.servers.map((s) => s.name),
      ["everything", "filesystem", "memory", "sequential-thinking"],
    );
    const filesystem = stdioOf(server(config, "filesystem"));
    assert.equal(filesystem.command, process.execPath);
    assert.equal(filesystem.args.at(-1), join(REPO_ROOT, "examples/default/workspace"));
    assert.equal(
      stdioOf(server(config, "memory")).env.MEMORY_FILE_PATH,
      join(REPO_ROOT, "examples/default/.switchboard/servers/memory/memory.jsonl"),
    );
    // Every reference server runs sandboxed where a backend exists, writing only where it must.
    const memory = server(config, "memory").sandbox;
    assert.deepEqual([memory?.backend, memory?.network.mode, memory?.onUnavailable], ["auto", "none", "warn"]);
    assert.deepEqual(memory?.filesystem.write, [join(REPO_ROOT, "examples/default/.switchboard/servers/memory")]);
    assert.equal(memory?.limits.memoryBytes, 512 * 1024 * 1024);
    assert.deepEqual(server(config, "filesystem").sandbox?.filesystem.write, [
      join(REPO_ROOT, "examples/default/workspace"),
    ]);
    assert.equal(config.gateway.jsonLogs, false);
    assert.ok(Object.isFrozen(config));
  });
});

describe("state settings", () => {
  it("defaults: SQLite in the state directory, memory cache and sessions, audit kept 30 days", () => {
    const { gateway } = load({});
    assert.equal(gateway.database.url, undefined);
    assert.equal(gateway.database.sqlitePath, join(CONFIG_DIR, ".switchboard", "switchboard.db"));
    assert.equal(gateway.redis.url, undefined);
    assert.equal(gateway.cache.backend, "memory");
    assert.deepEqual(gateway.cache.ttlMs, { manifest: 300_000, search: 300_000, embedding: 300_000 });
    assert.deepEqual(gateway.audit, {
      enabled: true,
      retentionDays: 30,
      pruneIntervalMs: 3_600_000,
      flushIntervalMs: 50,
      maxQueued: 100_000,
    });
  });

  it("the seeds' environment names set the database, Redis and cache (seconds become milliseconds)", () => {
    const { gateway } = load(
      { gateway: { cache: { ttlMs: { manifest: 5_000 } } } },
      {
        DATABASE_URL: "postgres://mcp:pw@db:5432/mcp",
        AUDIT_DATABASE_URL: "postgresql://mcp@db:5432/mcp_logs",
        DB_POOL_SIZE: "20",
        REDIS_URL: "redis://redis:6379/0",
        REDIS_KEY_PREFIX: "prod:",
        CACHE_DEFAULT_TTL: "1800",
        CACHE_SEARCH_TTL: "3600",
        CACHE_MAX_SIZE: "100000",
        AUDIT_RETENTION_DAYS: "90",
      },
    );
    assert.equal(gateway.database.url, "postgres://mcp:pw@db:5432/mcp");
    assert.equal(gateway.database.auditUrl, "postgresql://mcp@db:5432/mcp_logs");
    assert.equal(gateway.database.poolSize, 20);
    assert.deepEqual(gateway.redis, { url: "redis://redis:6379/0", keyPrefix: "prod:" });
    assert.equal(gateway.cache.backend, "redis", "a Redis URL makes Redis the cache backend");
    assert.equal(gateway.cache.redisUrl, "redis://redis:6379/0");
    assert.equal(gateway.cache.maxEntries, 100_000);
    assert.deepEqual(gateway.cache.ttlMs, { manifest: 5_000, search: 3_600_000, embedding: 1_800_000 });
    assert.equal(gateway.audit.retentionDays, 90);
  });

  it("CACHE_BACKEND=memory keeps the cache local beside a Redis for sessions; CACHE_REDIS_URL picks another", () => {
    assert.equal(load({}, { REDIS_URL: "redis://r:6379", CACHE_BACKEND: "memory" }).gateway.cache.backend, "memory");
    const split = load({}, { REDIS_URL: "redis://r:6379", CACHE_REDIS_URL: "rediss://cache:6380/1" }).gateway;
    assert.deepEqual(
      [split.cache.backend, split.cache.redisUrl, split.redis.url],
      ["redis", "rediss://cache:6380/1", "redis://r:6379"],
    );
  });

  it("URLs take ${VAR} references; every bad value is reported with its path", () => {
    assert.equal(
      load({ gateway: { database: { url: "postgres://mcp:${DB_PASSWORD}@db/mcp" } } }, { DB_PASSWORD: "pw" }).gateway
        .database.url,
      "postgres://mcp:pw@db/mcp",
    );
    const problems = problemsOf(
      {
        gateway: {
          database: { url: "mysql://db/mcp", auditUrl: "postgres://${MISSING}@db/x", poolSize: 0 },
          cache: { backend: "redis", ttlMs: { list: 5 } },
        },
      },
      { CACHE_ENABLED: "maybe", DB_POOL_SIZE: "lots" },
    );
    const paths = problems.map((p) => p.path).sort();
    assert.deepEqual(paths, [
      "env.CACHE_ENABLED",
      "env.DB_POOL_SIZE",
      "gateway.cache.ttlMs.list",
      "gateway.database.poolSize",
    ]);
    const urls = problemsOf({
      gateway: {
        database: { url: "mysql://db/mcp", auditUrl: "postgres://${MISSING_VAR}@db/x" },
        redis: { url: "not a url" },
        cache: { backend: "redis" },
      },
    });
    assert.deepEqual(
      urls.map((p) => `${p.path}: ${p.message}`),
      [
        "gateway.redis.url: not a valid URL",
        "gateway.cache.backend: the redis backend needs a Redis URL (gateway.cache.redisUrl, gateway.redis.url, CACHE_REDIS_URL or REDIS_URL)",
        "gateway.database.url: expected a postgres:// or postgresql:// URL",
        "gateway.database.auditUrl: undefined environment variable ${MISSING_VAR}",
      ],
    );
  });
});

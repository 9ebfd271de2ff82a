// Policy configuration: defaults, gateway.serverDefaults under a server's own settings, the seed environment
// variables, and clear problems for bad values.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalizeConfig } from "../src/config/load.ts";
import { SwitchboardError } from "../src/core/errors.ts";
import type { GatewayConfig } from "../src/core/gateway-config.ts";

const cmd = (extra: Record<string, unknown> = {}) => ({ command: "node", ...extra });
const load = (raw: unknown, env: Record<string, string> = {}) => normalizeConfig(raw, undefined, { env });
const policies = (config: GatewayConfig, name: string) => config.servers.find((s) => s.name === name)?.policies;
const problems = (raw: unknown, env: Record<string, string> = {}) => {
  try {
    load(raw, env);
  } catch (error) {
    assert.ok(error instanceof SwitchboardError);
    return (error.data?.problems ?? []) as { path: string; message: string }[];
  }
  assert.fail("expected configuration problems");
};

describe("policy configuration", () => {
  it("has safe defaults: untrusted, breaker on, bulkhead 100 + 100, hard maximum 10 × timeoutMs", () => {
    const config = load({ servers: { a: cmd(), b: cmd({ timeoutMs: 2_000 }) } });
    assert.deepEqual(policies(config, "a"), {
      trusted: false,
      maxCallMs: 300_000,
      retry: { initialDelayMs: 100, maxDelayMs: 2_000 },
      circuitBreaker: {
        enabled: true,
        consecutiveFailures: 5,
        failureRate: 0.5,
        windowMs: 30_000,
        minCalls: 20,
        cooldownMs: 30_000,
      },
      bulkhead: { maxConcurrent: 100, maxQueued: 100 },
    });
    assert.equal(policies(config, "b")?.maxCallMs, 20_000);
  });

  it("a server's own settings win over gateway.serverDefaults, field by field", () => {
    const config = load({
      gateway: {
        serverDefaults: {
          trusted: true,
          maxCallMs: 60_000,
          circuitBreaker: { consecutiveFailures: 3, cooldownMs: 5_000 },
          bulkhead: { maxConcurrent: 4 },
        },
      },
      servers: {
        a: cmd({ circuitBreaker: { cooldownMs: 9_000 }, bulkhead: { maxQueued: 0 }, trusted: false }),
        b: cmd({ tools: { save: { idempotent: false } } }),
      },
    });
    const a = policies(config, "a");
    assert.equal(a?.trusted, false);
    assert.equal(a?.maxCallMs, 60_000);
    assert.equal(a?.circuitBreaker.consecutiveFailures, 3);
    assert.equal(a?.circuitBreaker.cooldownMs, 9_000);
    assert.deepEqual(a?.bulkhead, { maxConcurrent: 4, maxQueued: 0 });
    assert.equal(policies(config, "b")?.trusted, true);
    assert.equal(config.servers.find((s) => s.name === "b")?.tools.save?.idempotent, false);
  });

  it("honours the seed variables MCP_FAILURE_THRESHOLD and MCP_RECOVERY_TIMEOUT (seconds); a server's own value wins", () => {
    const config = load(
      { servers: { a: cmd(), b: cmd({ circuitBreaker: { consecutiveFailures: 9 } }) } },
      { MCP_FAILURE_THRESHOLD: "7", MCP_RECOVERY_TIMEOUT: "60" },
    );
    assert.equal(policies(config, "a")?.circuitBreaker.consecutiveFailures, 7);
    assert.equal(policies(config, "a")?.circuitBreaker.cooldownMs, 60_000);
    assert.equal(policies(config, "b")?.circuitBreaker.consecutiveFailures, 9);
    assert.equal(policies(config, "b")?.circuitBreaker.cooldownMs, 60_000);
  });

  it("lists every bad value with its path", () => {
    const found = problems(
      {
        servers: {
          a: cmd({ circuitBreaker: { failureRate: 1.5, cooldwnMs: 5 }, bulkhead: { maxConcurrent: -1 } }),
          b: cmd({ maxCallMs: 0, trusted: "yes" }),
        },
      },
      { MCP_FAILURE_THRESHOLD: "many", MCP_RECOVERY_TIMEOUT: "0" },
    );
    const at = (path: string) => found.find((p) => p.path === path);
    assert.ok(at("servers.a.circuitBreaker.failureRate"), JSON.stringify(found));
    assert.match(at("servers.a.circuitBreaker.cooldwnMs")?.message ?? "", /did you mean "cooldownMs"/);
    assert.ok(at("servers.a.bulkhead.maxConcurrent"));
    assert.ok(at("servers.b.maxCallMs"));
    assert.ok(at("servers.b.trusted"));
    assert.match(at("env.MCP_FAILURE_THRESHOLD")?.message ?? "", /not a number/);
    assert.ok(at("env.MCP_RECOVERY_TIMEOUT"), "a zero cooldown is refused");
  });
});

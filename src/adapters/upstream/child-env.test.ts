// The environment of a stdio server: the allow-list, extra inherited names, the server's own env, and proxy
// credentials stripped from proxy variables inherited by default.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { childEnvironment, withoutCredentials } from "./child-env.ts";

const PARENT = {
  PATH: "/usr/bin",
  PGPASSWORD: "hunter22",
  OPENAI_API_KEY: "sk-secret",
  HTTPS_PROXY: "http://alice:s3cret@proxy.internal:3128",
  http_proxy: "bob:pw@proxy.internal:8080",
  HTTP_PROXY: "http://proxy.internal:3128",
  NO_PROXY: "localhost,127.0.0.1",
};

describe("child environment", () => {
  test("secrets outside the allow-list are not inherited", () => {
    const env = childEnvironment(PARENT, [], {});
    assert.equal(env.PATH, "/usr/bin");
    assert.equal(env.PGPASSWORD, undefined);
    assert.equal(env.OPENAI_API_KEY, undefined);
    assert.equal(env.NO_PROXY, "localhost,127.0.0.1");
  });

  test("proxy variables inherited by default lose their user:password", () => {
    const env = childEnvironment(PARENT, [], {});
    assert.equal(env.HTTPS_PROXY, "http://proxy.internal:3128");
    assert.equal(env.http_proxy, "proxy.internal:8080");
    assert.equal(env.HTTP_PROXY, "http://proxy.internal:3128");
    for (const value of Object.values(env)) assert.doesNotMatch(value, /s3cret|bob:pw/);
  });

  test("a proxy variable named in inheritEnv or set in the server's env is passed as given", () => {
    assert.equal(childEnvironment(PARENT, ["HTTPS_PROXY"], {}).HTTPS_PROXY, PARENT.HTTPS_PROXY);
    const own = { HTTPS_PROXY: "http://svc:token@egress:3128" };
    assert.equal(childEnvironment(PARENT, [], own).HTTPS_PROXY, own.HTTPS_PROXY);
    assert.equal(childEnvironment(PARENT, ["PGPASSWORD"], {}).PGPASSWORD, "hunter22");
  });

  test("credentials are cut whatever the URL looks like", () => {
    assert.equal(withoutCredentials("https://u:p@h:1/path"), "https://h:1/path");
    assert.equal(withoutCredentials("socks5://only-user@h:1080"), "socks5://h:1080");
    assert.equal(withoutCredentials("u:p%40x@h:3128"), "h:3128");
    assert.equal(withoutCredentials("http://h:3128/p@th"), "http://h:3128/p@th");
    assert.equal(withoutCredentials("h:3128"), "h:3128");
  });
});

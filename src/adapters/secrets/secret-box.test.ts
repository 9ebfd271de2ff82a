import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { createSecretBox, loadSecretKey, parseSecretKey } from "./secret-box.ts";

const id = { kind: "credential" as const, server: "github", principal: "alice", name: "GITHUB_TOKEN" };

it("seals and opens a value under the same key and identity", () => {
  const box = createSecretBox(randomBytes(32));
  const sealed = box.seal("ghp_secret", id);
  assert.ok(!sealed.includes("ghp_secret"));
  assert.equal(box.open(sealed, id), "ghp_secret");
  assert.notEqual(box.seal("ghp_secret", id), sealed, "a fresh nonce per seal");
});

it("refuses a value moved to another principal's slot, altered, or sealed with another key", () => {
  const box = createSecretBox(randomBytes(32));
  const sealed = box.seal("ghp_secret", id);
  assert.throws(() => box.open(sealed, { ...id, principal: "bob" }), /cannot be opened/);
  assert.throws(() => box.open(sealed, { ...id, server: "gitlab" }), /cannot be opened/);
  const flipped = `${sealed.slice(0, -2)}${sealed.endsWith("A") ? "B" : "A"}${sealed.slice(-1)}`;
  assert.throws(() => box.open(flipped, id), /cannot be opened/);
  assert.throws(() => createSecretBox(randomBytes(32)).open(sealed, id), /cannot be opened/);
});

it("reads keys as hex or base64 and creates a 0600 fallback key once", () => {
  const key = randomBytes(32);
  assert.deepEqual(parseSecretKey(key.toString("hex"), "x"), key);
  assert.deepEqual(parseSecretKey(key.toString("base64"), "x"), key);
  assert.throws(() => parseSecretKey("short", "env.SWITCHBOARD_SECRET_KEY"), /32-byte key/);
  const dir = mkdtempSync(join(tmpdir(), "secret-box-"));
  try {
    const file = join(dir, "state", "secret.key");
    const first = loadSecretKey({ envKey: undefined, keyFile: undefined, fallbackFile: file });
    assert.equal(first.from, "created");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const again = loadSecretKey({ envKey: undefined, keyFile: undefined, fallbackFile: file });
    assert.equal(again.from, "state");
    assert.deepEqual(again.key, first.key);
    assert.equal(readFileSync(file, "utf8").trim(), first.key.toString("hex"));
    assert.equal(loadSecretKey({ envKey: key.toString("hex"), keyFile: file, fallbackFile: file }).from, "env");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

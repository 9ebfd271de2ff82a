import assert from "node:assert/strict";
import { test } from "node:test";
import { API_KEY_LENGTH, generateKey, hashSecret, parseKey, secretMatches } from "./api-key-secret.ts";

test("keys are sb_<12 hex>_<43 base64url>, and parse back to their parts", () => {
  const { id, secret, key } = generateKey();
  assert.equal(key.length, API_KEY_LENGTH);
  assert.deepEqual(parseKey(key), { id, secret });
  assert.notDeepEqual(generateKey().key, key);
});

test("a hash names scrypt and its parameters, matches its secret only, and tampered forms never match", async () => {
  const hash = await hashSecret("the secret");
  assert.match(hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.equal(await secretMatches("the secret", hash), true);
  assert.equal(await secretMatches("the secreT", hash), false);
  assert.notEqual(await hashSecret("the secret"), hash, "a new salt each time");
  const parts = hash.split("$");
  const cheap = await hashSecret("x", { N: 1024, r: 8, p: 1 });
  assert.equal(await secretMatches("x", cheap), true, "other parameters verify by what the hash names");
  for (const tampered of [
    "",
    "bcrypt$1$2$3$4$5",
    [...parts.slice(0, 1), String(2 ** 21), ...parts.slice(2)].join("$"),
    [...parts.slice(0, 1), "1000", ...parts.slice(2)].join("$"),
    [...parts.slice(0, 5), "short"].join("$"),
    [...parts.slice(0, 4), "", parts[5]].join("$"),
  ]) {
    assert.equal(await secretMatches("the secret", tampered), false, tampered);
  }
});

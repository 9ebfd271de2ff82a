import assert from "node:assert/strict";
import { test } from "node:test";
import type { Principal } from "../../core/identity.ts";
import { createVerifiedKeys } from "./verified-keys.ts";

const principal = (id: string): Principal => ({ name: id, groups: [], scopes: [], via: "apiKey", credentialId: id });

test("entries live until their time, the oldest goes past the bound, and an id can be dropped", () => {
  const cache = createVerifiedKeys(3);
  for (const id of ["a", "b", "c", "d"]) cache.set(`hash-${id}`, principal(id), 1_000);
  assert.equal(cache.size, 3);
  assert.equal(cache.get("hash-a", 0), undefined, "the oldest was evicted");
  assert.equal(cache.get("hash-b", 999)?.name, "b");
  assert.equal(cache.get("hash-b", 1_000), undefined, "expired at its time");
  assert.equal(cache.size, 2, "an expired entry is removed when read");
  cache.dropId("c");
  assert.equal(cache.get("hash-c", 0), undefined);
  assert.equal(cache.get("hash-d", 0)?.name, "d");
});

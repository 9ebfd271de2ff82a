import assert from "node:assert/strict";
import { it } from "node:test";
import { ANONYMOUS, type Principal } from "../../core/identity.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { unknownName, unknownResource } from "./catalog-routes.ts";

// Only what the unknown-item errors read of a catalog: the servers whose items are not known yet.
const catalog = { unknownServers: () => ["open", "secret"] } as unknown as Catalog;
const alice: Principal = { name: "alice", groups: [], scopes: [], via: "apiKey" };
const access = { open: false, serverVisible: (_p: Principal, server: string) => server !== "secret" };

it("names the servers still being discovered, except those hidden from the caller", () => {
  assert.deepEqual(unknownName({ catalog }, "tools", "x__y").data, { notYetKnown: ["open", "secret"] });
  assert.deepEqual(unknownName({ catalog, access }, "tools", "x__y", alice).data, { notYetKnown: ["open"] });
  assert.deepEqual(unknownResource({ catalog, access }, "file:///a", alice).data, {
    uri: "file:///a",
    notYetKnown: ["open"],
  });
  const none = { catalog, access: { open: false, serverVisible: () => false } };
  assert.equal(unknownName(none, "prompts", "p", ANONYMOUS).data, undefined);
});

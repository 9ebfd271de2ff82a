// Unit tests for the canonical JSON hash used for definition and argument hashes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalHash, canonicalJson } from "./canonical-hash.ts";

describe("canonicalJson", () => {
  it("sorts keys at every depth and keeps array order", () => {
    const json = canonicalJson({ b: 1.5, a: [1, "x", { d: true, c: null }] });
    assert.equal(json, '{"a":[1,"x",{"c":null,"d":true}],"b":1.5}');
  });

  it("sorts by code unit, so upper case comes before lower case", () => {
    assert.equal(canonicalJson({ a: 3, A: 2, "": 1 }), '{"":1,"A":2,"a":3}');
  });

  it("drops undefined object members and writes undefined array entries as null, like JSON.stringify", () => {
    assert.equal(canonicalJson({ a: undefined, b: [undefined] }), '{"b":[null]}');
    assert.equal(canonicalJson(undefined), "null");
  });

  it("honours toJSON", () => {
    assert.equal(canonicalJson({ at: new Date(0) }), '{"at":"1970-01-01T00:00:00.000Z"}');
  });
});

describe("canonicalHash", () => {
  it("is the sha256 hex of the canonical JSON (fixed vectors)", () => {
    assert.equal(
      canonicalHash({ b: 1.5, a: [1, "x", { d: true, c: null }] }),
      "fe3f36554aca84170cf7f7ab7607c8944f63c0f16f8d6ea28e9f24bbb2b42f86",
    );
    assert.equal(
      canonicalHash({ a: 3, A: 2, "": 1 }),
      "3de27aa5f710884e11eebb42915634c93d70ef9297da7c5b5c43533a5df88a4b",
    );
  });

  it("does not depend on key order but does on values and array order", () => {
    const tool = { name: "echo", inputSchema: { type: "object", properties: { text: { type: "string" } } } };
    const reordered = { inputSchema: { properties: { text: { type: "string" } }, type: "object" }, name: "echo" };
    assert.equal(canonicalHash(tool), canonicalHash(reordered));
    assert.notEqual(canonicalHash(tool), canonicalHash({ ...tool, description: "Echo" }));
    assert.notEqual(canonicalHash([1, 2]), canonicalHash([2, 1]));
  });
});

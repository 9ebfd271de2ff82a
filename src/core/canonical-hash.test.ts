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

  it("writes exactly what the former recursive form wrote, for varied input (stored hashes stay valid)", () => {
    const random = seeded(12);
    for (let i = 0; i < 2_000; i++) {
      const value = randomValue(random, 0);
      assert.equal(canonicalJson(value), recursiveCanonicalJson(value), JSON.stringify(value));
    }
    const odd = [
      undefined,
      null,
      () => 1,
      Symbol("s"),
      [() => 1, Symbol("s"), undefined],
      { f() {}, s: Symbol("s"), u: undefined, k: 1 },
      { nested: { toJSON: () => ({ b: 2, a: [new Date(1)] }) } },
      { toJSON: "not a function", z: 0 },
      [[], {}, [[]], { "": { "": [] } }],
      { "\u0000": "\ud800", é: '\n\t"', "😀": -0, n: 1e21, m: 5e-7 },
      new Date(86_400_000),
    ];
    for (const value of odd) assert.equal(canonicalJson(value), recursiveCanonicalJson(value));
  });

  it("handles arguments nested 100,000 levels deep without overflowing the stack", () => {
    const depth = 100_000;
    let arrays: unknown = "leaf";
    let objects: unknown = 1;
    for (let i = 0; i < depth; i++) {
      arrays = [arrays];
      objects = { b: objects, a: i };
    }
    assert.throws(() => recursiveCanonicalJson(arrays), RangeError, "the recursive form overflowed");
    const json = canonicalJson(arrays);
    assert.equal(json, `${"[".repeat(depth)}"leaf"${"]".repeat(depth)}`);
    const objectJson = canonicalJson(objects);
    assert.ok(objectJson.startsWith('{"a":99999,"b":{"a":99998,"b":'));
    assert.ok(objectJson.endsWith(`"b":1${"}".repeat(depth)}`));
    assert.match(canonicalHash(objects), /^[0-9a-f]{64}$/);
  });

  it("refuses a cycle with a TypeError, as JSON.stringify does", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    assert.throws(() => canonicalJson(cyclic), TypeError);
    const shared = { x: 1 };
    assert.equal(canonicalJson({ a: shared, b: [shared] }), '{"a":{"x":1},"b":[{"x":1}]}');
  });
});

/** The recursive form canonicalJson had before it was made iterative: the reference its output must equal. */
function recursiveCanonicalJson(value: unknown): string {
  const write = (v: unknown): string | undefined => {
    if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function") {
      return write((v as { toJSON(): unknown }).toJSON());
    }
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map((entry) => write(entry) ?? "null").join(",")}]`;
    const parts: string[] = [];
    for (const key of Object.keys(v).sort()) {
      const entry = write((v as Record<string, unknown>)[key]);
      if (entry !== undefined) parts.push(`${JSON.stringify(key)}:${entry}`);
    }
    return `{${parts.join(",")}}`;
  };
  return write(value) ?? "null";
}

/** A small deterministic generator (mulberry32), so a failure names a reproducible input. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const KEY_CHARS = ["a", "B", "z", "_", "0", "é", "😀", "\u0000", " ", '"', "\\", "aa", "A"];

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 5 ? 6 : 9));
  const text = () =>
    Array.from({ length: Math.floor(random() * 4) }, () => KEY_CHARS[Math.floor(random() * KEY_CHARS.length)]).join("");
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return Math.floor(random() * 2_000_000) - 1_000_000;
    case 3:
      return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
    case 4:
      return text();
    case 5:
      return random() < 0.2 ? undefined : text();
    case 6:
    case 7:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 6) }, () => [text(), randomValue(random, depth + 1)]),
      );
    default:
      return Array.from({ length: Math.floor(random() * 5) }, () => randomValue(random, depth + 1));
  }
}

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

// The secret guard with secretlint's recommended preset: planted credentials in results and arguments are redacted
// or block the message, ordinary text (hashes, UUIDs, a picture in base64, prose) passes untouched, nested
// structuredContent and content[].text are both scanned, and the per-message size bound holds.
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { crc32, deflateSync } from "node:zlib";
import { createSecretlintScanner } from "../../adapters/secrets/secret-scanner.ts";
import type { SecretScanner } from "../../ports/secret-scanner.ts";
import { createSecretGuard, DEFAULT_MAX_SCAN_BYTES, SCAN_TOO_LARGE } from "./secret-guard.ts";

const scanner = createSecretlintScanner();
const guard = createSecretGuard({ scanner });

/** Random characters of an alphabet: keys made at test time, so no live-looking key sits in the repository. */
function randomOf(alphabet: string, length: number): string {
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join("");
}
const UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const awsKeyId = () => `AKIA${randomOf(UPPER_DIGITS, 16)}`;
// The preset's pattern ends at a word boundary, so a key ending in `+` or `/` before a quote or a line end is not
// found (secretlint-rule-aws 13.1.0): the planted key ends in a letter or digit.
const awsSecretKey = () => randomOf(BASE64, 39) + randomOf(ALNUM, 1);
const githubToken = () => `ghp_${randomOf(ALNUM, 36)}`;
const slackToken = () => `xoxb-${randomOf("0123456789", 12)}-${randomOf("0123456789", 13)}-${randomOf(ALNUM, 24)}`;

/** A real PNG (a noisy 32×32 gradient) in base64, as an image tool would return it. */
function pictureBase64(): string {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const size = 32;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(size * (1 + size * 3));
  const noise = randomBytes(rows.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size * 3; x++) rows[y * (1 + size * 3) + 1 + x] = (x * 2 + y * 4 + (noise[x] as number)) & 0xff;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]).toString("base64");
}

const PROSE = `The gateway starts each server on demand and puts it to sleep when it has been idle for a while. Tools are
listed under the server's name, so two servers may both offer a tool called search without clashing. When a call
fails, the client gets a structured error naming the server, the tool and what to try next; the request id, the
session and the caller are kept in the audit log. Operators change the configuration by editing one file, which is
validated before anything is applied, and every problem is listed at once rather than the first one only.`;

const result = (text: string) => ({ content: [{ type: "text", text }], isError: false });

describe("secret guard: redaction", () => {
  it("replaces a planted AWS access key id and secret key in a result and keeps the rest of the text", async () => {
    const id = awsKeyId();
    const secret = awsSecretKey();
    const text = `Found credentials in ~/.aws/credentials:\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\nDone.`;
    const verdict = await guard.checkResult(result(text), { arguments: "off", results: "redact" });
    assert.equal(verdict.outcome, "redacted");
    assert.ok(verdict.outcome === "redacted");
    assert.deepEqual(verdict.rules, ["aws.AWSAccessKeyID", "aws.AWSSecretAccessKey"]);
    assert.deepEqual(verdict.fields, ["content[0].text"]);
    assert.equal(
      verdict.value.content[0]?.text,
      "Found credentials in ~/.aws/credentials:\naws_access_key_id = [REDACTED:aws.AWSAccessKeyID]\n" +
        "aws_secret_access_key = [REDACTED:aws.AWSSecretAccessKey]\nDone.",
    );
    assert.equal(verdict.value.isError, false);
  });

  it("leaves AWS's documented example key id alone (the preset ignores it) but not a real-looking one", async () => {
    const example = await guard.inspect("key AKIAIOSFODNN7EXAMPLE", "redact");
    assert.equal(example.outcome, "clean");
    const planted = await guard.inspect(`key ${awsKeyId()}`, "redact");
    assert.ok(planted.outcome === "redacted");
    assert.equal(planted.value, "key [REDACTED:aws.AWSAccessKeyID]");
  });

  it("redacts a GitHub token, a Slack token and a PEM private key", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const verdict = await guard.inspect(
      {
        content: [result(`token ${githubToken()}`).content[0], { type: "text", text: `slack ${slackToken()}` }],
        key: pem,
      },
      "redact",
    );
    assert.ok(verdict.outcome === "redacted");
    assert.deepEqual(verdict.rules, ["github.GITHUB_TOKEN", "privatekey.PrivateKey", "slack.SLACK_TOKEN"]);
    assert.equal(verdict.value.content[0]?.text, "token [REDACTED:github.GITHUB_TOKEN]");
    assert.equal(verdict.value.content[1]?.text, "slack [REDACTED:slack.SLACK_TOKEN]");
    assert.match(verdict.value.key, /^\[REDACTED:privatekey\.PrivateKey\]\s*$/);
  });

  it("scans nested structuredContent and content[].text alike, and does not change the message it was given", async () => {
    const token = githubToken();
    const message = {
      content: [{ type: "text", text: JSON.stringify({ user: { tokens: [token] } }) }],
      structuredContent: { user: { name: "ada", tokens: [token], profile: { note: `gh ${token}` } } },
    };
    const before = structuredClone(message);
    const verdict = await guard.checkResult(message, { arguments: "off", results: "redact" });
    assert.ok(verdict.outcome === "redacted");
    assert.deepEqual(verdict.fields, [
      "content[0].text",
      "structuredContent.user.tokens[0]",
      "structuredContent.user.profile.note",
    ]);
    assert.equal(verdict.value.content[0]?.text, '{"user":{"tokens":["[REDACTED:github.GITHUB_TOKEN]"]}}');
    assert.deepEqual(verdict.value.structuredContent, {
      user: {
        name: "ada",
        tokens: ["[REDACTED:github.GITHUB_TOKEN]"],
        profile: { note: "gh [REDACTED:github.GITHUB_TOKEN]" },
      },
    });
    assert.deepEqual(message, before);
    assert.doesNotMatch(JSON.stringify(verdict), new RegExp(token));
  });

  it("scans the arguments of a tools/call before it is sent", async () => {
    const secret = awsSecretKey();
    const params = {
      name: "deploy",
      arguments: { env: { AWS_SECRET_ACCESS_KEY: secret }, script: `export AWS_SECRET_ACCESS_KEY="${secret}"` },
    };
    const verdict = await guard.checkArguments(params, { arguments: "redact", results: "off" });
    assert.ok(verdict.outcome === "redacted");
    // A bare 40-character value is not a finding without the keyword beside it: the preset needs the context.
    assert.equal(verdict.value.arguments.env.AWS_SECRET_ACCESS_KEY, secret);
    assert.equal(verdict.value.arguments.script, 'export AWS_SECRET_ACCESS_KEY="[REDACTED:aws.AWSSecretAccessKey]"');
    assert.deepEqual(verdict.fields, ["arguments.script"]);
  });

  it("ignores a secretlint-disable comment written by the server next to the secret", async () => {
    const verdict = await guard.inspect(`// secretlint-disable\ntoken ${githubToken()}`, "redact");
    assert.ok(verdict.outcome === "redacted");
    assert.equal(verdict.value, "// secretlint-disable\ntoken [REDACTED:github.GITHUB_TOKEN]");
  });
});

describe("secret guard: ordinary text", () => {
  it("leaves hashes, UUIDs, a picture in base64 and long prose alone", async () => {
    const picture = pictureBase64();
    const message = {
      content: [
        { type: "text", text: PROSE.repeat(20) },
        {
          type: "text",
          text: `sha256 ${createHash("sha256").update(PROSE).digest("hex")}, sha1 ${createHash("sha1").update("x").digest("hex")}`,
        },
        { type: "text", text: Array.from({ length: 50 }, () => randomUUID()).join("\n") },
        { type: "text", text: `data:image/png;base64,${picture}` },
        { type: "image", mimeType: "image/png", data: picture },
      ],
      structuredContent: { commit: "713aaff1c4be0e6f7b2d1d1c0a9e8f7a6b5c4d3e", id: randomUUID(), tiny: picture },
    };
    const verdict = await guard.checkResult(message, { arguments: "off", results: "redact" });
    assert.equal(verdict.outcome, "clean");
    assert.equal(verdict.value, message);
    assert.ok(verdict.scan.scannedBytes > 20 * PROSE.length);
  });
});

describe("secret guard: block", () => {
  it("refuses the message with the rule ids and fields, never the secret", async () => {
    const id = awsKeyId();
    const token = githubToken();
    const verdict = await guard.checkResult(
      { content: [{ type: "text", text: `id ${id}` }], structuredContent: { token } },
      { arguments: "off", results: "block" },
    );
    assert.equal(verdict.outcome, "blocked");
    assert.ok(verdict.outcome === "blocked");
    assert.deepEqual(verdict.rules, ["aws.AWSAccessKeyID", "github.GITHUB_TOKEN"]);
    assert.deepEqual(verdict.fields, ["content[0].text", "structuredContent.token"]);
    assert.equal(verdict.scan.findings, 2);
    const shown = JSON.stringify(verdict);
    assert.ok(!shown.includes(id) && !shown.includes(token));
  });
});

/** A scanner that records what it was given and reports every `SECRET` it sees. */
function recordingScanner(): SecretScanner & { texts: string[] } {
  const texts: string[] = [];
  return {
    texts,
    async scan(text) {
      texts.push(text);
      return {
        findings: [...text.matchAll(/SECRET/g)].map((m) => ({ rule: "test.secret", start: m.index, end: m.index + 6 })),
      };
    },
  };
}

describe("secret guard: bounds", () => {
  it("scans at most maxScanBytes per message, in document order, and counts the rest", async () => {
    const recording = recordingScanner();
    const bounded = createSecretGuard({ scanner: recording, maxScanBytes: 100 });
    const message = { a: `${"x".repeat(60)}SECRET`, b: `${"é".repeat(10)}SECRET${"y".repeat(40)}`, c: "SECRET" };
    const verdict = await bounded.inspect(message, "redact");
    assert.ok(verdict.outcome === "redacted");
    // a: 66 bytes; b: 20 bytes of é + 6 + 8 of its y's = the 34 left; c: past the bound.
    assert.deepEqual(verdict.value, {
      a: `${"x".repeat(60)}[REDACTED:test.secret]`,
      b: `${"é".repeat(10)}[REDACTED:test.secret]${"y".repeat(40)}`,
      c: "SECRET",
    });
    assert.deepEqual(verdict.scan, { scannedBytes: 100, unscannedBytes: 32 + 6, findings: 2 });
    assert.equal(recording.texts.length, 1);
    assert.equal(recording.texts[0], `${"x".repeat(60)}SECRET\n\u0000\n${"é".repeat(10)}SECRET${"y".repeat(8)}`);
  });

  it("block fails closed: a message past the bound is refused unscanned, with scan.too-large", async () => {
    const recording = recordingScanner();
    const bounded = createSecretGuard({ scanner: recording, maxScanBytes: 100 });
    // No secret in the first 100 bytes: only what lies past the bound could hold one.
    const message = { a: "x".repeat(90), b: { c: `${"y".repeat(20)}SECRET` }, d: ["SECRET"] };
    const verdict = await bounded.checkResult(message, { arguments: "off", results: "block" });
    assert.deepEqual(verdict, {
      outcome: "blocked",
      rules: [SCAN_TOO_LARGE],
      fields: ["b.c", "d[0]"],
      scan: { scannedBytes: 0, unscannedBytes: 90 + 26 + 6, findings: 0 },
    });
    assert.equal(SCAN_TOO_LARGE, "scan.too-large");
    assert.deepEqual(recording.texts, [], "nothing is scanned for a verdict the size decides");
  });

  it("redact keeps passing the unscanned tail past the bound; block passes a message that ends at the bound", async () => {
    const recording = recordingScanner();
    const bounded = createSecretGuard({ scanner: recording, maxScanBytes: 100 });
    const message = { a: "x".repeat(90), b: `${"y".repeat(10)}SECRET` };
    const redacted = await bounded.inspect(message, "redact");
    assert.equal(redacted.outcome, "clean");
    assert.equal(redacted.value, message);
    assert.deepEqual(redacted.scan, { scannedBytes: 100, unscannedBytes: 6, findings: 0 });
    const fits = { a: "x".repeat(90), b: "y".repeat(10) };
    assert.deepEqual(await bounded.inspect(fits, "block"), {
      outcome: "clean",
      value: fits,
      scan: { scannedBytes: 100, unscannedBytes: 0, findings: 0 },
    });
  });

  it("refuses a result of more than 1 MiB with block, with the default bound and the real scanner", async () => {
    const big = result(PROSE.repeat(Math.ceil((DEFAULT_MAX_SCAN_BYTES + 1) / PROSE.length)));
    const verdict = await guard.checkResult(big, { arguments: "off", results: "block" });
    assert.ok(verdict.outcome === "blocked");
    assert.deepEqual([verdict.rules, verdict.fields], [[SCAN_TOO_LARGE], ["content[0].text"]]);
    const redacted = await guard.checkResult(big, { arguments: "off", results: "redact" });
    assert.equal(redacted.outcome, "clean");
    assert.equal(redacted.scan.scannedBytes, DEFAULT_MAX_SCAN_BYTES);
  });

  it("never splits a character at the bound", async () => {
    const recording = recordingScanner();
    await createSecretGuard({ scanner: recording, maxScanBytes: 5 }).inspect("ééé", "redact");
    assert.deepEqual(recording.texts, ["éé"]);
  });

  it("scans nothing while the action is off, and skips binary image, audio and blob payloads", async () => {
    const recording = recordingScanner();
    const recorded = createSecretGuard({ scanner: recording });
    const message = {
      content: [
        { type: "image", mimeType: "image/png", data: "SECRET" },
        { type: "audio", mimeType: "audio/wav", data: "SECRET" },
        { type: "resource", resource: { uri: "file:///a.bin", blob: "SECRET" } },
        { type: "text", text: "plain" },
      ],
    };
    assert.equal((await recorded.inspect(message, "off")).outcome, "clean");
    assert.deepEqual(recording.texts, []);
    assert.equal((await recorded.inspect(message, "block")).outcome, "clean");
    const scanned = ["image", "image/png", "audio", "audio/wav", "resource", "file:///a.bin", "text", "plain"];
    assert.deepEqual(recording.texts, [scanned.join("\n\u0000\n")]);
  });
});

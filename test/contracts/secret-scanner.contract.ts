// The SecretScanner contract: every adapter registers these tests through a factory of fresh scanners. Findings
// are secretlint's recommended preset as the gateway runs it, so every adapter must report the same rules at the
// same ranges, whatever thread it scans in. The planted keys are made at test time: no live-looking key sits in
// the repository.
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import type { SecretScanner } from "../../src/ports/secret-scanner.ts";
import { waitUntil } from "../helpers/gateway.ts";

export type SecretScannerFactory = () => SecretScanner;

const randomOf = (alphabet: string, length: number) =>
  [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join("");
const UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const DIGITS = "0123456789";

const awsKeyId = () => `AKIA${randomOf(UPPER_DIGITS, 16)}`;
const awsSecretKey = () => randomOf(ALNUM, 40);
const githubToken = () => `ghp_${randomOf(ALNUM, 36)}`;
const slackToken = () => `xoxb-${randomOf(DIGITS, 12)}-${randomOf(DIGITS, 13)}-${randomOf(ALNUM, 24)}`;
const privateKeyPem = () =>
  generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();

/** A tool result's text with planted secrets, and each secret's rule and exact text, in order. */
function planted(): { text: string; expected: [string, string][] } {
  const keyId = awsKeyId();
  const secret = awsSecretKey();
  const token = githubToken();
  const slack = slackToken();
  const pem = privateKeyPem();
  const url = `postgres://app:${randomOf(ALNUM, 16)}@db.internal:5432/orders`;
  const text =
    `Found in ~/.aws/credentials (naïve café 🚀):\naws_access_key_id = ${keyId}\n` +
    `"aws_secret_access_key": "${secret}"\ntoken ${token}\nslack ${slack}\n${pem}\nDATABASE_URL=${url}\nDone.`;
  return {
    text,
    expected: [
      ["aws.AWSAccessKeyID", keyId],
      ["aws.AWSSecretAccessKey", secret],
      ["github.GITHUB_TOKEN", token],
      ["slack.SLACK_TOKEN", slack],
      ["privatekey.PrivateKey", pem.trimEnd()],
      ["database-connection-string.PostgreSQLConnection", url],
    ],
  };
}

const ORDINARY = [
  "The gateway starts each server on demand and puts it to sleep when it has been idle for a while.",
  `commit 713aaff1c4be0e6f7b2d1d1c0a9e8f7a6b5c4d3e, request ${randomUUID()}`,
  `sha256 ${randomBytes(32).toString("hex")}`,
  `data:image/png;base64,${randomBytes(3_000).toString("base64")}`,
  "AWS's documented example key id AKIAIOSFODNN7EXAMPLE is no secret.",
  JSON.stringify({ user: { name: "ada", id: randomUUID(), roles: ["admin", "dev"] } }),
].join("\n");

/** Each finding as its rule and the text it covers. */
const covered = (text: string, findings: { rule: string; start: number; end: number }[]) =>
  findings.map((f) => [f.rule, text.slice(f.start, f.end)]);

/** Resources that keep a process alive: a scanner must not leave any of these behind after scanning. */
const holders = () => process.getActiveResourcesInfo().filter((kind) => kind === "MessagePort" || kind === "Worker");

export function secretScannerContract(name: string, factory: SecretScannerFactory): void {
  describe(`SecretScanner contract: ${name}`, () => {
    test("finds each planted secret, in order of start, at its exact range", async () => {
      const { text, expected } = planted();
      const { findings } = await factory().scan(text);
      assert.deepEqual(covered(text, findings), expected);
      for (let i = 1; i < findings.length; i++)
        assert.ok((findings[i - 1]?.start ?? 0) <= (findings[i]?.start ?? 0), "findings in order of start");
    });

    test("reports rule ids, never the secret, and is not switched off by a secretlint-disable comment", async () => {
      const token = githubToken();
      const text = `// secretlint-disable\n# secretlint-disable-next-line\ntoken ${token}`;
      const { findings } = await factory().scan(text);
      assert.deepEqual(covered(text, findings), [["github.GITHUB_TOKEN", token]]);
      assert.doesNotMatch(JSON.stringify(findings), new RegExp(token));
    });

    test("finds nothing in an empty text", async () => {
      assert.deepEqual(await factory().scan(""), { findings: [] });
    });

    test("finds nothing in ordinary text: prose, hashes, UUIDs, base64, AWS's example key id", async () => {
      assert.deepEqual(await factory().scan(ORDINARY), { findings: [] });
    });

    test("concurrent scans each get their own findings", async () => {
      const scanner = factory();
      const texts = [planted(), { text: ORDINARY, expected: [] }, planted(), { text: "", expected: [] }];
      const token = githubToken();
      texts.push({ text: `gh ${token}`, expected: [["github.GITHUB_TOKEN", token]] });
      const results = await Promise.all(texts.map(({ text }) => scanner.scan(text)));
      assert.deepEqual(
        results.map((result, i) => covered(texts[i]?.text ?? "", result.findings)),
        texts.map(({ expected }) => expected),
      );
    });

    test("nothing is left holding the process once the scans are done", async () => {
      const before = holders().length;
      const scanner = factory();
      await Promise.all([scanner.scan(planted().text), scanner.scan("hello"), scanner.scan(ORDINARY)]);
      await waitUntil(() => holders().length <= before, 5_000);
    });
  });
}

// The secretlint scanner: loaded on the first scan only, leaves no profiling entries behind, reports exact ranges
// (AWS secret keys included) and cannot be switched off by a comment in the scanned text.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createSecretlintScanner } from "./secret-scanner.ts";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const randomOf = (alphabet: string, length: number) =>
  [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join("");

describe("secretlint scanner", () => {
  it("imports secretlint on the first scan, not when the scanner is created", () => {
    const adapter = fileURLToPath(new URL("./secret-scanner.ts", import.meta.url));
    // Records every module specifier resolved in a fresh process, before and after the first scan.
    const script = `
      import { registerHooks } from "node:module";
      const seen = [];
      registerHooks({ resolve(specifier, context, next) { seen.push(specifier); return next(specifier, context); } });
      const { createSecretlintScanner } = await import(${JSON.stringify(adapter)});
      const scanner = createSecretlintScanner();
      const before = seen.filter((s) => s.includes("secretlint")).length;
      await scanner.scan("hello");
      const after = seen.filter((s) => s.includes("secretlint")).length;
      process.stdout.write(JSON.stringify({ before, after }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    const { before, after } = JSON.parse(out) as { before: number; after: number };
    assert.equal(before, 0);
    assert.ok(after > 0);
  });

  it("leaves no performance marks behind however many texts it scans", async () => {
    const scanner = createSecretlintScanner();
    await scanner.scan("warm up");
    const marks = performance.getEntriesByType("mark").length;
    for (let i = 0; i < 200; i++) await scanner.scan(`text number ${i}`);
    assert.equal(performance.getEntriesByType("mark").length, marks);
  });

  it("reports the exact range of each secret, an AWS secret key after its keyword included", async () => {
    const scanner = createSecretlintScanner();
    const keyId = `AKIA${randomOf("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`;
    const secret = randomOf(ALNUM, 40);
    const token = `ghp_${randomOf(ALNUM, 36)}`;
    const text = `id=${keyId}\n"aws_secret_access_key": "${secret}"\ntoken ${token}`;
    const { findings } = await scanner.scan(text);
    assert.deepEqual(
      findings.map((f) => [f.rule, text.slice(f.start, f.end)]),
      [
        ["aws.AWSAccessKeyID", keyId],
        ["aws.AWSSecretAccessKey", secret],
        ["github.GITHUB_TOKEN", token],
      ],
    );
  });

  it("ignores secretlint-disable comments in the scanned text", async () => {
    const scanner = createSecretlintScanner();
    const token = `ghp_${randomOf(ALNUM, 36)}`;
    for (const comment of [
      "// secretlint-disable",
      "# secretlint-disable-next-line",
      "/* secretlint-disable-line */",
    ]) {
      const { findings } = await scanner.scan(`${comment}\ntoken ${token}`);
      assert.deepEqual(
        findings.map((f) => f.rule),
        ["github.GITHUB_TOKEN"],
        comment,
      );
    }
  });

  it("finds nothing in an empty text", async () => {
    assert.deepEqual(await createSecretlintScanner().scan(""), { findings: [] });
  });
});

// The native launcher runs before any confinement: it is trusted only while it is the one this process built,
// in a folder only this user can write.
import assert from "node:assert/strict";
import { appendFileSync, chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ensureLauncher } from "./native-launcher.ts";

const root = mkdtempSync(join(tmpdir(), "switchboard-launcher-trust-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("trusting the native launcher", () => {
  it("refuses a launcher changed on disk after it was built", async () => {
    const cacheDir = join(root, "changed");
    const path = await ensureLauncher({ cacheDir });
    assert.equal(await ensureLauncher({ cacheDir }), path, "unchanged: used again");
    appendFileSync(path, "tampered");
    await assert.rejects(ensureLauncher({ cacheDir }), /changed on disk since it was built/);
  });

  it("refuses a cache folder others may write", async () => {
    const cacheDir = join(root, "shared");
    await ensureLauncher({ cacheDir });
    chmodSync(cacheDir, 0o777);
    // A new process would build or trust it anew: a different compiler key takes that path here.
    await assert.rejects(ensureLauncher({ cacheDir, compiler: "cc" }), /writable by others or not ours/);
  });
});

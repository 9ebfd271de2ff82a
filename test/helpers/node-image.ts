// The podman backend's default image, built from this host's own files when missing or built by other code:
// suites share it instead of each importing a fresh 130 MB image (and leaving the old one dangling) per run.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildNodeImage, DEFAULT_NODE_IMAGE } from "../../src/adapters/sandbox/image-build.ts";

const BUILD_LABEL = "io.switchboard.test-build";

/** Builds DEFAULT_NODE_IMAGE unless the one in local storage came from this image builder and this Node. */
export async function ensureNodeImage(): Promise<void> {
  const source = readFileSync(fileURLToPath(new URL("../../src/adapters/sandbox/image-build.ts", import.meta.url)));
  const build = createHash("sha256").update(source).update(process.execPath).digest("hex").slice(0, 16);
  const inspected = spawnSync(
    "podman",
    ["image", "inspect", "--format", `{{index .Labels "${BUILD_LABEL}"}}`, DEFAULT_NODE_IMAGE],
    {
      encoding: "utf8",
    },
  );
  if (inspected.status === 0 && inspected.stdout.trim() === build) return;
  await buildNodeImage({ tag: DEFAULT_NODE_IMAGE, labels: { [BUILD_LABEL]: build } });
}

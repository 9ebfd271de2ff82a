import assert from "node:assert/strict";
import { test } from "node:test";
import { containerCwd, containerEnv, visibleMounts } from "./container-mounts.ts";
import { parseLdd } from "./image-build.ts";

const paths = { system: ["/usr"], own: ["/srv/app"], read: ["/data"], write: ["/data/out", "/usr"], tmp: "/state/tmp" };

test("visible mounts: each path once, write wins over read, parents before children", () => {
  assert.deepEqual(visibleMounts(paths), [
    { path: "/data", writable: false },
    { path: "/usr", writable: true },
    { path: "/data/out", writable: true },
    { path: "/srv/app", writable: false },
  ]);
});

test("cwd: kept when visible, mapped into /tmp from the private tmp folder, else /tmp", () => {
  assert.equal(containerCwd("/data/out/x", paths), "/data/out/x");
  assert.equal(containerCwd("/state/tmp/work", paths), "/tmp/work");
  assert.equal(containerCwd("/home/someone", paths), "/tmp");
  assert.equal(containerCwd("/datax", paths), "/tmp");
});

test("env: values naming the private tmp folder point at /tmp", () => {
  assert.deepEqual(containerEnv({ HOME: "/state/tmp", TMPDIR: "/state/tmp/t", OTHER: "/state/tmpx" }, "/state/tmp"), {
    HOME: "/tmp",
    TMPDIR: "/tmp/t",
    OTHER: "/state/tmpx",
  });
});

test("ldd output: the libraries' paths and the loader's", () => {
  const output = [
    "\tlinux-vdso.so.1 (0x00007ffd)",
    "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0a)",
    "\t/lib64/ld-linux-x86-64.so.2 (0x00007f0b)",
  ].join("\n");
  assert.deepEqual(parseLdd(output), ["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"]);
});

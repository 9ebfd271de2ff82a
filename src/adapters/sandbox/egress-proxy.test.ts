// The egress proxy against real sockets on 127.0.0.1 and a Unix socket: tunnels and plain requests that are let
// through, every kind of denial, the bounds, and Node's own fetch pointed at it through the proxy variables.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer as createHttpServer, type IncomingHttpHeaders } from "node:http";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseEgressRule } from "../../core/sandbox.ts";
import { decide, denialMessage, type EgressDecision, parseAuthority, startEgressProxy } from "./egress-proxy.ts";

const rules = (...texts: string[]) => texts.map(parseEgressRule);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

type ProxyAddress = string | { host: string; port: number };

function open(address: ProxyAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = typeof address === "string" ? connect(address) : connect(address.port, address.host);
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Reads up to the end of the response head; `rest` is what followed it. Resolves at close too. */
function readHead(socket: Socket): Promise<{ head: string; rest: string }> {
  return new Promise((resolve) => {
    let text = "";
    const finish = () => {
      socket.off("data", onData);
      const end = text.indexOf("\r\n\r\n");
      resolve(end < 0 ? { head: text, rest: "" } : { head: text.slice(0, end), rest: text.slice(end + 4) });
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n\r\n")) finish();
    };
    socket.on("data", onData);
    socket.once("close", finish);
  });
}

function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
    });
    socket.once("close", () => resolve(text));
  });
}

function nextData(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once("data", (chunk: Buffer) => resolve(chunk.toString())));
}

async function tunnel(address: ProxyAddress, target: string): Promise<{ socket: Socket; head: string }> {
  const socket = await open(address);
  socket.on("error", () => undefined);
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const { head } = await readHead(socket);
  return { socket, head };
}

function listening(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: Server | ReturnType<typeof createHttpServer>): Promise<void> {
  if ("closeAllConnections" in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("egress decision", () => {
  test("a listed IP literal may be a denied address; a name resolving to it may not", () => {
    assert.deepEqual(decide(rules("127.0.0.1:9000"), "127.0.0.1", 9000, ["127.0.0.1"]), {
      allowed: true,
      address: "127.0.0.1",
    });
    assert.deepEqual(decide(rules("localhost:9000"), "localhost", 9000, ["127.0.0.1"]), {
      allowed: false,
      reason: "loopback",
      address: "127.0.0.1",
    });
    assert.deepEqual(decide(rules("[::1]:9000"), "0:0::1", 9000, ["::1"]), { allowed: true, address: "::1" });
  });

  test("a domain rule lets a name through to public addresses only, and never to the metadata service", () => {
    const allow = rules(".example.com");
    assert.deepEqual(decide(allow, "api.test.example.com", 443, ["93.184.216.34", "2606:2800:220:1::1"]), {
      allowed: true,
      address: "93.184.216.34",
    });
    assert.equal(decide(allow, "example.com", 80, ["93.184.216.34"]).allowed, true);
    assert.deepEqual(decide(allow, "meta.example.com", 80, ["169.254.169.254"]), {
      allowed: false,
      reason: "metadata",
      address: "169.254.169.254",
    });
    assert.deepEqual(decide(allow, "evil.com", 443, ["93.184.216.34"]), { allowed: false, reason: "not_listed" });
    assert.deepEqual(decide(allow, "notexample.com", 443, ["93.184.216.34"]), { allowed: false, reason: "not_listed" });
  });

  test("one internal address among public ones refuses the name whole", () => {
    const verdict = decide(rules(".example.com"), "mixed.example.com", 443, ["93.184.216.34", "::ffff:10.0.0.1"]);
    assert.deepEqual(verdict, { allowed: false, reason: "private", address: "::ffff:10.0.0.1" });
  });

  test("IPv4 carried in 6to4, local-use NAT64 and the IPv4-translated form, and benchmarking addresses, are denied", () => {
    const allow = rules(".example.com");
    const cases: [string, string][] = [
      ["64:ff9b:1::a00:1", "private"],
      ["2002:c0a8:101::1", "private"],
      ["::ffff:0:7f00:1", "loopback"],
      ["198.18.0.1", "reserved"],
    ];
    for (const [address, reason] of cases) {
      assert.deepEqual(decide(allow, "api.example.com", 443, [address]), { allowed: false, reason, address }, address);
      assert.deepEqual(
        decide(allow, "api.example.com", 443, ["93.184.216.34", address]),
        { allowed: false, reason, address },
        address,
      );
    }
    assert.equal(decide(allow, "api.example.com", 443, ["2002:808:808::1"]).allowed, true);
  });

  test("ports, IP literals against domain rules, empty and invalid resolutions", () => {
    assert.equal(decide(rules("api.github.com:443"), "api.github.com", 80, ["140.82.112.5"]).allowed, false);
    assert.equal(decide(rules("api.github.com"), "api.github.com", 8443, ["140.82.112.5"]).allowed, true);
    // `.0.0.1` names a domain; an address is not a name under it.
    assert.equal(decide(rules(".0.0.1"), "8.0.0.1", 80, ["8.0.0.1"]).allowed, false);
    assert.equal(decide(rules("10.0.0.5:8080"), "10.0.0.5", 8080, ["10.0.0.5"]).allowed, true);
    assert.deepEqual(decide(rules("10.0.0.5:8080"), "10.0.0.6", 8080, ["10.0.0.6"]), {
      allowed: false,
      reason: "not_listed",
    });
    assert.deepEqual(decide(rules("a.test"), "a.test", 80, []), { allowed: false, reason: "unresolved" });
    assert.equal(decide(rules("a.test"), "a.test", 80, ["not-an-ip"]).allowed, false);
  });

  test("denial texts and CONNECT targets", () => {
    assert.equal(denialMessage("10.0.0.1", 80, "private"), "egress to 10.0.0.1:80 denied: private address\n");
    assert.equal(
      denialMessage("evil.com", 443, "not_listed"),
      "egress to evil.com:443 denied: not on the allow-list\n",
    );
    assert.deepEqual(parseAuthority("API.GitHub.com.:443"), { host: "api.github.com", port: 443 });
    assert.deepEqual(parseAuthority("[::1]:80"), { host: "::1", port: 80 });
    for (const bad of ["host", "host:0", "host:65536", "::1:80", "[nothost]:80", "a b:80", "http://x:80", ":80"]) {
      assert.equal(parseAuthority(bad), undefined, bad);
    }
  });
});

describe("egress proxy", () => {
  let echo: Server;
  let echoPort: number;
  let web: ReturnType<typeof createHttpServer>;
  let webPort: number;
  let closedPort: number;
  const seen: { url: string | undefined; headers: IncomingHttpHeaders }[] = [];
  const dir = mkdtempSync(join(tmpdir(), "egress-proxy-"));

  before(async () => {
    echo = createServer((socket) => {
      socket.on("error", () => undefined);
      socket.pipe(socket);
    });
    echoPort = await listening(echo);
    web = createHttpServer((request, response) => {
      seen.push({ url: request.url, headers: request.headers });
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        response.setHeader("keep-alive", "timeout=5");
        response.end(`hello from ${request.url}${body ? ` body=${body}` : ""}`);
      });
    });
    webPort = await listening(web);
    const spare = createServer();
    closedPort = await listening(spare);
    await closeServer(spare);
  });

  after(async () => {
    await closeServer(echo);
    await closeServer(web);
    rmSync(dir, { recursive: true, force: true });
  });

  async function proxy(allow: string[], extra: Partial<Parameters<typeof startEgressProxy>[0]> = {}) {
    const decisions: EgressDecision[] = [];
    const started = await startEgressProxy({
      server: "srv",
      rules: rules(...allow),
      listen: { host: "127.0.0.1", port: 0 },
      onDecision: (decision) => decisions.push(decision),
      ...extra,
    });
    return { ...started, decisions };
  }

  test("a CONNECT to a server listed by IP literal is tunnelled, on a Unix socket made for nobody", async () => {
    const path = join(dir, "unix.sock");
    const p = await proxy([`127.0.0.1:${echoPort}`], { listen: { path } });
    try {
      assert.equal(p.address, path);
      assert.equal(statSync(path).mode & 0o777, 0o666);
      const { socket, head } = await tunnel(p.address, `127.0.0.1:${echoPort}`);
      assert.match(head, /^HTTP\/1\.1 200 Connection Established/);
      socket.write("ping");
      assert.equal(await nextData(socket), "ping");
      socket.destroy();
      assert.deepEqual(p.decisions, [
        { server: "srv", host: "127.0.0.1", port: echoPort, allowed: true, address: "127.0.0.1" },
      ]);
    } finally {
      await p.close();
    }
    assert.equal(existsSync(path), false);
  });

  test("a stale socket file is replaced; close() is idempotent and ends open tunnels", async () => {
    const path = join(dir, "stale.sock");
    // A process killed while listening leaves its socket file behind.
    const script = `require("net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`;
    spawnSync(process.execPath, ["-e", script]);
    assert.ok(statSync(path).isSocket());
    const p = await proxy([`127.0.0.1:${echoPort}`], { listen: { path } });
    const { socket, head } = await tunnel(p.address, `127.0.0.1:${echoPort}`);
    assert.match(head, / 200 /);
    const ended = new Promise((resolve) => socket.once("close", resolve));
    await Promise.all([p.close(), p.close()]);
    await ended;
    await p.close();
    assert.equal(existsSync(path), false);
  });

  test("the same server through a name rule is denied: the name resolves to loopback", async () => {
    const p = await proxy([`localhost:${echoPort}`]);
    try {
      const { socket, head } = await tunnel(p.address, `localhost:${echoPort}`);
      socket.destroy();
      assert.match(head, /^HTTP\/1\.1 403 Forbidden/);
      assert.match(head, /text\/plain/);
      assert.equal(p.decisions[0]?.allowed, false);
      assert.equal(p.decisions[0]?.reason, "loopback");
    } finally {
      await p.close();
    }
  });

  test("a host off the list is denied without being looked up", async () => {
    const looked: string[] = [];
    const lookup = async (host: string) => {
      looked.push(host);
      return ["93.184.216.34"];
    };
    const p = await proxy(["api.github.com:443"], { lookup });
    try {
      const socket = await open(p.address);
      socket.write("CONNECT evil.com:443 HTTP/1.1\r\nHost: evil.com:443\r\n\r\n");
      const reply = await readAll(socket);
      assert.match(reply, /^HTTP\/1\.1 403 Forbidden/);
      assert.ok(reply.endsWith("egress to evil.com:443 denied: not on the allow-list\n"));
      assert.deepEqual(looked, []);
      assert.deepEqual(p.decisions, [
        { server: "srv", host: "evil.com", port: 443, allowed: false, reason: "not_listed" },
      ]);
    } finally {
      await p.close();
    }
  });

  test("169.254.169.254 is denied even when a domain rule matches the name resolving to it", async () => {
    const p = await proxy([".example.com"], { lookup: async () => ["169.254.169.254"] });
    try {
      const socket = await open(p.address);
      socket.write("CONNECT meta.test.example.com:80 HTTP/1.1\r\n\r\n");
      const reply = await readAll(socket);
      assert.match(reply, / 403 /);
      assert.ok(reply.endsWith("denied: cloud metadata address\n"));
      assert.equal(p.decisions[0]?.reason, "metadata");
      assert.equal(p.decisions[0]?.address, "169.254.169.254");
    } finally {
      await p.close();
    }
  });

  test("a plain HTTP request is forwarded in origin form without hop-by-hop and proxy headers", async () => {
    const p = await proxy([`127.0.0.1:${webPort}`]);
    try {
      const socket = await open(p.address);
      socket.write(
        `GET http://127.0.0.1:${webPort}/path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:${webPort}\r\n` +
          "Proxy-Authorization: Basic c2VjcmV0\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive, X-Drop\r\n" +
          "X-Drop: 1\r\nX-Keep: 2\r\n\r\n",
      );
      const reply = await readAll(socket);
      assert.match(reply, /^HTTP\/1\.1 200 OK/);
      assert.ok(reply.endsWith("hello from /path?q=1"));
      assert.doesNotMatch(reply, /keep-alive/i);
      const request = seen.at(-1);
      assert.equal(request?.url, "/path?q=1");
      assert.equal(request?.headers["x-keep"], "2");
      assert.equal(request?.headers.host, `127.0.0.1:${webPort}`);
      for (const name of ["proxy-authorization", "proxy-connection", "x-drop"]) {
        assert.equal(request?.headers[name], undefined, name);
      }
      assert.equal(request?.headers.connection, "close");
    } finally {
      await p.close();
    }
  });

  test("a plain HTTP request body reaches the server, sized or chunked", async () => {
    const p = await proxy([`127.0.0.1:${webPort}`]);
    try {
      let socket = await open(p.address);
      socket.write(`POST http://127.0.0.1:${webPort}/sized HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`);
      assert.ok((await readAll(socket)).endsWith("hello from /sized body=hello"));
      socket = await open(p.address);
      socket.write(
        `POST http://127.0.0.1:${webPort}/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n` +
          "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
      );
      assert.ok((await readAll(socket)).endsWith("hello from /chunked body=abcde"));
    } finally {
      await p.close();
    }
  });

  test("a plain HTTP request to a private address is refused with 403, a malformed one with 400", async () => {
    const p = await proxy([".example.com"], { lookup: async () => ["10.0.0.1"] });
    try {
      let socket = await open(p.address);
      socket.write("GET http://intranet.example.com/ HTTP/1.1\r\nHost: intranet.example.com\r\n\r\n");
      let reply = await readAll(socket);
      assert.match(reply, /^HTTP\/1\.1 403 Forbidden/);
      assert.ok(reply.endsWith("egress to intranet.example.com:80 denied: private address\n"));
      socket = await open(p.address);
      socket.write("GET /origin-form HTTP/1.1\r\nHost: x\r\n\r\n");
      reply = await readAll(socket);
      assert.match(reply, /^HTTP\/1\.1 400 /);
      socket = await open(p.address);
      socket.write("CONNECT nonsense HTTP/1.1\r\n\r\n");
      reply = await readAll(socket);
      assert.match(reply, /^HTTP\/1\.1 400 /);
      socket = await open(p.address);
      socket.write("\x00\x01garbage\r\n\r\n");
      reply = await readAll(socket);
      assert.match(reply, /^HTTP\/1\.1 400 /);
    } finally {
      await p.close();
    }
  });

  test("an unreachable destination is 502, a name that does not resolve too", async () => {
    const p = await proxy([`127.0.0.1:${closedPort}`, "nowhere.test"], {
      lookup: async () => {
        throw new Error("ENOTFOUND");
      },
    });
    try {
      let { socket, head } = await tunnel(p.address, `127.0.0.1:${closedPort}`);
      socket.destroy();
      assert.match(head, /^HTTP\/1\.1 502 /);
      ({ socket, head } = await tunnel(p.address, "nowhere.test:443"));
      socket.destroy();
      assert.match(head, /^HTTP\/1\.1 502 /);
      assert.equal(p.decisions[1]?.reason, "unresolved");
    } finally {
      await p.close();
    }
  });

  test("oversize headers get 431 and the proxy keeps serving", async () => {
    const p = await proxy([`127.0.0.1:${echoPort}`]);
    try {
      const socket = await open(p.address);
      socket.on("error", () => undefined);
      socket.write(`CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
      const reply = await readAll(socket);
      assert.match(reply, /^HTTP\/1\.1 431 /);
      const next = await tunnel(p.address, `127.0.0.1:${echoPort}`);
      assert.match(next.head, / 200 /);
      next.socket.destroy();
    } finally {
      await p.close();
    }
  });

  test("over maxConnections the next client gets 503", async () => {
    const p = await proxy([`127.0.0.1:${echoPort}`], { maxConnections: 64 });
    const open64: Socket[] = [];
    try {
      const tunnels = await Promise.all(Array.from({ length: 64 }, () => tunnel(p.address, `127.0.0.1:${echoPort}`)));
      for (const t of tunnels) {
        open64.push(t.socket);
        assert.match(t.head, / 200 /);
      }
      const extra = await open(p.address);
      const reply = await readAll(extra);
      assert.match(reply, /^HTTP\/1\.1 503 /);
      open64.pop()?.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await tunnel(p.address, `127.0.0.1:${echoPort}`);
      assert.match(again.head, / 200 /);
      again.socket.destroy();
    } finally {
      for (const socket of open64) socket.destroy();
      await p.close();
    }
  });

  test("an idle tunnel is closed after idleTimeoutMs", async () => {
    const p = await proxy([`127.0.0.1:${echoPort}`], { idleTimeoutMs: 300 });
    try {
      const { socket, head } = await tunnel(p.address, `127.0.0.1:${echoPort}`);
      assert.match(head, / 200 /);
      const started = Date.now();
      await new Promise((resolve) => socket.once("close", resolve));
      assert.ok(Date.now() - started < 5_000);
    } finally {
      await p.close();
    }
  });

  test("an aborted signal closes the proxy, and one aborted already refuses to start it", async () => {
    const controller = new AbortController();
    const p = await proxy([], { signal: controller.signal });
    const port = (p.address as { port: number }).port;
    controller.abort();
    await p.close();
    await assert.rejects(open({ host: "127.0.0.1", port }));
    await assert.rejects(proxy([], { signal: AbortSignal.abort() }), { name: "AbortError" });
  });

  test("Node's fetch goes through the proxy with NODE_USE_ENV_PROXY, and a denied destination fails", async () => {
    const p = await proxy([`127.0.0.1:${webPort}`]);
    const { port } = p.address as { port: number };
    const script = [
      `const allowed = await fetch("http://127.0.0.1:${webPort}/via-proxy").then(async (r) => r.status + " " + (await r.text()));`,
      `const plainDenied = await fetch("http://127.0.0.1:${closedPort}/").then((r) => "status " + r.status, (e) => "failed: " + e.cause?.cause?.message);`,
      `const tunnelDenied = await fetch("https://denied.test/").then((r) => "status " + r.status, (e) => "failed: " + e.cause?.cause?.message);`,
      "console.log(JSON.stringify({ allowed, plainDenied, tunnelDenied }));",
    ].join("\n");
    try {
      const output = await new Promise<string>((resolve, reject) => {
        const env = {
          ...process.env,
          NODE_USE_ENV_PROXY: "1",
          HTTP_PROXY: `http://127.0.0.1:${port}`,
          HTTPS_PROXY: `http://127.0.0.1:${port}`,
          NO_PROXY: "",
          no_proxy: "",
        };
        execFile(
          process.execPath,
          [join(ROOT, "bin/node22.js"), "--input-type=module", "-e", script],
          { env, timeout: 60_000 },
          (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
        );
      });
      const result = JSON.parse(output.trim());
      assert.equal(result.allowed, "200 hello from /via-proxy");
      // Node's fetch tunnels plain http:// through CONNECT as well, so a refusal is a failed fetch, not a 403.
      assert.match(result.plainDenied, /^failed: .*403/);
      assert.match(result.tunnelDenied, /^failed: .*403/);
      const hosts = p.decisions.map((decision) => `${decision.host}:${decision.port}:${decision.allowed}`);
      assert.deepEqual(hosts, [`127.0.0.1:${webPort}:true`, `127.0.0.1:${closedPort}:false`, "denied.test:443:false"]);
    } finally {
      await p.close();
    }
  });
});

// Address parsing and the denied ranges of the egress proxy, IPv4, IPv6 and the IPv6 forms that carry IPv4.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { addressRange, isIpLiteral, parseIp, sameIp } from "./ip-ranges.ts";

describe("ip ranges", () => {
  test("IPv4 ranges", () => {
    const cases: Record<string, string> = {
      "0.0.0.0": "unspecified",
      "0.1.2.3": "unspecified",
      "127.0.0.1": "loopback",
      "127.255.0.9": "loopback",
      "10.0.0.1": "private",
      "172.16.0.1": "private",
      "172.31.255.255": "private",
      "172.32.0.1": "public",
      "192.168.1.1": "private",
      "169.254.169.254": "metadata",
      "169.254.1.1": "link-local",
      "100.64.0.1": "cgnat",
      "100.127.255.255": "cgnat",
      "100.128.0.1": "public",
      "224.0.0.1": "multicast",
      "239.255.255.250": "multicast",
      "240.0.0.1": "reserved",
      "255.255.255.255": "reserved",
      "8.8.8.8": "public",
      "93.184.216.34": "public",
    };
    for (const [address, range] of Object.entries(cases)) assert.equal(addressRange(address), range, address);
  });

  test("IPv6 ranges, including the IPv4-mapped, NAT64 and IPv4-compatible forms", () => {
    const cases: Record<string, string> = {
      "::": "unspecified",
      "::1": "loopback",
      "0:0:0:0:0:0:0:1": "loopback",
      "fc00::1": "private",
      "fd12:3456::1": "private",
      "fec0::1": "private",
      "fe80::1": "link-local",
      "fe80::1%eth0": "link-local",
      "febf::1": "link-local",
      "ff02::1": "multicast",
      "::ffff:127.0.0.1": "loopback",
      "::ffff:7f00:1": "loopback",
      "::ffff:169.254.169.254": "metadata",
      "::ffff:10.1.2.3": "private",
      "::ffff:8.8.8.8": "public",
      "64:ff9b::10.0.0.1": "private",
      "64:ff9b::8.8.8.8": "public",
      "::127.0.0.1": "loopback",
      "2001:4860:4860::8888": "public",
      "2606:4700::1111": "public",
    };
    for (const [address, range] of Object.entries(cases)) assert.equal(addressRange(address), range, address);
  });

  test("only plain dotted quads and valid IPv6 texts are addresses", () => {
    for (const text of ["127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1", "256.0.0.1", "1.2.3", "localhost"]) {
      assert.equal(parseIp(text), undefined, text);
      assert.equal(addressRange(text), "invalid", text);
    }
    for (const text of ["1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::1", "::g", ":::", "[::1]", ""]) {
      assert.equal(isIpLiteral(text), false, text);
    }
    assert.equal(isIpLiteral("1:2:3:4:5:6:7:8"), true);
    assert.equal(isIpLiteral("::ffff:1.2.3.4"), true);
  });

  test("the same address written two ways is the same; IPv4 and its mapped form are not", () => {
    assert.ok(sameIp("::1", "0:0::1"));
    assert.ok(sameIp("FE80::1", "fe80:0:0:0:0:0:0:1"));
    assert.ok(sameIp("127.0.0.1", "127.0.0.1"));
    assert.ok(!sameIp("127.0.0.1", "::ffff:127.0.0.1"));
    assert.ok(!sameIp("127.0.0.1", "127.0.0.2"));
    assert.ok(!sameIp("localhost", "localhost"));
  });
});

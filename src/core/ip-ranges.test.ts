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
      "192.0.0.1": "reserved",
      "192.0.0.255": "reserved",
      "192.0.1.1": "public",
      "192.0.2.1": "reserved",
      "198.18.0.1": "reserved",
      "198.19.255.255": "reserved",
      "198.17.255.255": "public",
      "198.20.0.1": "public",
      "198.51.100.7": "reserved",
      "198.51.101.1": "public",
      "203.0.113.9": "reserved",
      "203.0.114.1": "public",
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

  test("the IPv4-translated form (::ffff:0:0:0/96) is judged by the IPv4 address it carries", () => {
    assert.equal(addressRange("::ffff:0:7f00:1"), "loopback");
    assert.equal(addressRange("::ffff:0:127.0.0.1"), "loopback");
    assert.equal(addressRange("::ffff:0:a9fe:a9fe"), "metadata");
    assert.equal(addressRange("::ffff:0:10.1.2.3"), "private");
    assert.equal(addressRange("::ffff:0:8.8.8.8"), "public");
  });

  test("6to4 (2002::/16) is judged by the IPv4 address in bytes 2 to 5, and an ISATAP identifier under it too", () => {
    assert.equal(addressRange("2002:c0a8:101::1"), "private");
    assert.equal(addressRange("2002:7f00:1::"), "loopback");
    assert.equal(addressRange("2002:a9fe:a9fe:1:2:3:4:5"), "metadata");
    assert.equal(addressRange("2002:a00:1::1"), "private");
    assert.equal(addressRange("2002::1"), "unspecified");
    assert.equal(addressRange("2002:6440:1::1"), "cgnat");
    assert.equal(addressRange("2002:c612:1::1"), "reserved");
    assert.equal(addressRange("2002:808:808::1"), "public");
    assert.equal(addressRange("2002:808:808:1:0:5efe:10.0.0.1"), "private");
  });

  test("the local-use NAT64 prefix 64:ff9b:1::/48 is denied whole: the IPv4 address in it cannot be located", () => {
    assert.equal(addressRange("64:ff9b:1::a00:1"), "private");
    assert.equal(addressRange("64:ff9b:1::8.8.8.8"), "private");
    assert.equal(addressRange("64:ff9b:1:ffff:ffff:ffff:ffff:ffff"), "private");
    // Outside the well-known /96 and the local-use /48, 64:ff9b::/32 is unassigned.
    assert.equal(addressRange("64:ff9b:2::8.8.8.8"), "reserved");
  });

  test("Teredo, documentation, benchmarking, discard and unassigned IPv6 space are reserved", () => {
    const cases: Record<string, string> = {
      "2001::1": "reserved",
      "2001:0:4136:e378:8000:63bf:3fff:fdd2": "reserved",
      "2001:0:ffff:ffff:ffff:ffff:ffff:ffff": "reserved",
      "2001:1::1": "public",
      "2001:db8::1": "reserved",
      "2001:db8:ffff::1": "reserved",
      "2001:db9::1": "public",
      "2001:2::1": "reserved",
      "2001:2:0:ffff::1": "reserved",
      "2001:3::1": "public",
      "3fff::1": "reserved",
      "3fff:fff::1": "reserved",
      "3fff:1000::1": "public",
      "100::1": "reserved",
      "100::ffff:ffff:ffff:ffff": "reserved",
      "100:0:0:1::1": "reserved",
      "::1:0:0:1": "reserved",
      "4000::1": "reserved",
      "5f00::1": "reserved",
      "1fff:ffff::1": "reserved",
      "2000::1": "public",
      "3ffe:ffff::1": "public",
    };
    for (const [address, range] of Object.entries(cases)) assert.equal(addressRange(address), range, address);
  });

  test("an ISATAP identifier carrying a denied IPv4 address is denied under any prefix", () => {
    assert.equal(addressRange("2001:4860:1:2:0:5efe:10.0.0.1"), "private");
    assert.equal(addressRange("2001:4860:1:2:200:5efe:7f00:1"), "loopback");
    assert.equal(addressRange("2001:4860:1:2:0:5efe:169.254.169.254"), "metadata");
    assert.equal(addressRange("fe80::5efe:8.8.8.8"), "link-local");
    assert.equal(addressRange("fd00::5efe:8.8.8.8"), "private");
    // A public IPv4 address in it leaves the verdict to the prefix; an identifier that only looks alike is not one.
    assert.equal(addressRange("2001:4860:1:2:200:5efe:8.8.8.8"), "public");
    assert.equal(addressRange("2001:4860:1:2:400:5efe:10.0.0.1"), "public");
    assert.equal(addressRange("2001:4860:1:2:0:5eff:10.0.0.1"), "public");
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

import assert from "node:assert/strict";
import { it } from "node:test";
import { compileUriTemplate } from "./uri-template.ts";

it("matches URIs built from RFC 6570 templates and nothing else", () => {
  const simple = compileUriTemplate("demo://resource/dynamic/text/{resourceId}");
  assert.ok(simple.test("demo://resource/dynamic/text/42"));
  assert.ok(!simple.test("demo://resource/dynamic/text/4/2"));
  assert.ok(!simple.test("demo://resource/dynamic/blob/42"));
  assert.ok(compileUriTemplate("file:///{+path}").test("file:///a/b/c.txt"));
  assert.ok(compileUriTemplate("users://{id}/posts{?limit,cursor}").test("users://7/posts?limit=3&cursor=x"));
  assert.ok(compileUriTemplate("users://{id}/posts{?limit,cursor}").test("users://7/posts"));
  assert.ok(compileUriTemplate("repo://x{/owner,name}").test("repo://x/acme/widgets"));
  assert.ok(compileUriTemplate("a.b://{x}").test("a.b://y"));
  assert.ok(!compileUriTemplate("a.b://{x}").test("aXb://y"));
});

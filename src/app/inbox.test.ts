// The upstream inbox: each server's hooks hand its traffic, tagged with the server's name, to what is attached;
// before anything is attached notifications are dropped and requests answered as not ready.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isSwitchboardError } from "../core/errors.ts";
import type { JsonRpcNotification, JsonRpcRequest } from "../core/jsonrpc.ts";
import type { Logger } from "../ports/logger.ts";
import { UpstreamInbox, type UpstreamTraffic } from "./inbox.ts";

const errors: { bindings: unknown; message: string | undefined }[] = [];
const logger = {
  error: (bindings: unknown, message?: string) => errors.push({ bindings, message }),
} as unknown as Logger;

const notification: JsonRpcNotification = { jsonrpc: "2.0", method: "notifications/tools/list_changed" };
const request: JsonRpcRequest = { jsonrpc: "2.0", id: 7, method: "sampling/createMessage", params: {} };

test("before a router is attached, notifications are dropped and requests fail as not ready", async () => {
  const hooks = new UpstreamInbox(logger).hooksFor("alpha");
  hooks.onNotification(notification, []);
  await assert.rejects(hooks.onRequest(request, [], new AbortController().signal), (error) =>
    isSwitchboardError(error, "client_unavailable"),
  );
});

test("once attached, each server's traffic reaches the router with that server's name", async () => {
  const inbox = new UpstreamInbox(logger);
  const alpha = inbox.hooksFor("alpha");
  const beta = inbox.hooksFor("beta");
  const seen: string[] = [];
  const traffic: UpstreamTraffic = {
    upstreamNotification: (server, n) => void seen.push(`${server} ${n.method}`),
    upstreamRequest: async (server, r) => {
      seen.push(`${server} ${r.method}`);
      return { result: { server } };
    },
  };
  inbox.attach(traffic);
  alpha.onNotification(notification, []);
  const answer = await beta.onRequest(request, [], new AbortController().signal);
  assert.deepEqual(seen, ["alpha notifications/tools/list_changed", "beta sampling/createMessage"]);
  assert.deepEqual(answer, { result: { server: "beta" } });
});

test("a failure handling a server's message is logged with the server's name", () => {
  errors.length = 0;
  new UpstreamInbox(logger).hooksFor("gamma").onError?.(new Error("boom"), "relaying a notification");
  assert.deepEqual(
    errors.map((e) => [(e.bindings as { server: string }).server, e.message]),
    [["gamma", "relaying a notification failed; the message was dropped"]],
  );
});

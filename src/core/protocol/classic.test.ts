import assert from "node:assert/strict";
import { it } from "node:test";
import * as sdk from "@modelcontextprotocol/client";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "./classic.ts";

it("speaks exactly the protocol revisions of the pinned SDK", () => {
  assert.deepEqual(SUPPORTED_PROTOCOL_VERSIONS, sdk.SUPPORTED_PROTOCOL_VERSIONS);
  assert.equal(LATEST_PROTOCOL_VERSION, sdk.LATEST_PROTOCOL_VERSION);
});

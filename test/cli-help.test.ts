// Help of the `switchboard` command as a new user meets it: `help`, `help COMMAND`, `COMMAND --help` print that
// command's own options and examples; no arguments prints the help on stderr and exits 2.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { describeRun, killSpawned, runCli } from "./helpers/cli.ts";

after(() => killSpawned());

/** Each subcommand, with an option only its own help names. */
const OWN_OPTION: Record<string, RegExp> = {
  serve: /--insecure-bind/,
  stdio: /stdin\/stdout/,
  "check-config": /JSON path/,
  doctor: /DATABASE_URL/,
  servers: /servers stop NAME/,
  tools: /--args JSON/,
  audit: /--since ISO/,
  keys: /--principal NAME/,
  status: /--once/,
};

describe("switchboard help", () => {
  for (const [command, own] of Object.entries(OWN_OPTION)) {
    it(`help ${command} and ${command} --help print the same help of ${command}, with an example`, async () => {
      const viaHelp = await runCli(["help", command]);
      assert.equal(viaHelp.code, 0, describeRun(viaHelp));
      assert.match(viaHelp.stdout, new RegExp(`^Usage: switchboard ${command}\\b`));
      assert.match(viaHelp.stdout, own);
      assert.match(viaHelp.stdout, /Examples?/);
      assert.doesNotMatch(viaHelp.stdout, /^Commands:/m, "the global list of commands is not repeated");
      const viaFlag = await runCli([command, "--help"]);
      assert.equal(viaFlag.code, 0, describeRun(viaFlag));
      assert.equal(viaFlag.stdout, viaHelp.stdout);
    });
  }

  it("help alone prints the list of commands on stdout, exit 0, and names help itself", async () => {
    const result = await runCli(["help"]);
    assert.equal(result.code, 0, describeRun(result));
    assert.match(result.stdout, /^Commands:/m);
    assert.match(result.stdout, /help \[COMMAND\]/);
    assert.equal(result.stderr, "");
  });

  it("help of an unknown command is a usage error (exit 2)", async () => {
    const result = await runCli(["help", "nosuch"]);
    assert.equal(result.code, 2, describeRun(result));
    assert.match(result.stderr, /unknown command "nosuch"/);
  });

  it("no arguments: the help on stderr, nothing on stdout, exit 2", async () => {
    const result = await runCli([]);
    assert.equal(result.code, 2, describeRun(result));
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^Usage: switchboard <command>/);
  });
});

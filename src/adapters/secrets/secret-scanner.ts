// Secret scanning with secretlint's recommended preset (@secretlint/secretlint-rule-preset-recommend), a rule set
// maintained upstream rather than regexes of our own. secretlint is imported on the first scan only: a gateway
// with secret detection off for every server never loads it.
import type { SecretFinding, SecretScanner } from "../../ports/secret-scanner.ts";

type LintSource = typeof import("@secretlint/core").lintSource;
type PresetRules = typeof import("@secretlint/secretlint-rule-preset-recommend").rules;
type LintConfig = Parameters<LintSource>[0]["options"]["config"];
type LintMessage = Awaited<ReturnType<LintSource>>["messages"][number];

const RULE_PREFIX = "@secretlint/secretlint-rule-";

/**
 * The preset's rules, each registered on its own, with two changes:
 * - AWS access key ids (`AKIA…`) and account ids are scanned: the preset leaves them off by default as too noisy
 *   for source trees, but a key id in a tool result is worth redacting and rarely looks like anything else;
 * - the `secretlint-disable` comment filter is left out: the text comes from an upstream server, which must not be
 *   able to switch the scan off by writing a comment next to the secret. (secretlint 13.1.0 does not honour
 *   `disabled` on a rule inside a preset, hence the rules one by one.)
 */
function presetConfig(rules: PresetRules): LintConfig {
  return {
    rules: rules
      .filter((rule) => rule.meta.id !== `${RULE_PREFIX}filter-comments`)
      .map((rule) => ({
        id: rule.meta.id,
        rule,
        options: rule.meta.id === `${RULE_PREFIX}aws` ? { enableIDScanRule: true } : {},
      })),
  };
}

/** `@secretlint/secretlint-rule-aws` + `AWSAccessKeyID` → `aws.AWSAccessKeyID`. */
function ruleId(message: LintMessage): string {
  const rule = message.ruleId.startsWith(RULE_PREFIX) ? message.ruleId.slice(RULE_PREFIX.length) : message.ruleId;
  return `${rule}.${message.messageId}`;
}

// secretlint-rule-aws 13.1.0 reports a secret access key at the start of `aws_secret_access_key = …` with the
// key's length, so the range covers the keyword and misses the end of the key. The same pattern, matched at the
// reported start, gives the key's true place.
const AWS_SECRET_AT =
  /["']?(?:AWS|aws|Aws)?_?(?:SECRET|secret|Secret)_?(?:ACCESS|access|Access)_?(?:KEY|key|Key)["']?\s*(?::|=>|=)\s*["']?([A-Za-z0-9/+=]{40})/dy;

function correctedRange(rule: string, text: string, start: number, end: number): [number, number] {
  if (rule !== "aws.AWSSecretAccessKey") return [start, end];
  AWS_SECRET_AT.lastIndex = start;
  const key = AWS_SECRET_AT.exec(text)?.indices?.[1];
  return key ? [key[0], key[1]] : [start, end];
}

interface Loaded {
  lintSource: LintSource;
  config: LintConfig;
}

/** A scanner with secretlint's recommended preset, loaded on first use. */
export function createSecretlintScanner(): SecretScanner {
  let loading: Promise<Loaded> | undefined;
  const load = () => {
    loading ??= Promise.all([
      import("@secretlint/core"),
      import("@secretlint/secretlint-rule-preset-recommend"),
      import("@secretlint/profiler"),
    ]).then(([core, preset, profiler]) => {
      // secretlint's process-wide profiler is on by default: every scan leaves ~100 performance marks in the
      // global timeline and in the profiler's own arrays, never cleared (20,000 scans of a short text: +740 MB
      // of heap, and each scan ten times slower). A gateway scans for as long as it runs, so it is switched off.
      profiler.secretLintProfiler.setEnabled(false);
      return { lintSource: core.lintSource, config: presetConfig(preset.rules) };
    });
    return loading;
  };
  return {
    async scan(text) {
      if (text.length === 0) return { findings: [] };
      const { lintSource, config } = await load();
      const result = await lintSource({
        source: { content: text, filePath: "tool-message.txt", contentType: "text" },
        options: { config, maskSecrets: true, noPhysicFilePath: true },
      });
      const findings: SecretFinding[] = result.messages.map((message) => {
        const rule = ruleId(message);
        const [start, end] = correctedRange(rule, text, message.range[0], message.range[1]);
        return { rule, start, end };
      });
      findings.sort((a, b) => a.start - b.start || a.end - b.end);
      return { findings };
    },
  };
}

// The secret scanner port: finds credentials (cloud keys, tokens, private keys, connection strings) in a text, so
// the gateway can redact or refuse them in tool arguments and results (docs/integrity.md, "Secret detection").

/** One secret found: the rule that matched and where, as [start, end) offsets in UTF-16 code units. */
export interface SecretFinding {
  /** Stable rule id, `<rule>.<message>` of the rule set (e.g. `aws.AWSAccessKeyID`); never the secret itself. */
  rule: string;
  start: number;
  end: number;
}

export interface SecretScanner {
  /** Findings in order of start offset; overlapping findings of different rules are all reported. */
  scan(text: string): Promise<{ findings: SecretFinding[] }>;
}

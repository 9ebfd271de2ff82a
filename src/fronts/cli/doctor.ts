// `switchboard doctor`: checks what a deployment needs and prints one row per check (or --json).
// Exit 0 when nothing failed (warnings allowed), 1 when a check failed, 2 when the configuration is invalid.
import { type DoctorCheck, runDoctor, runDoctorWithoutConfig } from "../../app/index.ts";
import { isSwitchboardError } from "../../core/errors.ts";
import type { ConfigProblem } from "../../core/gateway-config.ts";
import type { CliArgs } from "./args.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, printProblems } from "./commands.ts";
import { configPath, loadCliConfig } from "./config-source.ts";
import { out } from "./output.ts";

export async function doctor(args: CliArgs): Promise<number> {
  const path = configPath(args);
  let checks: DoctorCheck[];
  let problems: ConfigProblem[] | undefined;
  try {
    checks = await runDoctor(loadCliConfig(args));
  } catch (error) {
    if (!isSwitchboardError(error, "config_invalid")) throw error;
    problems = (error.data?.problems ?? []) as ConfigProblem[];
    checks = await runDoctorWithoutConfig(path, problems);
  }
  const failed = checks.filter((c) => c.status === "fail").length;
  if (args.json) {
    out(JSON.stringify({ ok: failed === 0, checks }));
  } else {
    out(`${formatChecks(checks)}\n${summary(checks)}`);
    if (problems) printProblems(path, problems);
  }
  if (problems) return EXIT_USAGE;
  return failed > 0 ? EXIT_FAILURE : EXIT_OK;
}

/** CHECK, STATUS and DETAIL in aligned columns; the detail is last, so a long one only makes its own line long. */
export function formatChecks(checks: readonly DoctorCheck[]): string {
  const rows = [["CHECK", "STATUS", "DETAIL"], ...checks.map((c) => [c.name, c.status, c.detail])];
  const nameWidth = Math.max(...rows.map((r) => (r[0] as string).length));
  const statusWidth = Math.max(...rows.map((r) => (r[1] as string).length));
  return rows
    .map(([name, status, detail]) => `${name?.padEnd(nameWidth)}  ${status?.padEnd(statusWidth)}  ${detail}`)
    .join("\n");
}

export function summary(checks: readonly DoctorCheck[]): string {
  const failed = checks.filter((c) => c.status === "fail").length;
  const warnings = checks.filter((c) => c.status === "warn").length;
  if (failed === 0 && warnings === 0) return "doctor: all checks passed";
  return `doctor: ${failed} failed, ${warnings} ${warnings === 1 ? "warning" : "warnings"}`;
}

// Whether a database's schema matches this build, from the versions recorded in its migrations table, without
// applying anything. Shared by the PostgreSQL and SQLite checks (their bookkeeping tables differ, not the logic).
import { check, type DoctorCheck, type DoctorStatus, worstStatus } from "./checks.ts";

export interface ComponentMigrations {
  /** `registry` or `audit`, as recorded in the table's component column. */
  component: string;
  /** The versions this build ships. */
  known: readonly { version: number }[];
}

export interface AppliedMigration {
  component: string;
  version: number;
}

interface ComponentState {
  status: DoctorStatus;
  text: string;
  applied: number[];
  latest: number;
}

/**
 * One row for all components of one database. Nothing recorded is a warn (the gateway migrates on start), a
 * schema behind this build is a warn (likewise), a version this build does not know is a fail: a newer
 * switchboard has migrated the database, and this one may misread it.
 * `applied` undefined means the migrations table itself does not exist yet.
 */
export function migrationsCheck(
  name: string,
  components: readonly ComponentMigrations[],
  applied: readonly AppliedMigration[] | undefined,
): DoctorCheck {
  if (applied === undefined) {
    return check(name, "warn", "not yet created: the gateway will create the schema on start", {
      components: Object.fromEntries(components.map((c) => [c.component, { applied: [], latest: latest(c) }])),
    });
  }
  const states = components.map((c) => componentState(c, applied));
  return check(name, worstStatus(states.map((s) => s.status)), states.map((s) => s.text).join("; "), {
    components: Object.fromEntries(
      components.map((c, i) => [c.component, { applied: states[i]?.applied, latest: latest(c) }]),
    ),
  });
}

function componentState(c: ComponentMigrations, applied: readonly AppliedMigration[]): ComponentState {
  const mine = [...new Set(applied.filter((a) => a.component === c.component).map((a) => a.version))].sort(
    (a, b) => a - b,
  );
  const known = new Set(c.known.map((m) => m.version));
  const newest = latest(c);
  const unknown = mine.filter((v) => !known.has(v));
  const missing = [...known].filter((v) => !mine.includes(v)).sort((a, b) => a - b);
  const at = mine.length > 0 ? `v${mine[mine.length - 1]}` : "none";
  if (unknown.length > 0) {
    return {
      status: "fail",
      text: `${c.component} has v${unknown.join(", v")}, newer than this build knows (up to v${newest}): upgrade switchboard`,
      applied: mine,
      latest: newest,
    };
  }
  if (mine.length === 0) {
    return {
      status: "warn",
      text: `${c.component} not yet created: the gateway will create it on start`,
      applied: mine,
      latest: newest,
    };
  }
  if (missing.length > 0) {
    return {
      status: "warn",
      text: `${c.component} at ${at}, behind this build (v${newest}): the gateway applies v${missing.join(", v")} on start`,
      applied: mine,
      latest: newest,
    };
  }
  return { status: "ok", text: `${c.component} v${newest} (current)`, applied: mine, latest: newest };
}

function latest(c: ComponentMigrations): number {
  return Math.max(0, ...c.known.map((m) => m.version));
}

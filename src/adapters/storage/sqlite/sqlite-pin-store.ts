// PinStore on the registry's SQLite file: the approved form of each item and what waits for review.
import type { DatabaseSync } from "node:sqlite";
import type { PinStore } from "../../../ports/pin-store.ts";
import { normalizeTime } from "../audit-values.ts";
import { PIN_COLUMNS, type PinColumnReader, pinKeyValues, pinOfRow, pinRow } from "../pin-values.ts";

const KEY_MATCH = "server = ? AND kind = ? AND key = ?";
const COLUMNS = PIN_COLUMNS.join(", ");
const UPDATES = PIN_COLUMNS.slice(3)
  .map((column) => `${column} = excluded.${column}`)
  .join(", ");

/** JSON is stored as text; times as ISO text, which sorts and compares as the instants do. */
const READ: PinColumnReader = { json: (value) => JSON.parse(String(value)), time: (value) => String(value) };

/** The store on an open, migrated connection (see sqlite-identity-store.ts); the caller closes it. */
export function createSqlitePinStore(db: DatabaseSync): PinStore {
  const toPin = (row: Record<string, unknown>) => pinOfRow(row, READ);
  return {
    async listPins(filter = {}) {
      // The states travel as one JSON array parameter; an empty list matches no pin.
      const states = filter.states === undefined ? null : JSON.stringify(filter.states);
      return db
        .prepare(
          `SELECT ${COLUMNS} FROM switchboard_pins
           WHERE (?1 IS NULL OR server = ?1) AND (?2 IS NULL OR state IN (SELECT value FROM json_each(?2)))
           ORDER BY server, kind, key`,
        )
        .all(filter.server ?? null, states)
        .map(toPin);
    },
    async getPin(key) {
      const row = db.prepare(`SELECT ${COLUMNS} FROM switchboard_pins WHERE ${KEY_MATCH}`).get(...pinKeyValues(key));
      return row === undefined ? undefined : toPin(row);
    },
    async putPin(pin) {
      db.prepare(
        `INSERT INTO switchboard_pins (${COLUMNS}) VALUES (${PIN_COLUMNS.map(() => "?").join(", ")})
         ON CONFLICT (server, kind, key) DO UPDATE SET ${UPDATES}`,
      ).run(...pinRow(pin));
    },
    async deletePin(key) {
      const result = db.prepare(`DELETE FROM switchboard_pins WHERE ${KEY_MATCH}`).run(...pinKeyValues(key));
      return Number(result.changes) > 0;
    },
    async pinsUpdatedSince(since) {
      return db
        .prepare(`SELECT ${COLUMNS} FROM switchboard_pins WHERE updated_at >= ? ORDER BY updated_at, server, kind, key`)
        .all(normalizeTime(since, "since"))
        .map(toPin);
    },
  };
}

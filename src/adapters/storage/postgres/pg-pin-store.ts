// PinStore on the registry's PostgreSQL database: replicas sharing it agree on what is approved.
import type { Pool } from "pg";
import type { PinStore } from "../../../ports/pin-store.ts";
import { normalizeTime } from "../audit-values.ts";
import { PIN_COLUMNS, type PinColumnReader, pinKeyValues, pinOfRow, pinRow } from "../pin-values.ts";
import { withReconnect } from "./pg-errors.ts";

const KEY_MATCH = "server = $1 AND kind = $2 AND key = $3";
const COLUMNS = PIN_COLUMNS.join(", ");
const UPDATES = PIN_COLUMNS.slice(3)
  .map((column) => `${column} = excluded.${column}`)
  .join(", ");
/** Byte order, as SQLite and the memory store sort, whatever the database's collation. */
const ORDER = `server COLLATE "C", kind COLLATE "C", key COLLATE "C"`;

/** pg parses json columns itself and returns timestamptz as Date. */
const READ: PinColumnReader = { json: (value) => value, time: (value) => (value as Date).toISOString() };

/** The store on a pool whose database is migrated (see pg-identity-store.ts); the caller ends the pool. */
export function createPostgresPinStore(pool: Pool): PinStore {
  const toPin = (row: Record<string, unknown>) => pinOfRow(row, READ);
  return {
    async listPins(filter = {}) {
      const { rows } = await withReconnect(() =>
        pool.query(
          `SELECT ${COLUMNS} FROM switchboard_pins
           WHERE ($1::text IS NULL OR server = $1) AND ($2::text[] IS NULL OR state = ANY ($2::text[]))
           ORDER BY ${ORDER}`,
          [filter.server ?? null, filter.states === undefined ? null : [...filter.states]],
        ),
      );
      return rows.map(toPin);
    },
    async getPin(key) {
      const { rows } = await withReconnect(() =>
        pool.query(`SELECT ${COLUMNS} FROM switchboard_pins WHERE ${KEY_MATCH}`, pinKeyValues(key)),
      );
      return rows[0] === undefined ? undefined : toPin(rows[0]);
    },
    async putPin(pin) {
      // An upsert of the whole row: retrying one whose reply was lost writes the same pin again.
      const values = pinRow(pin);
      await withReconnect(() =>
        pool.query(
          `INSERT INTO switchboard_pins (${COLUMNS}) VALUES (${values.map((_, i) => `$${i + 1}`).join(", ")})
           ON CONFLICT (server, kind, key) DO UPDATE SET ${UPDATES}`,
          values,
        ),
      );
    },
    async deletePin(key) {
      const { rowCount } = await withReconnect(() =>
        pool.query(`DELETE FROM switchboard_pins WHERE ${KEY_MATCH}`, pinKeyValues(key)),
      );
      return rowCount === 1;
    },
    async pinsUpdatedSince(since) {
      const { rows } = await withReconnect(() =>
        pool.query(`SELECT ${COLUMNS} FROM switchboard_pins WHERE updated_at >= $1 ORDER BY updated_at, ${ORDER}`, [
          normalizeTime(since, "since"),
        ]),
      );
      return rows.map(toPin);
    },
  };
}

/**
 * Result-type decisions shared by both drivers, so a row reads the same from PGlite and from
 * PostgreSQL. Left to themselves they differ: `pg` returns int8 as a string and PGlite as a number
 * or a BigInt depending on size; `pg` reads `date` and `timestamp` in the process's local time zone.
 *
 * | SQL type                    | JS value                                                       |
 * | --------------------------- | -------------------------------------------------------------- |
 * | int8 / bigint, count(*)     | number; a value beyond ±(2^53−1) throws RangeError (no silent  |
 * |                             | precision loss). Counts and fencing tokens never get near it.  |
 * | int2, int4                  | number (driver default)                                        |
 * | numeric                     | string (driver default; exact decimal)                         |
 * | timestamptz                 | Date (millisecond precision; microseconds are dropped)         |
 * | timestamp (without tz)      | Date read as UTC — prefer timestamptz in schemas               |
 * | date                        | 'YYYY-MM-DD' string (a calendar day, not an instant)           |
 * | jsonb / json                | parsed value                                                   |
 * | boolean, text, text[]       | boolean, string, string[] (driver defaults)                    |
 */

export const TYPE_OID = {
  int8: 20,
  date: 1082,
  timestamp: 1114,
} as const;

export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`bigint value ${text} does not fit a JavaScript number exactly; cast it to text in SQL`);
  }
  return value;
}

export function parseDate(text: string): string {
  return text;
}

export function parseTimestampAsUtc(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}

/** Text-format parsers by type OID, installed in both drivers. */
export const SHARED_PARSERS: Readonly<Record<number, (text: string) => unknown>> = {
  [TYPE_OID.int8]: parseInt8,
  [TYPE_OID.date]: parseDate,
  [TYPE_OID.timestamp]: parseTimestampAsUtc,
};

/**
 * Exact values for the general readers (readParquet, readOrc, `s3inv cat`): JavaScript values that
 * lose nothing, and their exact text. The mapping, for both formats:
 * - 64-bit integers → `bigint`; narrower integers, float, double → `number`;
 * - decimals → `Decimal` (an unscaled bigint and a scale);
 * - timestamps → `Timestamp`, a `Date` that also keeps its nanoseconds and whether it is UTC;
 * - dates → `LocalDate`, a `Date` at UTC midnight whose JSON is `YYYY-MM-DD`;
 * - strings → `string`; binary → `Uint8Array`; null → `null`.
 */
import { S3InventoryError } from '../errors.js'

/** An exact decimal: `unscaled × 10^-scale`. */
export class Decimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}

  /** Exact digits, padded to the scale: unscaled 1234500, scale 4 → `123.4500`. */
  toString(): string {
    const neg = this.unscaled < 0n
    const digits = (neg ? -this.unscaled : this.unscaled).toString()
    if (this.scale <= 0) return `${neg ? '-' : ''}${digits}${'0'.repeat(-this.scale)}`
    const padded = digits.padStart(this.scale + 1, '0')
    return `${neg ? '-' : ''}${padded.slice(0, -this.scale)}.${padded.slice(-this.scale)}`
  }

  /** The nearest double (may round). */
  toNumber(): number {
    return Number(this.toString())
  }

  /** JSON has no exact decimals: the text (`exactJson` writes it as a number). */
  toJSON(): string {
    return this.toString()
  }
}

/** What a JS Date holds: ±8.64e15 ms (±10^8 days) around 1970-01-01. */
export const MAX_EPOCH_MS = 8.64e15
export const MAX_EPOCH_DAYS = 1e8

/**
 * A timestamp or date beyond what a Date holds (it would be an Invalid Date, printed as null): the
 * readers turn it into their format's corrupt-file error, naming the column.
 */
export class DateRangeError extends RangeError {
  constructor(
    readonly what: 'timestamp' | 'date',
    readonly actual: string,
  ) {
    super(`a ${what} is out of range`)
  }
}

/** `expected` of the errors a DateRangeError becomes. */
export const DATE_RANGE = 'within ±8.64e15 ms (±100,000,000 days) of 1970-01-01, what a JavaScript Date holds'

/** The printers' answer to an Invalid Date: an error, never a silent `null` (the readers refuse such values first). */
export function invalidDate(): S3InventoryError {
  return new S3InventoryError('INVALID_ARGUMENT', 'an invalid date has no JSON text', { expected: DATE_RANGE, actual: 'Invalid Date' })
}

/**
 * A timestamp with nanosecond precision: a Date (milliseconds) plus `nanos`, the nanoseconds within
 * its second (0–999,999,999). `utc`: the file says the value is an instant (UTC); otherwise it is a
 * wall-clock time with no zone, stored here as if it were UTC.
 */
export class Timestamp extends Date {
  readonly nanos: number
  readonly utc: boolean

  /** DateRangeError beyond ±8.64e15 ms (a Date cannot hold it). */
  constructor(epochSeconds: number, nanos: number, utc: boolean) {
    const ms = epochSeconds * 1000 + Math.floor(nanos / 1e6)
    if (!(Math.abs(ms) <= MAX_EPOCH_MS)) throw new DateRangeError('timestamp', `${epochSeconds} s`)
    super(ms)
    this.nanos = nanos
    this.utc = utc
  }

  /** From a count of units since the epoch (what Parquet stores). */
  static fromUnits(v: bigint, unit: 'MILLIS' | 'MICROS' | 'NANOS', utc: boolean): Timestamp {
    const per = unit === 'MILLIS' ? 1000n : unit === 'MICROS' ? 1_000_000n : 1_000_000_000n
    let s = v / per
    let r = v % per
    if (r < 0n) {
      r += per
      s -= 1n
    }
    if (!(Math.abs(Number(s)) <= MAX_EPOCH_MS / 1000)) throw new DateRangeError('timestamp', `${v} ${unit.toLowerCase()} since 1970`)
    const nanos = Number(r) * (unit === 'MILLIS' ? 1e6 : unit === 'MICROS' ? 1e3 : 1)
    return new Timestamp(Number(s), nanos, utc)
  }

  /** `2024-05-06T22:37:48.123456789Z` with every significant fractional digit (at least 3); no `Z` when not UTC. */
  isoString(): string {
    if (Number.isNaN(this.getTime())) return 'Invalid Date'
    const [day, time] = isoParts(this)
    return `${day}T${time}.${fraction(this.nanos, 3)}${this.utc ? 'Z' : ''}`
  }

  /** `2024-05-06 22:37:48.5`: wall-clock text as Apache ORC's tools print it (at least one fractional digit). */
  wallClock(): string {
    const [day, time] = isoParts(this)
    return `${day} ${time}.${fraction(this.nanos, 1)}`
  }

  override toJSON(): string {
    return this.isoString()
  }
}

/** The ISO date and `HH:MM:SS` of a Date; years beyond 0–9999 keep their sign and six digits (`+010000-01-01`). */
function isoParts(d: Date): [string, string] {
  const iso = d.toISOString()
  const t = iso.indexOf('T')
  return [iso.slice(0, t), iso.slice(t + 1, t + 9)]
}

/** Nanoseconds as fractional digits, trailing zeros trimmed down to `min` digits. */
function fraction(nanos: number, min: number): string {
  let f = String(nanos).padStart(9, '0')
  while (f.length > min && f.endsWith('0')) f = f.slice(0, -1)
  return f
}

/** A calendar date (no time, no zone): a Date at UTC midnight that prints as `YYYY-MM-DD`. */
export class LocalDate extends Date {
  /** DateRangeError beyond ±10^8 days (a Date cannot hold it). */
  static fromDays(days: number): LocalDate {
    if (!(Math.abs(days) <= MAX_EPOCH_DAYS)) throw new DateRangeError('date', `${days} days`)
    return new LocalDate(days * 86_400_000)
  }

  override toJSON(): string {
    return isoParts(this)[0]
  }

  override toString(): string {
    return this.toJSON()
  }
}

/** The shortest decimal text that reads back as the same float32 (`3.1415`, not `3.1414999961853027`). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (Object.is(v, -0)) return '-0.0'
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p)
    if (Math.fround(Number(s)) === v) return String(Number(s))
  }
  return String(v)
}

/**
 * JSON text of a general value, exact: bigints and decimals as JSON numbers with all their digits,
 * timestamps and dates by their toJSON, binary as arrays of byte values, NaN and infinities as
 * null (JSON has none); an Invalid Date is INVALID_ARGUMENT, never null. `replacer` may format a value first (a format's own printing rules); it
 * returns undefined to keep the default.
 */
export function exactJson(value: unknown, replacer?: (v: unknown) => string | undefined): string {
  const custom = replacer?.(value)
  if (custom !== undefined) return custom
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'bigint':
      return value.toString()
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null'
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
  }
  if (value instanceof Decimal) return value.toString()
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalidDate()
    return JSON.stringify(value.toJSON())
  }
  if (value instanceof Uint8Array) return `[${Array.from(value).join(',')}]`
  if (Array.isArray(value)) return `[${value.map((v) => exactJson(v, replacer)).join(',')}]`
  if (value instanceof Map) return `[${[...value].map(([k, v]) => `{"key":${exactJson(k, replacer)},"value":${exactJson(v, replacer)}}`).join(',')}]`
  const o = value as Record<string, unknown>
  return `{${Object.keys(o)
    .map((k) => `${JSON.stringify(k)}:${exactJson(o[k], replacer)}`)
    .join(',')}}`
}

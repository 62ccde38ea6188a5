/**
 * Physical values → JavaScript values, two ways:
 * - the general mapping (readParquet, `s3inv cat`, and inventory columns this library does not know),
 *   exact, after src/schema/exact.ts: INT64/UINT64 → bigint; narrower integers, FLOAT, DOUBLE,
 *   FLOAT16 → number; DECIMAL → Decimal; TIMESTAMP and INT96 → Timestamp (nanoseconds, utc from
 *   isAdjustedToUTC; INT96 is UTC); DATE → LocalDate; TIME → `HH:MM:SS.fff` text with the unit's
 *   digits (3, 6 or 9); UUID → canonical text; INTERVAL → { months, days, milliseconds };
 *   STRING/ENUM/JSON → string; BSON and unannotated FIXED_LEN_BYTE_ARRAY → Uint8Array; unannotated
 *   BYTE_ARRAY → string when its bytes are UTF-8 (writers such as Spark write strings so), else Uint8Array.
 * - the inventory mapping of a known field (size: number, dates: epoch ms made into Dates by the row
 *   classes, booleans, strings), for every physical form writers use for it.
 */
import { isAscii, isUtf8 } from 'node:buffer'
import type { FastBuffer } from '../../codecs/buffers.js'
import type { FieldDef } from '../../schema/fields.js'
import { Decimal, LocalDate, Timestamp } from '../../schema/exact.js'
import { parseBoolean, parseDateMs, parseSize } from '../../schema/values.js'
import type { Physical } from './encoding.js'
import { PhysicalType, type Logical, type TimeUnit } from './metadata.js'

/** One flat column of the file (a leaf of its schema). */
export interface ColumnDesc {
  /** Column name in the file. */
  name: string
  /** Position among the schema's leaves (= index into each row group's columns). */
  leaf: number
  type: number
  typeLength?: number
  /** Definition level of a present value: 1 for OPTIONAL, 0 for REQUIRED. */
  maxDef: number
  logical?: Logical
}

/** A page of fixed-width values (any kind but bytes). */
type Typed = { values: unknown }

/** The value of the i-th non-null value of a page. */
export type ValueOf = (p: Physical, i: number) => unknown

const text = (p: Physical, i: number) => {
  const b = p as Extract<Physical, { kind: 'bytes' }>
  return (b.buf as FastBuffer).utf8Slice(b.starts[i], b.ends[i])
}
/**
 * Inventory text (keys, buckets, version ids, every known string field) that is not UTF-8: a marker
 * in place of the value (a dictionary entry), turned into VALUE_INVALID at the first row that uses it.
 */
export const NOT_UTF8: unique symbol = Symbol('not UTF-8')
/** Text, or NOT_UTF8 when the bytes are not UTF-8 (checked only when they are not ASCII). */
const strictText = (p: Physical, i: number) => {
  const b = p as Extract<Physical, { kind: 'bytes' }>
  const v = b.buf.subarray(b.starts[i], b.ends[i])
  return isAscii(v) || isUtf8(v) ? (b.buf as FastBuffer).utf8Slice(b.starts[i], b.ends[i]) : NOT_UTF8
}
const bytesOf = (p: Physical, i: number): Uint8Array => {
  const b = p as Extract<Physical, { kind: 'bytes' }>
  // A plain Uint8Array copy (a Buffer slice would share the page's memory).
  return new Uint8Array(b.buf.subarray(b.starts[i], b.ends[i]))
}

/** True when a column's values are text under the general mapping (so pages may keep them as byte spans). */
export function isTextColumn(c: ColumnDesc): boolean {
  const t = c.logical?.type
  return (c.type === PhysicalType.BYTE_ARRAY || c.type === PhysicalType.FIXED_LEN_BYTE_ARRAY) && (t === 'STRING' || t === 'ENUM' || t === 'JSON')
}

/** The general mapping of a column (see the file comment). */
export function generalValue(c: ColumnDesc): ValueOf {
  const l = c.logical
  switch (c.type) {
    case PhysicalType.BOOLEAN:
      return (p, i) => ((p as Typed).values as Uint8Array)[i] === 1
    case PhysicalType.INT32: {
      if (l?.type === 'INTEGER' && !l.signed) {
        if (l.bitWidth === 8) return (p, i) => ((p as Typed).values as Int32Array)[i] & 0xff
        if (l.bitWidth === 16) return (p, i) => ((p as Typed).values as Int32Array)[i] & 0xffff
        return (p, i) => ((p as Typed).values as Int32Array)[i] >>> 0
      }
      if (l?.type === 'DECIMAL') return (p, i) => new Decimal(BigInt(((p as Typed).values as Int32Array)[i]), l.scale)
      if (l?.type === 'DATE') return (p, i) => LocalDate.fromDays(((p as Typed).values as Int32Array)[i])
      if (l?.type === 'TIME') return (p, i) => timeText(BigInt(((p as Typed).values as Int32Array)[i]), l.unit)
      return (p, i) => ((p as Typed).values as Int32Array)[i]
    }
    case PhysicalType.INT64: {
      if (l?.type === 'INTEGER' && !l.signed) return (p, i) => BigInt.asUintN(64, ((p as Typed).values as BigInt64Array)[i])
      if (l?.type === 'DECIMAL') return (p, i) => new Decimal(((p as Typed).values as BigInt64Array)[i], l.scale)
      if (l?.type === 'TIMESTAMP') return (p, i) => Timestamp.fromUnits(((p as Typed).values as BigInt64Array)[i], l.unit, l.utc)
      if (l?.type === 'TIME') return (p, i) => timeText(((p as Typed).values as BigInt64Array)[i], l.unit)
      return (p, i) => ((p as Typed).values as BigInt64Array)[i]
    }
    case PhysicalType.FLOAT:
    case PhysicalType.DOUBLE:
      return (p, i) => ((p as Typed).values as Float64Array)[i]
    case PhysicalType.INT96:
      return (p, i) => int96(p as Extract<Physical, { kind: 'bytes' }>, i)
    default:
      break
  }
  switch (l?.type) {
    case 'STRING':
    case 'ENUM':
    case 'JSON':
      return text
    case 'DECIMAL':
      return (p, i) => new Decimal(bigEndianSigned(p as Extract<Physical, { kind: 'bytes' }>, i), l.scale)
    case 'FLOAT16':
      return (p, i) => float16(p as Extract<Physical, { kind: 'bytes' }>, i)
    case 'UUID':
      return (p, i) => uuid(p as Extract<Physical, { kind: 'bytes' }>, i)
    case 'INTERVAL':
      return (p, i) => {
        const b = p as Extract<Physical, { kind: 'bytes' }>
        const s = b.starts[i]
        if (b.ends[i] - s !== 12) return bytesOf(p, i)
        return { months: b.buf.readUInt32LE(s), days: b.buf.readUInt32LE(s + 4), milliseconds: b.buf.readUInt32LE(s + 8) }
      }
    case 'BSON':
      return bytesOf
    default:
      if (c.type !== PhysicalType.BYTE_ARRAY) return bytesOf
      // Unannotated BYTE_ARRAY: text when it is UTF-8, decided value by value (never lossy).
      return (p, i) => {
        const b = p as Extract<Physical, { kind: 'bytes' }>
        return isUtf8(b.buf.subarray(b.starts[i], b.ends[i])) ? text(p, i) : bytesOf(p, i)
      }
  }
}

/** `HH:MM:SS` plus the unit's fractional digits. */
export function timeText(v: bigint, unit: TimeUnit): string {
  const per = unit === 'MILLIS' ? 1000n : unit === 'MICROS' ? 1_000_000n : 1_000_000_000n
  const digits = unit === 'MILLIS' ? 3 : unit === 'MICROS' ? 6 : 9
  const neg = v < 0n
  const a = neg ? -v : v
  const secs = a / per
  const frac = (a % per).toString().padStart(digits, '0')
  const h = secs / 3600n
  const m = (secs / 60n) % 60n
  const s = secs % 60n
  const two = (x: bigint) => x.toString().padStart(2, '0')
  return `${neg ? '-' : ''}${two(h)}:${two(m)}:${two(s)}.${frac}`
}

function int96(b: Extract<Physical, { kind: 'bytes' }>, i: number): Timestamp {
  // Impala/Hive/Spark legacy timestamps: nanoseconds of the day (int64), then the Julian day (int32).
  const s = b.starts[i]
  const nanosOfDay = b.buf.readBigUInt64LE(s)
  const day = b.buf.readInt32LE(s + 8)
  const secs = (day - 2440588) * 86400 + Number(nanosOfDay / 1_000_000_000n)
  return new Timestamp(secs, Number(nanosOfDay % 1_000_000_000n), true)
}

function bigEndianSigned(b: Extract<Physical, { kind: 'bytes' }>, i: number): bigint {
  const s = b.starts[i]
  const e = b.ends[i]
  if (e === s) return 0n
  let v = 0n
  for (let k = s; k < e; k++) v = (v << 8n) | BigInt(b.buf[k])
  return BigInt.asIntN((e - s) * 8, v)
}

function float16(b: Extract<Physical, { kind: 'bytes' }>, i: number): number {
  const s = b.starts[i]
  const h = b.buf[s] | (b.buf[s + 1] << 8) // little-endian, like every Parquet fixed-width value
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024)
  if (exp === 31) return frac ? NaN : sign * Infinity
  return sign * 2 ** (exp - 15) * (1 + frac / 1024)
}

function uuid(b: Extract<Physical, { kind: 'bytes' }>, i: number): string {
  const h = b.buf.toString('hex', b.starts[i], b.ends[i])
  return h.length === 32 ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` : h
}

/**
 * A known inventory field's value from whatever physical form the file uses (undefined when no
 * conversion is needed beyond the pages' fast paths). Dates are epoch milliseconds.
 */
export function inventoryValue(c: ColumnDesc, field: FieldDef): ValueOf {
  const general = generalValue(c)
  const isBytes = c.type === PhysicalType.BYTE_ARRAY || c.type === PhysicalType.FIXED_LEN_BYTE_ARRAY
  switch (field.type) {
    case 'date':
      if (isBytes) return (p, i) => parseDateMs(text(p, i))
      return (p, i) => {
        const v = general(p, i)
        return v instanceof Date ? v.getTime() : Number(v)
      }
    case 'number':
      if (isBytes) return (p, i) => parseSize(text(p, i))
      return (p, i) => {
        const v = general(p, i)
        return v instanceof Decimal ? v.toNumber() : Number(v)
      }
    case 'boolean':
      if (isBytes) return (p, i) => parseBoolean(text(p, i))
      return (p, i) => Boolean(general(p, i))
    case 'raw':
      return general
    default:
      // Known string fields: the CSV text form; never U+FFFD in place of bytes that are not UTF-8.
      if (isBytes) return strictText
      return (p, i) => {
        const v = general(p, i)
        return v instanceof Timestamp ? v.toISOString() : String(v)
      }
  }
}

/** Epoch-millisecond conversion of a timestamp column's raw INT64 numbers (the inventory fast path), or undefined. */
export function toMillis(c: ColumnDesc): ((v: number) => number) | undefined {
  const l = c.logical
  if (l?.type !== 'TIMESTAMP') return undefined
  return l.unit === 'MICROS' ? (v) => Math.floor(v / 1000) : l.unit === 'NANOS' ? (v) => Math.floor(v / 1e6) : undefined
}

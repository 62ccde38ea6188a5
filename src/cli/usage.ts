/**
 * Usage errors: a flag's value (or a combination of flags) that cannot work. Every value is checked
 * while the command line is parsed — before any I/O — with the library's own validators and ranges,
 * and reported as one line naming the flag and what it accepts, then "see `s3inv <cmd> --help`"; exit 2.
 */
import { compileFilter, parseCursor, parseGroupBy, RANGES, resolveKnownField, S3InventoryError, type GroupBy, type KnownField, type Range } from '../index.js'

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** `bad value for --min-size: "12xyz" (expected e.g. 10MB, 1.5GiB)` */
export function badValue(flag: string, value: string, expected: string): UsageError {
  return new UsageError(`bad value for ${flag}: ${JSON.stringify(value)} (expected ${expected})`)
}

const CODES_OF_A_VALUE = new Set(['INVALID_ARGUMENT', 'UNKNOWN_FIELD', 'CURSOR_INVALID'])

/** A library error about a value the user typed (a flag's), as a usage error naming `flag`; other errors as they are. */
export function usageFromLibrary(err: unknown, flag: string, value: string): unknown {
  if (!(err instanceof S3InventoryError) || !CODES_OF_A_VALUE.has(err.code)) return err
  if (err.code === 'UNKNOWN_FIELD') return new UsageError(`bad value for ${flag}: ${err.message}${err.expected ? ` (expected ${clip(err.expected)})` : ''}`)
  if (err.expected) return badValue(flag, value, clip(err.expected))
  // No accepted values to list (a regex or glob): the parser's complaint, which the library puts in `actual`.
  const detail = err.actual !== undefined && err.actual !== value ? err.actual : err.message
  return new UsageError(`bad value for ${flag}: ${JSON.stringify(value)} (${clip(detail)})`)
}

const clip = (s: string) => (s.length > 240 ? `${s.slice(0, 239)}…` : s)

/** Runs a library validator on a flag's value: its INVALID_ARGUMENT / UNKNOWN_FIELD become usage errors. */
function validated<T>(flag: string, value: string, check: () => T): T {
  try {
    return check()
  } catch (err) {
    throw usageFromLibrary(err, flag, value)
  }
}

const number = (n: number) => n.toLocaleString('en-US')

/** An integer flag within `range` (one of the library's RANGES where the flag feeds a library option). */
export const integer =
  (flag: string, range: Range) =>
  (v: string): number => {
    const n = /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : Number.NaN
    if (!Number.isSafeInteger(n) || n < range.min || n > range.max) throw badValue(flag, v, `an integer from ${number(range.min)} to ${number(range.max)}`)
    return n
  }

/** A non-negative decimal number flag (prices, per-object counts), up to `max`. */
export const decimal =
  (flag: string, max = Number.MAX_SAFE_INTEGER) =>
  (v: string): number => {
    const n = /^\s*\d+(\.\d+)?(e[+-]?\d+)?\s*$/i.test(v) ? Number(v) : Number.NaN
    if (!Number.isFinite(n) || n < 0 || n > max) throw badValue(flag, v, `a number from 0 to ${number(max)}`)
    return n
  }

/** Sizes as people type them: 1024, 10KB (1000s), 1.5GiB or 5M (1024s). */
export const size =
  (flag: string, range: Range = { min: 0, max: Number.MAX_SAFE_INTEGER }) =>
  (v: string): number => {
    const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]i?b?|b)?$/i.exec(v.trim())
    const unit = (m?.[2] ?? 'b').toLowerCase()
    const base = unit.includes('i') || unit.length === 1 ? 1024 : 1000
    const n = m ? Math.round(Number(m[1]) * base ** (unit === 'b' ? 0 : 'bkmgtp'.indexOf(unit[0]))) : Number.NaN
    if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
      const bounds = range.min > 0 || range.max < Number.MAX_SAFE_INTEGER ? `, from ${number(range.min)} to ${number(range.max)} bytes` : ''
      throw badValue(flag, v, `e.g. 10MB, 1.5GiB${bounds}`)
    }
    return n
  }

/** One of `values`. */
export const choice =
  <T extends string>(flag: string, values: readonly T[]) =>
  (v: string): T => {
    if (!values.includes(v as T)) throw badValue(flag, v, `one of ${values.join(', ')}`)
    return v as T
  }

/** An ISO date or date-time, as strictly as the library's filters read it. */
export const date =
  (flag: string) =>
  (v: string): string => {
    validated(flag, v, () => compileFilter({ modifiedAfter: v }))
    return v
  }

/** A regular expression, compiled as the library's `regex` filter compiles it. */
export const regex =
  (flag: string) =>
  (v: string): string => {
    validated(flag, v, () => compileFilter({ regex: v }))
    return v
  }

/** A key glob, compiled as the library's `glob` filter compiles it. */
export const glob =
  (flag: string) =>
  (v: string): string => {
    validated(flag, v, () => compileFilter({ glob: v }))
    return v
  }

/** A cursor (`v1.<md5>.<file>.<row>`); whether it belongs to the inventory is checked when it is read. */
export const cursor =
  (flag: string) =>
  (v: string): string => {
    validated(flag, v, () => parseCursor(v))
    return v.trim()
  }

/** Comma-separated and repeatable: `--prefix a/,b/ --prefix c/`. */
export const list = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), ...v.split(',').map((s) => s.trim()).filter(Boolean)]

/** `--columns key,Size,storage_class` → field names (AWS spellings accepted); UNKNOWN_FIELD as a usage error. */
export const columns =
  (flag: string) =>
  (v: string, prev: KnownField[] | undefined): KnownField[] => [...(prev ?? []), ...list(v, undefined).map((c) => validated(flag, c, () => resolveKnownField(c, flag)))]

/** `--by storage-class,prefix:2` → groupings. */
export const groupings =
  (flag: string) =>
  (v: string, prev: GroupBy[] | undefined): GroupBy[] => [...(prev ?? []), ...list(v, undefined).map((spec) => validated(flag, spec, () => parseGroupBy(spec)))]

/** The CLI's ranges for flags that have no library option behind them. */
export const FLAG_RANGES = {
  concurrency: RANGES.concurrency,
  /** The CLI prints every group: a million is what its table or JSON can hold in one string. */
  maxGroups: { min: 1, max: 1_000_000 },
  progressInterval: { min: 10, max: 3_600_000 },
  rowsPerBatch: { min: 1, max: 1_000_000 },
  count: { min: 0, max: 1_000_000 },
  cursorEvery: { min: 1, max: 1_000_000_000 },
  jobs: { min: 1, max: 1_000_000 },
  keysPerMessage: { min: 1, max: 100_000 },
  lambdaMemory: { min: 128, max: 10_240 },
  lambdaMs: { min: 1, max: 900_000 },
  port: { min: 1, max: 65_535 },
  /** SQS: 1 KiB – 1 MiB. */
  messageBytes: { min: 1024, max: 1_048_576 },
} as const satisfies Record<string, Range>

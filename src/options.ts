/**
 * Numeric options, checked in one place against documented ranges (README, docs/reliability.md):
 * a value out of range, NaN or of the wrong type is INVALID_ARGUMENT naming the option, before any
 * I/O. The CLI checks its flags with the same ranges.
 */
import { S3InventoryError } from './errors.js'

export interface Range {
  min: number
  max: number
  /** Whole numbers only. Default true. */
  integer?: boolean
}

/** The ranges of the options several functions share. */
export const RANGES = {
  concurrency: { min: 1, max: 64 },
  bufferRows: { min: 1, max: 1_000_000 },
  /** Parquet/ORC bytes per request: 64 KiB – 1 GiB. */
  readSize: { min: 64 * 1024, max: 1024 * 1024 * 1024 },
  idleTimeoutMs: { min: 1, max: 3_600_000 },
  retries: { min: 0, max: 100 },
  delayMs: { min: 0, max: 600_000 },
  pageSize: { min: 1, max: 1000 },
  /** diffInventories' budget in whole MiB (CLI `diff --memory`); small budgets work, by splitting partitions more. */
  memoryMB: { min: 1, max: 1_048_576 },
  /** diffInventories' partition count (also a power of two): what its 32-bit hash routing supports. */
  partitions: { min: 1, max: 4096 },
  /** Path segments of the diff summary's byPrefix (CLI `diff`/`sql --prefix-depth`). */
  prefixDepth: { min: 1, max: 1024 },
  maxBytes: { min: 1, max: 1024 * 1024 * 1024 },
  /** readParquet: rows skipped before the first one returned. */
  startRow: { min: 0, max: Number.MAX_SAFE_INTEGER },
  /** toArrow / writeArrowFile rows per RecordBatch, writeParquetFile rows per row group: each is held in memory whole. */
  batchSize: { min: 1, max: 1_000_000 },
  rowGroupSize: { min: 1, max: 1_000_000 },
  /** enqueue: rows in one SQS message. */
  rowsPerMessage: { min: 1, max: 100_000 },
  /** estimateBatchCost: Batch Operations jobs (each has a fee). */
  jobs: { min: 1, max: 1_000_000 },
  /** Completion reports: one CSV record, in bytes (16 MiB by default). */
  maxRecordBytes: { min: 1024, max: 1024 * 1024 * 1024 },
  /** Summaries: groups one summary may hold (each costs memory until the end). */
  maxGroups: { min: 1, max: 10_000_000 },
  /** Completion-report summaries: distinct result messages counted before the rest are grouped as other. */
  maxDistinctMessages: { min: 1, max: 10_000_000 },
  /** batchHandler: characters of an error kept in a task's resultString. */
  maxErrorLength: { min: 1, max: 1_000_000 },
  timeoutMarginMs: { min: 0, max: 900_000 },
} as const satisfies Record<string, Range>

/** `value` (or `fallback` when undefined) checked against `range`; INVALID_ARGUMENT naming `option` otherwise. */
export function numberOption(value: unknown, option: string, range: Range, fallback: number): number {
  if (value === undefined) return fallback
  return checkNumber(value, option, range)
}

/** Like numberOption, for an option with no default (undefined stays undefined). */
export function optionalNumber(value: unknown, option: string, range: Range): number | undefined {
  return value === undefined ? undefined : checkNumber(value, option, range)
}

function checkNumber(value: unknown, option: string, range: Range): number {
  const integer = range.integer ?? true
  const ok = typeof value === 'number' && Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= range.min && value <= range.max
  if (ok) return value
  const expected = `${integer ? 'an integer' : 'a number'} from ${range.min.toLocaleString('en-US')} to ${range.max.toLocaleString('en-US')}`
  throw new S3InventoryError('INVALID_ARGUMENT', `${option} must be ${expected}`, { option, expected, actual: typeof value === 'number' ? String(value) : `${typeof value} ${String(value)}` })
}

/** An options argument: undefined (every default) or an object; INVALID_ARGUMENT naming `option` otherwise (null, a string…). */
export function optionsObject<T extends object>(value: T | undefined, option = 'options'): T {
  if (value === undefined) return {} as T
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw wrongShape(option, 'an object of options', value)
  return value
}

/** A string option (a path, a name), or undefined. */
export function optionalString(value: unknown, option: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value
  throw wrongShape(option, 'a string', value)
}

/** A list of names (columns, extraColumns): an array of non-empty strings, trimmed; undefined stays undefined. */
export function nameList(value: unknown, option: string): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) throw wrongShape(option, 'an array of names', value)
  return value.map((v) => {
    if (typeof v !== 'string' || v.trim() === '') throw wrongShape(option, 'an array of names', v)
    return v.trim()
  })
}

/** Indexes into a list (manifest files[]): an array of distinct integers from 0; whether each exists is checked against the list. */
export function indexList(value: unknown, option: string): number[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) throw wrongShape(option, 'an array of indexes', value)
  const seen = new Set<number>()
  for (const v of value) {
    if (!Number.isSafeInteger(v) || v < 0) throw wrongShape(option, 'an array of integer indexes from 0', v)
    if (seen.has(v)) throw new S3InventoryError('INVALID_ARGUMENT', `${option} lists index ${v} twice`, { option, expected: 'each index once', actual: String(v) })
    seen.add(v)
  }
  return value
}

function wrongShape(option: string, expected: string, value: unknown): S3InventoryError {
  const actual = value === null ? 'null' : Array.isArray(value) ? 'an array' : `${typeof value} ${String(value).slice(0, 100)}`
  return new S3InventoryError('INVALID_ARGUMENT', `${option} must be ${expected}`, { option, expected, actual })
}

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

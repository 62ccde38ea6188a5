/** Which columnar type each row field becomes in Arrow and Parquet exports, and how rows are re-chunked for them. */
import { S3InventoryError } from '../errors.js'
import { nameList } from '../options.js'
import { camelCase, KNOWN_FIELDS, knownFieldFor, resolveColumns, type KnownField } from '../schema/fields.js'
import { batchesOf, type BatchSource } from '../row-stream.js'
import { rowSource, type InventoryRow } from '../schema/row.js'

/** dict: low-cardinality string (dictionary-encoded); utf8: other strings; int64: sizes; timestamp: Date (ms, UTC); bool. */
export type ColumnKind = 'dict' | 'utf8' | 'int64' | 'timestamp' | 'bool'

export interface ColumnSpec {
  name: string
  kind: ColumnKind
}

// A handful of distinct values per inventory: dictionaries make them a few bytes a row.
const LOW_CARDINALITY = new Set([
  'bucket',
  'storageClass',
  'encryptionStatus',
  'replicationStatus',
  'objectLockMode',
  'objectLockLegalHoldStatus',
  'intelligentTieringAccessTier',
  'bucketKeyStatus',
  'checksumAlgorithm',
  'objectOwner',
])

const KNOWN = new Map(KNOWN_FIELDS.map((f) => [f.name, f.type]))

/** Which fields an export writes (Arrow, Parquet), in this order. */
export interface SinkColumnOptions {
  /**
   * Known fields, by row name or any AWS spelling (`Size`, `storage_class`), as readInventory takes
   * them: a name no inventory has is UNKNOWN_FIELD, an empty list INVALID_ARGUMENT. Default: the
   * first row's fields.
   */
  columns?: readonly KnownField[]
  /**
   * With `columns`: columns this library does not know (as readInventory's `extraColumns`), written
   * after them under their rows' camelCase name (`ObjectLockEventHoldStatus` → objectLockEventHoldStatus).
   */
  extraColumns?: readonly string[]
}

/** The names an export writes, resolved before any row is read; undefined: the first row's fields. */
export function sinkColumns(o: SinkColumnOptions): string[] | undefined {
  const known = resolveColumns(o.columns)
  const extra = nameList(o.extraColumns, 'extraColumns')?.map((c) => knownFieldFor(c) ?? camelCase(c))
  return known && [...new Set([...known, ...(extra ?? [])])]
}

/** Column types for these row fields; fields this library does not know are strings. */
export function columnSpecs(names: readonly string[]): ColumnSpec[] {
  return names.map((name) => {
    const t = KNOWN.get(name)
    const kind: ColumnKind =
      t === 'number' ? 'int64' : t === 'date' ? 'timestamp' : t === 'boolean' ? 'bool' : LOW_CARDINALITY.has(name) ? 'dict' : 'utf8'
    return { name, kind }
  })
}

/** A row field as text (unknown columns are strings already; anything else is stringified). */
export function textOf(v: unknown): string {
  return typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : String(v)
}

/** Milliseconds since the epoch of a Date (or a number of ms), checked to be an integer. */
export function millisOf(v: unknown, row: InventoryRow, column: string): number {
  const ms = v instanceof Date ? v.getTime() : v
  return integerOf(ms, row, column)
}

export function integerOf(v: unknown, row: InventoryRow, column: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw valueError(row, column, 'a safe integer', v)
  return v
}

export function booleanOf(v: unknown, row: InventoryRow, column: string): boolean {
  if (typeof v !== 'boolean') throw valueError(row, column, 'a boolean', v)
  return v
}

/** VALUE_INVALID naming where the row came from: its data file and row index when known, else the object key. */
function valueError(row: InventoryRow, column: string, expected: string, v: unknown): S3InventoryError {
  const from = rowSource(row)
  const where = from ? { bucket: from.file.bucket, key: from.file.key, row: from.row } : { key: String(row.key) }
  return new S3InventoryError('VALUE_INVALID', `${column} of ${String(row.key)} is not ${expected}`, { ...where, column, expected, actual: String(v) })
}

/** Any row source: a stream with batches() (preferred), or an (async) iterable of rows. */
export type RowSource = BatchSource<InventoryRow>

/** Rows re-chunked into arrays of exactly `size` (the last may be shorter). Only row references are copied. */
export async function* rechunk(source: RowSource, size: number, signal?: AbortSignal): AsyncGenerator<InventoryRow[]> {
  if (!Number.isInteger(size) || size < 1) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'batchSize must be an integer ≥ 1', { option: 'batchSize', actual: String(size) })
  }
  let pending: InventoryRow[] = []
  for await (const b of batchesOf(source)) {
    signal?.throwIfAborted()
    let i = 0
    while (i < b.length) {
      const take = Math.min(size - pending.length, b.length - i)
      for (let j = 0; j < take; j++) pending.push(b[i + j])
      i += take
      if (pending.length === size) {
        yield pending
        pending = []
      }
    }
  }
  if (pending.length > 0) yield pending
}

/** Column names when the caller gave none: the first row's own fields (rows of one inventory share them). */
export function namesOf(row: InventoryRow): string[] {
  return Object.keys(row)
}

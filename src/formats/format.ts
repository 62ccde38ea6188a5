/**
 * What every inventory data-file format (CSV.gz, Parquet, ORC) implements: the rows of one file, in
 * batches, and the same rows visited one at a time through one reused object (aggregations). The
 * files-of-a-manifest reader (manifest-files.ts) calls these for each file; nothing else about a
 * format leaks out of its folder.
 */
import { S3InventoryError, type ErrorCode } from '../errors.js'
import type { CompiledFilter } from '../filter.js'
import type { FieldDef } from '../schema/fields.js'
import type { DataFileRef, InventoryRow } from '../schema/row.js'
import type { ByteSource } from '../sources/source.js'
import type { Expected } from '../sources/verify.js'
import type { ColumnAggregator } from '../summarize.js'

/** One data file to read, and how. */
export interface FileRead {
  source: ByteSource
  /** The file as rows name it (provenance) and errors name it. */
  file: DataFileRef
  /** The manifest's fileSchema: the column map of a CSV file (Parquet and ORC files carry their own). */
  fileSchema: string
  /**
   * Row fields to put in rows, by row name, already checked to be known fields or extra columns the
   * caller asked for; undefined: every known field the file has. See `planColumns`.
   */
  columns?: readonly string[]
  /** Columns this library does not know, by their name in the file (or its camelCase row name): read only when listed here. */
  extraColumns?: readonly string[]
  /** Row fields to put in rows when the file has them, without an error when it does not (summaries: `size`). */
  optionalColumns?: readonly string[]
  /** Rows that do not match are dropped before a row object is built. */
  filter?: CompiledFilter
  /** Rows before this index (0-based, in the file) are not produced: a resumed read. */
  startRow: number
  /** The file's size per the manifest, when known: a hint for ranged reads (verified only through `expected`). */
  size?: number
  /** Size and MD5 the file's bytes must have; undefined: not verified. Rows are held until verified. */
  expected?: Expected
  signal: AbortSignal
  /** Parquet/ORC: bytes fetched per request, and buffered per file. */
  readSize: number
}

export interface InventoryFormat {
  /** Rows in file order, in batches. A file that fails verification fails before its last batch. */
  rows(read: FileRead): AsyncIterable<InventoryRow[]>
  /**
   * Every row that passes the filter to `visit`, as one reused object valid only during the call
   * (no row object per row). Resolves once the whole file has been read and verified; a file that
   * fails verification rejects after its rows were visited (the caller discards what it aggregated).
   */
  visit(read: FileRead, visit: (row: InventoryRow) => void): Promise<void>
  /**
   * Optional, for reads without a filter: the rows added to `agg` a window of columns at a time, with
   * no row object or call per row. Resolves once the whole file has been read and verified, like
   * `visit`; `onRows` hears how many rows each window added.
   */
  summarize?(read: FileRead, agg: ColumnAggregator, onRows?: (n: number) => void): Promise<void>
  /** Rows each file may hold ahead of the consumer when the caller does not say (`bufferRows`); default 4,096. */
  readonly bufferRows?: number
}

/** Rows as column values: `values[j][i]` is column j's value (undefined for null) for row i, 0 ≤ i < n. */
export interface ColumnWindow {
  values: unknown[][]
  n: number
}

/**
 * `summarize` for a format that reads windows of column values (Parquet, ORC): the aggregator's fields
 * picked from each window (`column` gives a field's position, -1 when the read has no such column) and
 * added. A read with a filter is refused: summing every row would count the ones the filter drops (the
 * caller visits rows then; a caller's mistake, not the file's).
 */
export async function summarizeWindows(
  read: FileRead,
  agg: ColumnAggregator,
  onRows: ((n: number) => void) | undefined,
  open: (read: FileRead) => Promise<{ windows: AsyncIterable<ColumnWindow>; column: (name: string) => number }>,
): Promise<void> {
  if (read.filter) throw new S3InventoryError('INTERNAL', 'a summary from columns was asked for with a filter', { bucket: read.file.bucket, key: read.file.key })
  const { windows, column } = await open(read)
  const at = agg.fields.map(column)
  const cols: (unknown[] | undefined)[] = at.map(() => undefined)
  for await (const { values, n } of windows) {
    for (let j = 0; j < at.length; j++) cols[j] = at[j] < 0 ? undefined : values[at[j]]
    agg.add(cols, n)
    onRows?.(n)
  }
}

/**
 * Which of a file's fields a read needs: `outputs` go into rows (in the file's order), `filterOnly`
 * are read for the filter alone. Every field asked for must be in the file: FIELD_MISSING names the
 * field and the file's schema otherwise, except the absences with a meaning — an inventory of
 * current versions has no IsLatest or IsDeleteMarker, and a filter on them holds for all its rows.
 */
export interface ColumnPlan {
  /** Indexes into the file's fields. */
  outputs: number[]
  filterOnly: number[]
}

/** Fields whose absence from an inventory has a documented meaning for a filter (current versions only). */
const ABSENT_MEANS_CURRENT = new Set(['isLatest', 'isDeleteMarker'])

export function planColumns(
  fields: readonly FieldDef[],
  read: Pick<FileRead, 'columns' | 'extraColumns' | 'optionalColumns' | 'filter' | 'file'>,
  schema: string,
): ColumnPlan {
  const index = new Map<string, number>()
  fields.forEach((f, i) => {
    if (!index.has(f.name)) index.set(f.name, i)
  })
  const missing = (name: string, what: string) =>
    new S3InventoryError('FIELD_MISSING', `this inventory has no ${name} field (${what})`, {
      bucket: read.file.bucket,
      key: read.file.key,
      column: name,
      expected: `one of the file's fields: ${fields.map((f) => f.name).join(', ')}`,
      actual: schema.length > 400 ? `${schema.slice(0, 400)}…` : schema,
    })
  const extra = new Set((read.extraColumns ?? []).map((c) => fieldNameOf(c, fields)))
  for (const c of read.extraColumns ?? []) if (!index.has(fieldNameOf(c, fields))) throw missing(c, 'extraColumns')
  let outputs: number[]
  if (read.columns === undefined) {
    outputs = fields.flatMap((f, i) => ((f.type !== 'raw' || extra.has(f.name)) && index.get(f.name) === i ? [i] : []))
  } else {
    const wanted = new Set(read.columns)
    for (const c of wanted) if (!index.has(c)) throw missing(c, 'columns')
    for (const c of extra) wanted.add(c)
    for (const c of read.optionalColumns ?? []) wanted.add(c)
    outputs = fields.flatMap((f, i) => (wanted.has(f.name) && index.get(f.name) === i ? [i] : []))
  }
  const filterOnly: number[] = []
  for (const name of read.filter?.fields ?? []) {
    const i = index.get(name)
    if (i === undefined) {
      if (ABSENT_MEANS_CURRENT.has(name)) continue
      throw missing(name, 'filter')
    }
    if (!outputs.includes(i)) filterOnly.push(i)
  }
  return { outputs, filterOnly: filterOnly.sort((a, b) => a - b) }
}

/**
 * The fields of a Parquet or ORC inventory file (from the file's own schema, never the manifest's
 * fileSchema string) as an inventory needs them: each field once after AWS spellings are resolved
 * (`key` and `Key` are one field), Bucket and Key present — S3 writes both in every file. `code` is
 * the format's corrupt code (PARQUET_CORRUPT, ORC_CORRUPT): the file cannot be an inventory file.
 * CSV's fileSchema gets the same checks as MANIFEST_INVALID (csv/schema.ts).
 */
export function assertInventoryFields(fields: readonly FieldDef[], file: Pick<DataFileRef, 'bucket' | 'key'>, code: ErrorCode, schema: string): void {
  const at = { bucket: file.bucket, key: file.key, actual: schema.length > 400 ? `${schema.slice(0, 400)}…` : schema }
  const seen = new Map<string, string>()
  for (const f of fields) {
    const name = f.fileName ?? f.name
    const before = seen.get(f.name)
    if (before !== undefined) {
      throw new S3InventoryError(code, `the file's schema has the column ${name} twice`, { ...at, column: name, expected: `each column once (${before} and ${name} are the same field)` })
    }
    seen.set(f.name, name)
  }
  for (const required of ['bucket', 'key']) {
    if (!seen.has(required)) throw new S3InventoryError(code, `the file's schema has no ${required} column`, { ...at, column: required, expected: 'an inventory file with bucket and key columns' })
  }
}

/**
 * A row whose bucket or key is null or empty: S3 never writes one, and a row without it would print
 * as an empty line or `s3:///key`. VALUE_INVALID naming the row and column.
 */
export function missingValue(file: Pick<DataFileRef, 'bucket' | 'key'>, row: number, column: 'bucket' | 'key'): S3InventoryError {
  return new S3InventoryError('VALUE_INVALID', `a row has no ${column}`, { bucket: file.bucket, key: file.key, row, column, expected: `a non-empty ${column} (S3 writes one in every row)`, actual: 'null or empty' })
}

/** Text of an inventory field that is not UTF-8 (Parquet, ORC): an error, not U+FFFD in its place. */
export function notUtf8(file: Pick<DataFileRef, 'bucket' | 'key'>, row: number, column: string, bytes?: Uint8Array): S3InventoryError {
  const hex = bytes && Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 64)).toString('hex')
  return new S3InventoryError('VALUE_INVALID', `a ${column} value is not valid UTF-8`, { bucket: file.bucket, key: file.key, row, column, expected: 'UTF-8 text', actual: hex && `bytes ${hex}${bytes!.length > 64 ? '…' : ''}` })
}

/**
 * An extra column's row name: the field whose name or file spelling matches, ignoring case and
 * separators (`object_lock_event_hold_status` finds a CSV inventory's ObjectLockEventHoldStatus).
 */
function fieldNameOf(column: string, fields: readonly FieldDef[]): string {
  const want = squash(column)
  return fields.find((f) => squash(f.name) === want)?.name ?? fields.find((f) => f.fileName !== undefined && squash(f.fileName) === want)?.name ?? column
}

const squash = (s: string) => s.replace(/[_\-\s]/g, '').toLowerCase()

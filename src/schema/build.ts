/**
 * Row construction. Each data file gets a row factory generated for its exact column set, so every
 * row is an object literal of one fixed shape (fast to build, monomorphic for the caller's code).
 */
import { S3InventoryError } from '../errors.js'
import type { FieldDef } from './fields.js'
import { ROW_FILE, ROW_INDEX, type DataFileRef, type InventoryRow } from './row.js'
import { booleanAt, dateAt, decodeKey, parseBoolean, parseDate, parseSize, sizeAt, ValueError } from './values.js'

/** A column of the data file that goes into rows: its field and its position in the file's record. */
export interface ColumnPlan {
  readonly field: FieldDef
  readonly index: number
}

/**
 * Builds a row straight from the decompressed text: `b[o+2j]`/`b[o+2j+1]` are the start/end offsets
 * of the record's j-th field in `t`. Typed fields are converted in place, without a substring; strings of
 * low-cardinality columns (bucket, storage class, …) reuse the previous row's string when equal.
 */
export type PositionalRowFactory = (t: string, b: Int32Array, offset: number, rowIndex: number) => InventoryRow

/** Columns whose values repeat from row to row: worth comparing before allocating. */
const UNIQUE_PER_ROW = new Set(['key', 'versionId', 'eTag'])

const positional = {
  keyAt: (t: string, s: number, e: number) => decodeKey(t.slice(s, e)),
  strAt: (t: string, s: number, e: number) => (s === e ? undefined : t.slice(s, e)),
  intern(cache: { v: string }, t: string, s: number, e: number): string | undefined {
    if (s === e) return undefined
    const v = cache.v
    if (v.length === e - s && t.startsWith(v, s)) return v
    return (cache.v = t.slice(s, e))
  },
  sizeAt,
  booleanAt,
  dateAt,
}

export function positionalRowFactory(columns: readonly ColumnPlan[], file: DataFileRef): PositionalRowFactory {
  const caches = columns.map(() => ({ v: '' }))
  const assigns = columns.map((col, j) => {
    const s = `b[o + ${2 * col.index}]`
    const e = `b[o + ${2 * col.index + 1}]`
    const call =
      col.field.type === 'key'
        ? `c.keyAt(t, ${s}, ${e})`
        : col.field.type === 'number'
          ? `c.sizeAt(t, ${s}, ${e})`
          : col.field.type === 'boolean'
            ? `c.booleanAt(t, ${s}, ${e})`
            : col.field.type === 'date'
              ? `c.dateAt(t, ${s}, ${e})`
              : UNIQUE_PER_ROW.has(col.field.name)
                ? `c.strAt(t, ${s}, ${e})`
                : `c.intern(k[${j}], t, ${s}, ${e})`
    return `this[${JSON.stringify(col.field.name)}] = ${call};`
  })
  const Row = rowClass('k, t, b, o', assigns)
  const width = 2 * (Math.max(-1, ...columns.map((c) => c.index)) + 1)
  return (t, b, o, rowIndex) => {
    try {
      return new Row(file, rowIndex, caches, t, b, o) as InventoryRow
    } catch (err) {
      const fields: string[] = []
      for (let i = 0; i < width; i += 2) fields.push(t.slice(b[o + i], b[o + i + 1]))
      throw explain(err, columns, fields, file, rowIndex)
    }
  }
}

type RowClass = new (file: DataFileRef, rowIndex: number, ...args: unknown[]) => unknown

/**
 * A class generated for a column set: a fixed shape, built in one constructor. Classes are shared by
 * every file with the same columns, so the caller's loop sees one shape (no megamorphic access) and
 * the JIT optimizes the constructor once. The data file and row index live in private fields: they
 * stay out of JSON, Object.keys, console.log and toEqual, and are read with rowSource().
 */
const classes = new Map<string, RowClass>()

function rowClass(params: string, assigns: string[]): RowClass {
  const body = `return class InventoryRow {
  #f; #r;
  constructor(f, r, ${params}) { this.#f = f; this.#r = r; ${assigns.join(' ')} }
  get [FILE]() { return this.#f; }
  get [INDEX]() { return this.#r; }
}`
  let Row = classes.get(body)
  if (!Row) {
    if (classes.size > 256) classes.clear()
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    Row = new Function('c', 'FILE', 'INDEX', body)(positional, ROW_FILE, ROW_INDEX) as RowClass
    classes.set(body, Row)
  }
  return Row
}

// Slow path, only on failure: find which column failed and say so.
function explain(err: unknown, columns: readonly ColumnPlan[], fields: string[], file: DataFileRef, row: number): unknown {
  if (!(err instanceof ValueError)) return err
  for (const col of columns) {
    const v = fields[col.index]
    try {
      if (col.field.type === 'key') decodeKey(v)
      else if (v !== '' && col.field.type === 'number') parseSize(v)
      else if (v !== '' && col.field.type === 'boolean') parseBoolean(v)
      else if (v !== '' && col.field.type === 'date') parseDate(v)
    } catch (e) {
      if (e instanceof ValueError) return valueErrorToInventoryError(e, file, row, col.field.name)
    }
  }
  return err
}

export function valueErrorToInventoryError(err: unknown, file: DataFileRef, row: number, column: string): unknown {
  if (!(err instanceof ValueError)) return err
  return new S3InventoryError(err.code, `cannot read ${column}`, {
    bucket: file.bucket,
    key: file.key,
    row,
    column,
    expected: err.expected,
    actual: err.actual,
  })
}

/**
 * Builds rows from typed column values (Parquet): `v[j][o[j] + i]` is the value of the file's j-th
 * decoded column for the i-th row of the current window. Values are already typed (undefined for null).
 */
export type ColumnRowFactory = (v: unknown[][], o: number[], i: number, rowIndex: number) => InventoryRow

export function columnRowFactory(columns: readonly ColumnPlan[], file: DataFileRef): ColumnRowFactory {
  const assigns = columns.map((c) => `this[${JSON.stringify(c.field.name)}] = v[${c.index}][o[${c.index}] + i];`)
  const Row = rowClass('v, o, i', assigns)
  return (v, o, i, rowIndex) => new Row(file, rowIndex, v, o, i) as InventoryRow
}

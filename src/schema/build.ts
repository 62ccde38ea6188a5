/**
 * Row construction. Each data file gets a row factory generated for its exact column set, so every
 * row is an object literal of one fixed shape (fast to build, monomorphic for the caller's code).
 */
import type { FastBuffer } from '../codecs/buffers.js'
import { S3InventoryError } from '../errors.js'
import type { FieldDef } from './fields.js'
import { ROW_FILE, ROW_INDEX, type DataFileRef, type InventoryRow } from './row.js'
import { decodeKey, ValueError } from './values.js'

/** A column of the data file that goes into rows: its field and its position in the file's record. */
export interface ColumnPlan {
  readonly field: FieldDef
  readonly index: number
}

/**
 * Builds a row from a CSV batch's typed columns (see formats/csv/columns.ts ColumnarBatch): `t` is the
 * batch text, `b` its bytes (offsets below `L` are byte offsets), `kb` the decoded keys (UTF-8 when
 * `ku`), `c` the column arrays, `d` the per-column dictionaries, `i` the record in the batch.
 */
export type ColumnarRowFactory = (t: string, b: FastBuffer, L: number, kb: FastBuffer, ku: boolean, c: ArrayLike<number>[], d: string[][], i: number, rowIndex: number) => InventoryRow

/** How a CSV column is extracted and typed (see formats/csv.ts). */
export type ColumnKind = 'text' | 'key' | 'dict' | 'number' | 'date' | 'boolean'

export interface ColumnarField {
  name: string
  kind: ColumnKind
  /** Index of its array in the batch. */
  column: number
}

export function columnarRowFactory(fields: readonly ColumnarField[], file: DataFileRef): ColumnarRowFactory {
  const Row = rowClass('t, b, L, kb, ku, c, d, i', columnarAssigns(fields, 'this'))
  return (t, b, L, kb, ku, c, d, i, rowIndex) => new Row(file, rowIndex, t, b, L, kb, ku, c, d, i) as InventoryRow
}

/**
 * Writes a CSV row's fields into one reused object (aggregations: see columnRowFiller). Same fields
 * and values as columnarRowFactory's rows, no provenance.
 */
export function columnarRowFiller(fields: readonly ColumnarField[]): ColumnarRowFiller {
  return generatedFiller('r, t, b, L, kb, ku, c, d, i', columnarAssigns(fields, 'r').join(' ')) as ColumnarRowFiller
}

export type ColumnarRowFiller = (r: InventoryRow, t: string, b: FastBuffer, L: number, kb: FastBuffer, ku: boolean, c: ArrayLike<number>[], d: string[][], i: number) => void

/** Assignments of a CSV row's fields from a batch's columns (see ColumnarRowFactory) onto `target`. */
function columnarAssigns(fields: readonly ColumnarField[], target: string): string[] {
  return fields.map(({ name, kind, column: j }) => {
    const to = `${target}[${JSON.stringify(name)}]`
    switch (kind) {
      case 'text':
        return `{ const s = c[${j}][2 * i], e = c[${j}][2 * i + 1]; ${to} = s === e ? undefined : e <= L ? b.latin1Slice(s, e) : cp(t.slice(s, e)); }`
      case 'key':
        return `{ const s = c[${j}][2 * i], e = c[${j}][2 * i + 1]; ${to} = ku ? kb.utf8Slice(s, e) : kb.latin1Slice(s, e); }`
      case 'dict':
        return `{ const x = c[${j}][i]; ${to} = x < 0 ? undefined : d[${j}][x]; }`
      case 'number':
        return `{ const x = c[${j}][i]; ${to} = x === x ? x : undefined; }`
      case 'date':
        return `{ const x = c[${j}][i]; ${to} = x === x ? new Date(x) : undefined; }`
      case 'boolean':
        return `{ const x = c[${j}][i]; ${to} = x === 1 ? true : x === 0 ? false : undefined; }`
    }
  })
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
    Row = new Function('k', 'cp', 'FILE', 'INDEX', body)(decodeKey, detached, ROW_FILE, ROW_INDEX) as RowClass
    classes.set(body, Row)
  }
  return Row
}

/**
 * A copy of `s` that does not keep the string it was cut from alive. V8 makes `t.slice(a, b)` of 13
 * chars or more a view into `t`: a row's key would pin its whole 64 KiB chunk of text, and a caller
 * who keeps one key in 300 would keep the whole inventory's text (measured: 411 MB for 2M rows).
 * Flattening a concatenation copies just these chars.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1)
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
 * decoded column for the i-th row of the current window. Values are already typed (undefined for null),
 * dates as epoch ms.
 */
export type ColumnRowFactory = (v: unknown[][], o: number[], i: number, rowIndex: number) => InventoryRow

export function columnRowFactory(columns: readonly ColumnPlan[], file: DataFileRef): ColumnRowFactory {
  const Row = rowClass('v, o, i', columnAssigns(columns, 'this'))
  return (v, o, i, rowIndex) => new Row(file, rowIndex, v, o, i) as InventoryRow
}

/** Assignments of a row's fields from column values (see ColumnRowFactory) onto `target`. */
function columnAssigns(columns: readonly ColumnPlan[], target: string): string[] {
  // Dates arrive as epoch ms: the Date object is made here, for rows that are actually built.
  return columns.map((c) =>
    c.field.type === 'date'
      ? `{ const x = v[${c.index}][o[${c.index}] + i]; ${target}[${JSON.stringify(c.field.name)}] = x === undefined ? undefined : new Date(x); }`
      : `${target}[${JSON.stringify(c.field.name)}] = v[${c.index}][o[${c.index}] + i];`,
  )
}

/**
 * Writes a row's fields into one reused object (aggregations: a row object per row would only feed
 * the garbage collector). Same fields and values as columnRowFactory's rows, no provenance.
 */
export function columnRowFiller(columns: readonly ColumnPlan[]): RowFiller {
  return generatedFiller('r, v, o, i', columnAssigns(columns, 'r').join(' ')) as RowFiller
}

type RowFiller = (r: InventoryRow, v: unknown[][], o: number[], i: number) => void
const fillers = new Map<string, unknown>()

function generatedFiller(params: string, body: string): unknown {
  const id = `${params}|${body}`
  let fill = fillers.get(id)
  if (!fill) {
    if (fillers.size > 256) fillers.clear()
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    fill = new Function('k', 'cp', `return function (${params}) { ${body} }`)(decodeKey, detached)
    fillers.set(id, fill) // shared by every file with the same columns, like the row classes
  }
  return fill
}

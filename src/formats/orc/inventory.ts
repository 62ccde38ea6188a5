/**
 * An ORC inventory data file → typed InventoryRows (the InventoryFormat contract). Columns come
 * from the file's own type (never from fileSchema), by their ORC names. Per stripe: only the
 * streams of the fields the rows and the filter need; stripes before a resume point, or whose key
 * statistics exclude every filter prefix, are not fetched. A window of up to 1,024 rows is
 * decoded into typed arrays, the filter's fields become JS values first, and the other fields
 * only for the rows that pass. Summaries grouped by fields take the windows' columns as they are
 * (`summarize`), without a row per row.
 */
import { isUtf8 } from 'node:buffer'
import { S3InventoryError } from '../../errors.js'
import { emptyFilterInput, FILTER_FIELDS } from '../../filter.js'
import { columnRowFactory, columnRowFiller, type ColumnPlan } from '../../schema/build.js'
import { fieldForColumnName, type FieldDef } from '../../schema/fields.js'
import type { InventoryRow } from '../../schema/row.js'
import { assertInventoryFields, missingValue, notUtf8, planColumns, summarizeWindows, type ColumnWindow, type FileRead, type InventoryFormat } from '../format.js'
import type { Column } from './column.js'
import { StringColumn } from './column-string.js'
import { BooleanColumn, IntColumn } from './column-int.js'
import { TimestampColumn } from './column-time.js'
import { createColumn } from './columns.js'
import { orcFailure } from './errors.js'
import type { Message } from './protobuf.js'
import { TypeKind } from './proto.js'
import { assertConsumed } from './read.js'
import { rowBacker } from './row-backing.js'
import { StripeFetcher } from './stripe-io.js'
import { assertReadableVersion, readTail, stripeStatistics, type OrcTail, type StripeInfo } from './tail.js'
import { allTypes, kindName, typeString, type OrcType } from './types.js'

/** Rows per window and per batch (as for Parquet: fewer live rows, less young-generation copying). */
const BATCH = 1024
const MIN_READ_SIZE = 64 * 1024

export const orcFormat: InventoryFormat = {
  rows: (read) => orcRows(read, undefined),
  // A file's decoded stripe is held while its rows are read ahead: 1,024 rows ahead (not 4,096) kept 10M rows of
  // the bench under 200 MB (204 → ~160 MB), at the same speed (docs/performance.md).
  bufferRows: 1024,
  async visit(read, visit) {
    for await (const _ of orcRows(read, visit)) void _
  },
  summarize: (read, agg, onRows) => summarizeWindows(read, agg, onRows, openWindows),
}

/**
 * Writes the JS values of a window's rows (rows 0..count, or those in sel[0..count)) into out, by row
 * index. Text fields return the row index (in the window) of a value that is not UTF-8, else -1.
 */
type Fill = (col: Column, out: unknown[], sel: Int32Array | undefined, count: number) => number | void

/**
 * A window of up to BATCH rows: `values[j][i]` is decoded field j's value for row i (0 ≤ i < n), for
 * the `count` rows in `chosen` (a filter's), or every row when `chosen` is undefined. Arrays are reused
 * by the next window.
 */
interface Window extends ColumnWindow {
  count: number
  chosen: Int32Array | undefined
  /** Row index (in the file) of the window's first row. */
  firstRow: number
}

/** A file's tail checked as an inventory's, the fields a read decodes, and their windows of values. */
async function openWindows(read: FileRead) {
  const { source, file: ref, signal, filter } = read
  const readSize = Math.max(MIN_READ_SIZE, read.readSize)
  const tail = await readTail(source, { signal, sizeHint: read.expected?.size, wholeBelow: readSize, expectedSize: read.expected?.size })
  assertReadableVersion(tail, source)
  const root = tail.root
  if (root.kind !== TypeKind.STRUCT) {
    throw new S3InventoryError('UNSUPPORTED_FORMAT', 'an ORC inventory file has a struct of columns at its root', { bucket: ref.bucket, key: ref.key, expected: 'struct<…>', actual: typeString(root) })
  }
  const fields = root.fieldNames.map(fieldForColumnName)
  assertInventoryFields(fields, ref, 'ORC_CORRUPT', typeString(root))
  const plan = planColumns(fields, read, typeString(root))
  // Fields decoded, in file order; those that go into rows, with their position among them.
  const decoded = [...new Set([...plan.outputs, ...plan.filterOnly])].sort((a, b) => a - b)
  const fills = decoded.map((i) => fillFor(fields[i], root.children[i], ref))
  /** The decoded position of a row field, or -1 when the read does not decode it. */
  const column = (name: string) => decoded.findIndex((i) => fields[i].name === name)
  const [kJ, sJ, cJ, dJ, lJ, mJ] = FILTER_FIELDS.map((name) => (filter?.fields.has(name) ? column(name) : -1))
  const filterCols = new Set([kJ, sJ, cJ, dJ, lJ, mJ].filter((j) => j >= 0))
  // No field read (columns: []): a column is still decoded, so that stripes cannot claim rows their bytes do not hold.
  let backer: OrcType | undefined
  try {
    backer = rowBacker(tail, decoded.map((i) => root.children[i]))
  } catch (err) {
    throw orcFailure(err, source.ref)
  }
  const needed = new Set<number>([...decoded.map((i) => root.children[i]), ...(backer ? [backer] : [])].flatMap((t) => allTypes(t).map((x) => x.id)))
  const keyField = fields.findIndex((f) => f.name === 'key')
  const excluded = filter?.prefixes && keyField >= 0 ? prefixExclusion(tail, source, root.children[keyField].id, filter.prefixes) : undefined
  const input = emptyFilterInput()
  const win: unknown[][] = decoded.map(() => new Array(BATCH))
  const sel = new Int32Array(BATCH)
  // Bucket and key, where read, are checked on every row kept (a value already in hand).
  const kW = column('key')
  const bW = column('bucket')
  let cols: Column[] = []
  const fillColumn = (j: number, r: number, chosen: Int32Array | undefined, count: number) => {
    const bad = fills[j](cols[j], win[j], chosen, count)
    if (typeof bad === 'number' && bad >= 0) throw notUtf8(ref, r + bad, fields[decoded[j]].name, (cols[j] as StringColumn).rawBytes(bad))
  }

  /** After the last stripe the file's MD5 is checked, before this returns (and the caller releases its last rows). */
  async function* windows(): AsyncGenerator<Window> {
    const fetcher = new StripeFetcher(source, tail, { readSize, signal, expected: read.expected })
    try {
      for (const s of tail.stripes) {
        if (s.firstRow + s.rows <= read.startRow || s.rows === 0) continue
        if (excluded?.(s)) continue
        const ctx = await fetcher.open(s, needed)
        let back: Column | undefined
        try {
          cols = decoded.map((i) => createColumn(root.children[i], ctx, tail.encrypted))
          back = backer && createColumn(backer, ctx, tail.encrypted)
          const skip = Math.max(0, read.startRow - s.firstRow)
          if (skip > 0) for (const c of back ? [...cols, back] : cols) await c.skip(skip)
        } catch (err) {
          throw orcFailure(err, source.ref, s.offset)
        }
        let r = Math.max(s.firstRow, read.startRow)
        for (let left = s.firstRow + s.rows - r; left > 0; ) {
          signal.throwIfAborted()
          const n = Math.min(left, BATCH)
          try {
            for (const c of cols) await c.read(n)
            await back?.skip(n)
          } catch (err) {
            throw orcFailure(err, source.ref, s.offset)
          }
          let count = n
          let chosen: Int32Array | undefined
          if (filter) {
            for (const j of filterCols) fillColumn(j, r, undefined, n)
            count = 0
            for (let i = 0; i < n; i++) {
              if (kJ >= 0) {
                const k = win[kJ][i] as string | undefined
                if (!k) throw missingValue(ref, r + i, 'key')
                input.key = k
              }
              if (sJ >= 0) input.size = win[sJ][i] as number | undefined
              if (cJ >= 0) input.storageClass = win[cJ][i] as string | undefined
              if (dJ >= 0) input.lastModified = win[dJ][i] as number | undefined
              if (lJ >= 0) input.isLatest = win[lJ][i] as boolean | undefined
              if (mJ >= 0) input.isDeleteMarker = win[mJ][i] as boolean | undefined
              if (filter.test(input)) sel[count++] = i
            }
            chosen = sel
            for (let j = 0; j < cols.length; j++) if (!filterCols.has(j)) fillColumn(j, r, chosen, count)
          } else {
            for (let j = 0; j < cols.length; j++) fillColumn(j, r, undefined, n)
          }
          for (let t = 0; t < count; t++) {
            const i = chosen ? chosen[t] : t
            if (kW >= 0 && !win[kW][i]) throw missingValue(ref, r + i, 'key')
            if (bW >= 0 && !win[bW][i]) throw missingValue(ref, r + i, 'bucket')
          }
          yield { values: win, n, count, chosen, firstRow: r }
          r += n
          left -= n
        }
        assertConsumed((back ? [...cols, back] : cols).flatMap((c) => c.streams()), s.index, source)
        ctx.release()
      }
      // Integrity before the last batch is released.
      await fetcher.finish()
    } finally {
      await fetcher.close()
    }
  }

  return { fields, plan, decoded, column, windows: windows() }
}

async function* orcRows(read: FileRead, visit: ((row: InventoryRow) => void) | undefined): AsyncGenerator<InventoryRow[]> {
  const { fields, plan, decoded, windows } = await openWindows(read)
  const outPlan: ColumnPlan[] = decoded.flatMap((i, j) => (plan.outputs.includes(i) ? [{ field: fields[i], index: j }] : []))
  const make = columnRowFactory(outPlan, read.file)
  const fill = visit && columnRowFiller(outPlan)
  const view = {} as InventoryRow
  const zeros = decoded.map(() => 0)
  let held: InventoryRow[] | undefined
  for await (const { values: win, count, chosen, firstRow: r } of windows) {
    const batch: InventoryRow[] = []
    if (fill) {
      for (let t = 0; t < count; t++) {
        fill(view, win, zeros, chosen ? chosen[t] : t)
        visit!(view)
      }
      read.signal.throwIfAborted()
    } else {
      for (let t = 0; t < count; t++) {
        const i = chosen ? chosen[t] : t
        batch.push(make(win, zeros, i, r + i))
      }
    }
    if (batch.length > 0) {
      if (held) yield held
      held = batch
    }
  }
  // The windows have verified the file by now.
  if (held) yield held
}

/**
 * How a field's column becomes row values: strings, numbers (bigint columns: sizes), booleans,
 * dates as epoch ms (the row classes make the Date); unknown columns their general value.
 * A known field whose column has another type is refused before anything is read.
 */
function fillFor(field: FieldDef, type: OrcType, ref: FileRead['file']): Fill {
  const k = type.kind
  const refuse = (expected: string) =>
    new S3InventoryError('UNSUPPORTED_FORMAT', `the ${field.fileName ?? field.name} column has a type an inventory field cannot have`, {
      bucket: ref.bucket,
      key: ref.key,
      column: field.name,
      expected,
      actual: typeString(type),
    })
  switch (field.type) {
    case 'string':
    case 'key':
      if (k !== TypeKind.STRING && k !== TypeKind.VARCHAR && k !== TypeKind.CHAR) throw refuse('string')
      return strings as Fill
    case 'number':
      if (k !== TypeKind.LONG && k !== TypeKind.INT && k !== TypeKind.SHORT) throw refuse('bigint')
      return numbers(field, ref) as Fill
    case 'boolean':
      if (k !== TypeKind.BOOLEAN) throw refuse('boolean')
      return booleans as Fill
    case 'date':
      if (k === TypeKind.TIMESTAMP || k === TypeKind.TIMESTAMP_INSTANT) return timestamps as Fill
      if (k === TypeKind.DATE) return days as Fill
      throw refuse(`timestamp (not ${kindName(k)})`)
    default:
      return general
  }
}

/** Text never holds U+FFFD in place of bytes that are not UTF-8: the first such row is returned (-1: none). */
function strings(col: StringColumn, out: unknown[], sel: Int32Array | undefined, count: number): number {
  const slot = col.present ? col.slots : undefined
  const dict = col.dict
  if (dict) {
    const ids = col.ids
    const all = dict.all
    const bad = dict.notUtf8
    for (let t = 0; t < count; t++) {
      const i = sel ? sel[t] : t
      const k = slot ? slot[i] : i
      if (bad && k >= 0 && bad.has(ids[k])) return i
      out[i] = k < 0 ? undefined : all ? all[ids[k]] : dict.get(ids[k])
    }
    return -1
  }
  const b = col.buf
  const st = col.starts
  if (col.ascii) {
    for (let t = 0; t < count; t++) {
      const i = sel ? sel[t] : t
      const k = slot ? slot[i] : i
      out[i] = k < 0 ? undefined : b.latin1Slice(st[k], st[k + 1])
    }
  } else {
    // Only windows with non-ASCII bytes pay for the check.
    for (let t = 0; t < count; t++) {
      const i = sel ? sel[t] : t
      const k = slot ? slot[i] : i
      if (k >= 0 && !isUtf8(b.subarray(st[k], st[k + 1]))) return i
      out[i] = k < 0 ? undefined : b.utf8Slice(st[k], st[k + 1])
    }
  }
  return -1
}

function numbers(field: FieldDef, ref: FileRead['file']) {
  return (col: IntColumn, out: unknown[], sel: Int32Array | undefined, count: number): void => {
    if (col.wide) {
      const [, v] = [...col.wide][0]
      throw new S3InventoryError('VALUE_INVALID', `cannot read ${field.name}`, { bucket: ref.bucket, key: ref.key, column: field.name, expected: 'an integer below 2^53', actual: String(v) })
    }
    const slot = col.present ? col.slots : undefined
    const v = col.values
    for (let t = 0; t < count; t++) {
      const i = sel ? sel[t] : t
      const k = slot ? slot[i] : i
      out[i] = k < 0 ? undefined : v[k]
    }
    }
}

function booleans(col: BooleanColumn, out: unknown[], sel: Int32Array | undefined, count: number): void {
  const slot = col.present ? col.slots : undefined
  const v = col.values
  for (let t = 0; t < count; t++) {
    const i = sel ? sel[t] : t
    const k = slot ? slot[i] : i
    out[i] = k < 0 ? undefined : v[k] === 1
  }
}

function timestamps(col: TimestampColumn, out: unknown[], sel: Int32Array | undefined, count: number): void {
  const slot = col.present ? col.slots : undefined
  for (let t = 0; t < count; t++) {
    const i = sel ? sel[t] : t
    const k = slot ? slot[i] : i
    out[i] = k < 0 ? undefined : col.millis(k)
  }
}

function days(col: IntColumn, out: unknown[], sel: Int32Array | undefined, count: number): void {
  const slot = col.present ? col.slots : undefined
  const v = col.values
  for (let t = 0; t < count; t++) {
    const i = sel ? sel[t] : t
    const k = slot ? slot[i] : i
    out[i] = k < 0 ? undefined : v[k] * 86_400_000
  }
}

function general(col: Column, out: unknown[], sel: Int32Array | undefined, count: number): void {
  for (let t = 0; t < count; t++) {
    const i = sel ? sel[t] : t
    out[i] = col.at(i, undefined)
  }
}

/**
 * A test of whether a stripe's key statistics (min/max, or lower/upper bounds) prove that no key
 * in it starts with any of the prefixes. Stripes without statistics are never excluded.
 */
function prefixExclusion(tail: OrcTail, source: FileRead['source'], keyColumn: number, prefixes: readonly string[]): (s: StripeInfo) => boolean {
  let stats: Message[][] | undefined
  const bytes = prefixes.map((p) => Buffer.from(p, 'utf8'))
  return (s) => {
    stats ??= stripeStatistics(tail, source)
    const st = stats[s.index]?.[keyColumn]?.stringStatistics as Message | undefined
    if (!st) return false
    const min = (st.lowerBound ?? st.minimum) as Uint8Array | undefined
    const max = (st.upperBound ?? st.maximum) as Uint8Array | undefined
    if (!min && !max) return false
    return bytes.every((p) => {
      // Every key is ≤ max: a max below P leaves no key that starts with P (such keys are ≥ P).
      if (max && Buffer.compare(max, p) < 0) return true
      // Every key is ≥ min: when min's first |P| bytes sort after P, so does every key.
      if (min && Buffer.compare(min.subarray(0, p.length), p) > 0) return true
      return false
    })
  }
}

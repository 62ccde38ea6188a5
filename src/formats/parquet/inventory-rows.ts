/**
 * Parquet inventory files as the InventoryFormat contract (src/formats/format.ts): typed inventory
 * rows, filtered before a row object is built, in batches (`rows`) or through one reused object
 * (`visit`), or a summary's columns a window at a time (`summarize`). Known fields keep InventoryRow's types; columns this library does not know (read only
 * when asked for in `extraColumns`) get the general mapping's values (values.ts).
 */
import { FILTER_FIELDS, emptyFilterInput } from '../../filter.js'
import { columnRowFactory, columnRowFiller, type ColumnPlan } from '../../schema/build.js'
import { fieldForColumnName } from '../../schema/fields.js'
import type { InventoryRow } from '../../schema/row.js'
import { assertInventoryFields, missingValue, planColumns, summarizeWindows, type FileRead, type InventoryFormat } from '../format.js'
import { readFooter } from './footer.js'
import { rowGroupsToRead, schemaText } from './plan.js'
import { readWindows, type Window } from './row-groups.js'

const MIN_READ_SIZE = 64 * 1024

export const parquetFormat: InventoryFormat = {
  rows: (read) => inventoryRows(read),
  async visit(read, visit) {
    for await (const _ of inventoryRows(read, visit)) {
      // Nothing is yielded when visiting.
    }
  },
  summarize: (read, agg, onRows) => summarizeWindows(read, agg, onRows, openWindows),
}

/** A file's footer checked as an inventory's, the columns a read needs, and their windows of values. */
async function openWindows(read: FileRead) {
  const { signal, filter, file } = read
  const readSize = Math.max(MIN_READ_SIZE, read.readSize)
  const footer = await readFooter(read.source, file, { readSize, expected: read.expected, sizeHint: read.size, signal })
  const fields = footer.columns.map((c) => fieldForColumnName(c.name))
  const schema = schemaText(footer.columns, fields)
  assertInventoryFields(fields, file, 'PARQUET_CORRUPT', schema)
  const plan = planColumns(fields, read, schema)
  const needed = [...plan.outputs, ...plan.filterOnly].sort((a, b) => a - b)
  const keyLeaf = fields.findIndex((f) => f.name === 'key')
  const windows = readWindows({
    source: read.source,
    file,
    footer,
    columns: needed.map((i) => footer.columns[i]),
    modes: needed.map((i) => ({ field: fields[i] })),
    rowGroups: rowGroupsToRead(footer.meta.rowGroups, { startRow: read.startRow, prefixes: filter?.prefixes, keyLeaf }),
    startRow: read.startRow,
    expected: read.expected,
    readSize,
    signal,
  })
  /** The window column of a row field, or -1 when the read does not hold it. */
  const column = (name: string) => needed.findIndex((i) => fields[i].name === name)
  const kW = column('key')
  const bW = column('bucket')
  return { fields, plan, needed, windows: kW < 0 && bW < 0 ? windows : present(windows, kW, bW, file), column }
}

/**
 * Windows whose rows all have a key and a bucket, where read (S3 writes both in every row): the first
 * row without one, key before bucket, is VALUE_INVALID. One check for rows, visits and summaries.
 */
async function* present(windows: AsyncIterable<Window>, kW: number, bW: number, file: FileRead['file']): AsyncGenerator<Window> {
  for await (const w of windows) {
    const keys = kW >= 0 ? w.values[kW] : undefined
    const buckets = bW >= 0 ? w.values[bW] : undefined
    for (let i = 0; i < w.n; i++) {
      if (keys && !keys[i]) throw missingValue(file, w.firstRow + i, 'key')
      if (buckets && !buckets[i]) throw missingValue(file, w.firstRow + i, 'bucket')
    }
    yield w
  }
}

async function* inventoryRows(read: FileRead, visit?: (row: InventoryRow) => void): AsyncGenerator<InventoryRow[]> {
  const { filter, file } = read
  const { fields, plan, needed, windows, column } = await openWindows(read)
  const outPlan: ColumnPlan[] = needed.flatMap((leaf, j) => (plan.outputs.includes(leaf) ? [{ field: fields[leaf], index: j }] : []))
  const make = columnRowFactory(outPlan, file)
  const fill = visit && columnRowFiller(outPlan)
  const view = {} as InventoryRow
  const [kJ, sJ, cJ, dJ, lJ, mJ] = FILTER_FIELDS.map((name) => (filter?.fields.has(name) ? column(name) : -1))
  const input = emptyFilterInput()
  const zeros = needed.map(() => 0)
  let held: InventoryRow[] | undefined
  for await (const { values: win, n, firstRow } of windows) {
    const batch: InventoryRow[] = []
    for (let i = 0; i < n; i++) {
      if (filter) {
        if (kJ >= 0) input.key = win[kJ][i] as string
        if (sJ >= 0) input.size = win[sJ][i] as number | undefined
        if (cJ >= 0) input.storageClass = win[cJ][i] as string | undefined
        if (dJ >= 0) input.lastModified = win[dJ][i] as number | undefined
        if (lJ >= 0) input.isLatest = win[lJ][i] as boolean | undefined
        if (mJ >= 0) input.isDeleteMarker = win[mJ][i] as boolean | undefined
        if (!filter.test(input)) continue
      }
      if (fill) {
        fill(view, win, zeros, i)
        visit!(view)
      } else batch.push(make(win, zeros, i, firstRow + i))
    }
    if (batch.length > 0) {
      if (held) yield held
      held = batch
    }
  }
  // readWindows has verified the file by now.
  if (held) yield held
}

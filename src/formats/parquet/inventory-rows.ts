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
import type { ColumnAggregator } from '../../summarize.js'
import { assertInventoryFields, missingValue, planColumns, unfiltered, type FileRead, type InventoryFormat } from '../format.js'
import { readFooter } from './footer.js'
import { rowGroupsToRead, schemaText } from './plan.js'
import { readWindows } from './row-groups.js'

const MIN_READ_SIZE = 64 * 1024

export const parquetFormat: InventoryFormat = {
  rows: (read) => inventoryRows(read),
  async visit(read, visit) {
    for await (const _ of inventoryRows(read, visit)) {
      // Nothing is yielded when visiting.
    }
  },
  summarize: summarizeColumns,
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
  return { fields, plan, needed, windows, column }
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
  // Bucket and key, where read, are checked on every row (a value already in hand).
  const kW = column('key')
  const bW = column('bucket')

  let held: InventoryRow[] | undefined
  for await (const { values: win, n, firstRow } of windows) {
    const batch: InventoryRow[] = []
    for (let i = 0; i < n; i++) {
      if (kW >= 0 && !win[kW][i]) throw missingValue(file, firstRow + i, 'key')
      if (bW >= 0 && !win[bW][i]) throw missingValue(file, firstRow + i, 'bucket')
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

/**
 * The file's rows added to `agg` a window of columns at a time (no row objects): the columns the
 * aggregator names are read, and bucket and key, when among them, are checked as rows check them.
 */
async function summarizeColumns(read: FileRead, agg: ColumnAggregator, onRows?: (n: number) => void): Promise<void> {
  unfiltered(read)
  // The read's columns are the aggregator's fields (summarize-inventory asks for both alike).
  const { windows, column } = await openWindows(read)
  const at = agg.fields.map(column)
  const kW = column('key')
  const bW = column('bucket')
  const cols: (unknown[] | undefined)[] = at.map(() => undefined)
  for await (const { values: win, n, firstRow } of windows) {
    if (kW >= 0 || bW >= 0) checkPresent(kW >= 0 ? win[kW] : undefined, bW >= 0 ? win[bW] : undefined, n, firstRow, read.file)
    for (let j = 0; j < at.length; j++) cols[j] = at[j] < 0 ? undefined : win[at[j]]
    agg.add(cols, n)
    onRows?.(n)
  }
}

/** The first row without a key or a bucket (key first, as rows are checked), of those read. */
function checkPresent(keys: unknown[] | undefined, buckets: unknown[] | undefined, n: number, firstRow: number, file: FileRead['file']): void {
  for (let i = 0; i < n; i++) {
    if (keys && !keys[i]) throw missingValue(file, firstRow + i, 'key')
    if (buckets && !buckets[i]) throw missingValue(file, firstRow + i, 'bucket')
  }
}

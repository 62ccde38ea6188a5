/**
 * CSV step 3: typed columns → row objects (or, for aggregations, one reused object per row), on the
 * caller's thread. The filter already ran during extraction (`selected`). Strings are copied out of
 * the chunk's bytes where offsets are byte offsets (an ASCII batch), not sliced from its text, so
 * rows kept by the caller do not pin the chunk (see detached()).
 */
import type { FastBuffer } from '../../codecs/buffers.js'
import { columnarRowFactory, columnarRowFiller, valueErrorToInventoryError } from '../../schema/build.js'
import type { DataFileRef, InventoryRow } from '../../schema/row.js'
import type { ColumnarBatch, ColumnSpec } from './columns.js'

export interface RowBuilderOptions {
  /** The columns extracted, in order; the first `outputs` of them go into rows, the rest only feed the filter. */
  spec: ColumnSpec[]
  outputs: number
  file: DataFileRef
  /** Records before this index are skipped. Default 0. */
  startRow?: number
}

/** Typed columns → row objects. */
export function csvRowBuilder(options: RowBuilderOptions): (batch: ColumnarBatch) => InventoryRow[] {
  const { file } = options
  const make = columnarRowFactory(rowFields(options), file)
  const rows = batchRows(options)
  const { dicts } = rows
  return (batch) => {
    const { text, bytes, inBytes, keys, start } = rows.begin(batch)
    const { cols, count, firstRow, selected, keysUtf8 } = batch
    const out: InventoryRow[] = []
    let i = start
    try {
      if (selected !== undefined) {
        for (let k = 0; k < selected.length; k++) {
          i = selected[k]
          if (i >= start) out.push(make(text, bytes, inBytes, keys, keysUtf8, cols, dicts, i, firstRow + i))
        }
      } else {
        for (; i < count; i++) out.push(make(text, bytes, inBytes, keys, keysUtf8, cols, dicts, i, firstRow + i))
      }
    } catch (err) {
      // The key is decoded here (the only conversion left after extraction).
      throw valueErrorToInventoryError(err, file, firstRow + i, 'key')
    }
    return out
  }
}

/**
 * Typed columns → each row's fields written into one reused object handed to `visit` (which must
 * not keep it), instead of a row object per row.
 */
export function csvRowVisitor(options: RowBuilderOptions): (batch: ColumnarBatch, visit: (row: InventoryRow) => void) => void {
  const { file } = options
  const fill = columnarRowFiller(rowFields(options))
  const rows = batchRows(options)
  const { dicts } = rows
  const row = {} as InventoryRow
  return (batch, visit) => {
    const { text, bytes, inBytes, keys, start } = rows.begin(batch)
    const { cols, count, firstRow, selected, keysUtf8 } = batch
    const m = selected === undefined ? count : selected.length
    for (let k = selected === undefined ? start : 0; k < m; k++) {
      const i = selected === undefined ? k : selected[k]
      if (i < start) continue
      try {
        fill(row, text, bytes, inBytes, keys, keysUtf8, cols, dicts, i)
      } catch (err) {
        throw valueErrorToInventoryError(err, file, firstRow + i, 'key')
      }
      // Outside the try: what the callback throws is its own error, not this row's.
      visit(row)
    }
  }
}

function rowFields(options: RowBuilderOptions) {
  return options.spec.slice(0, options.outputs).map((c, j) => ({ name: c.name, kind: c.kind, column: j }))
}

/** What building and visiting rows share: the file's dictionaries, the batch's text and bytes. */
function batchRows(options: RowBuilderOptions) {
  const { spec } = options
  const startRow = options.startRow ?? 0
  // Keeps its identity (its entries are replaced on a reset), so it can be handed out once.
  const dicts: string[][] = spec.map(() => [])

  function begin(batch: ColumnarBatch) {
    for (let j = 0; j < spec.length; j++) {
      if (batch.dictResets[j]) dicts[j] = []
      const adds = batch.dictAdds[j]
      if (adds) for (const v of adds) dicts[j].push(v)
    }
    const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.length) as FastBuffer
    const inBytes = batch.ascii ? bytes.length : -1
    const keys = Buffer.from(batch.keys.buffer, batch.keys.byteOffset, batch.keys.length) as FastBuffer
    const start = batch.firstRow < startRow ? Math.min(batch.count, startRow - batch.firstRow) : 0
    return { text: batch.text, bytes, inBytes, keys, start }
  }

  return { begin, dicts }
}

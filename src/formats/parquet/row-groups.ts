/**
 * Row groups → windows of rows: per row group only the column chunks the read needs are fetched
 * (chunks.ts, or the integrity strategy's sequential fetch), decoded a page at a time (pages.ts) and
 * cut into windows of at most BATCH rows, as JS values per column. After the last row group the
 * file's MD5 is checked, before the generator returns: a caller that holds its last batch until then
 * never releases rows of a file that fails verification.
 */
import type { ByteSource } from '../../sources/source.js'
import type { Expected } from '../../sources/verify.js'
import { chunkRange, fetchChunks, preloaded, span, type ChunkBytes } from './chunks.js'
import { notUtf8 } from '../format.js'
import { corrupt, parquetError, type FileId } from './errors.js'
import type { Footer } from './footer.js'
import { integrity } from './integrity.js'
import { PARQUET_LIMITS } from './limits.js'
import { columnPages, materialize, type PageValues, type ValueMode } from './pages.js'
import type { RowGroupSpan } from './plan.js'
import type { ColumnDesc } from './values.js'

/**
 * Rows per window (and per yielded batch). 4,096 kept ~50k rows alive across 4 files (queue, held and
 * window), and young-generation GC copied them: scavenges took 0.73 s of a 2M-row read; 1,024: 0.30 s.
 */
export const BATCH = 1024

/** `values[j][i]`: column j's value (undefined for null) of the window's i-th row; arrays are reused by the next window. */
export interface Window {
  values: unknown[][]
  n: number
  /** Row index (in the file) of the window's first row. */
  firstRow: number
}

export interface RowGroupRead {
  source: ByteSource
  file: FileId
  footer: Footer
  /** The columns to decode, in file order, and how each one's values are mapped. */
  columns: readonly ColumnDesc[]
  modes: readonly ValueMode[]
  rowGroups: readonly RowGroupSpan[]
  startRow: number
  expected?: Expected
  readSize: number
  signal: AbortSignal
}

/** A bytes page's value i, for an error (dictionary values are already text). */
function rawBytes(p: PageValues, i: number): Uint8Array | undefined {
  return p.kind === 'bytes' ? p.buf.subarray(p.starts[i], p.ends[i]) : undefined
}

export async function* readWindows(o: RowGroupRead): AsyncGenerator<Window> {
  const { footer, file, signal } = o
  // A read of no column (an inventory read with columns: []) still decodes the first one, after the
  // caller's (none): the row groups' counts are checked against pages, never trusted alone.
  const columns = o.columns.length > 0 || footer.columns.length === 0 ? o.columns : footer.columns.slice(0, 1)
  const modes = o.columns.length > 0 ? o.modes : [{}]
  if (footer.columns.length === 0 && footer.meta.numRows > PARQUET_LIMITS.unbackedRows) {
    throw parquetError(file, 'LIMIT_EXCEEDED', 'The file declares rows but has no column to hold them.', { expected: `at most ${PARQUET_LIMITS.unbackedRows} rows`, actual: `${footer.meta.numRows} rows` })
  }
  const check = integrity(o.source, footer, footer.meta.rowGroups.map((rg) => span(rg.columns)), o)
  try {
    for (const { index: g, firstRow, meta: rg } of o.rowGroups) {
      signal.throwIfAborted()
      const chunks = columns.map((c) => rg.columns[c.leaf])
      let bytesFor: (j: number) => ChunkBytes
      if (check.fetch) {
        const [a, b] = span(rg.columns)
        const buf = await check.fetch(a, b)
        bytesFor = (j) => preloaded(buf, a, chunkRange(chunks[j]))
      } else {
        bytesFor = await fetchChunks(chunks, o.readSize, footer.slice)
      }
      const pages = chunks.map((c, j) => columnPages(bytesFor(j), columns[j], c, rg.numRows, modes[j], file))
      const win: unknown[][] = chunks.map(() => new Array(Math.min(BATCH, rg.numRows)))
      const page: (PageValues | undefined)[] = chunks.map(() => undefined)
      const offs: number[] = chunks.map(() => 0)
      let left = rg.numRows
      let r = firstRow
      while (left > 0) {
        // Windows of at most BATCH rows: JS values (strings, numbers) exist only for the window being
        // built, and buffering limits apply at row granularity even when a writer puts a whole row
        // group in one page (DuckDB does).
        let n = Math.min(left, BATCH)
        signal.throwIfAborted()
        for (let j = 0; j < chunks.length; j++) {
          // Empty pages are passed over; each read consumes bytes of the chunk, so this ends.
          while (page[j] === undefined || offs[j] >= page[j]!.n) {
            const next = await pages[j].next()
            if (!next) {
              throw corrupt(file, 'A column ends before its row group has all its rows.', { column: columns[j].name, offset: chunkRange(chunks[j])[0], expected: `${rg.numRows} values (row group ${g})`, actual: `${pages[j].valuesRead} values` })
            }
            page[j] = next
            offs[j] = 0
          }
          n = Math.min(n, page[j]!.n - offs[j])
        }
        // Rows before a resume cursor are not materialized at all.
        const skip = Math.min(n, Math.max(0, o.startRow - r))
        for (let j = 0; j < chunks.length; j++) {
          const bad = materialize(page[j]!, offs[j] + skip, n - skip, win[j])
          if (bad >= 0) throw notUtf8(file, r + skip + bad, o.modes[j].field?.name ?? columns[j].name, rawBytes(page[j]!, offs[j] + skip + bad))
        }
        for (let j = 0; j < chunks.length; j++) offs[j] += n
        left -= n
        if (n - skip > 0) yield { values: win, n: n - skip, firstRow: r + skip }
        r += n
      }
    }
    // Integrity before the caller releases its last rows.
    await check.finish()
  } finally {
    await check.close()
  }
}

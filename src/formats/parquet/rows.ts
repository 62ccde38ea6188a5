/**
 * A Parquet data file → batches of rows. Footer first (one ranged read of the file's tail), then per
 * row group only the column chunks the rows and the filter need, fetched in bounded windows, decoded
 * a page at a time and zipped into rows. Row groups whose key statistics exclude a prefix filter, or
 * that lie entirely before a resume cursor, are never fetched.
 */
import { createHash, type Hash } from 'node:crypto'
import { S3InventoryError, type ErrorCode, type ErrorContext } from '../../errors.js'
import { emptyFilterInput, FILTER_FIELDS, type CompiledFilter } from '../../filter.js'
import { columnRowFactory, columnRowFiller, type ColumnPlan } from '../../schema/build.js'
import { fieldForColumnName } from '../../schema/fields.js'
import type { DataFileRef, InventoryRow } from '../../schema/row.js'
import type { ByteSource } from '../../sources/source.js'
import { checkEnd, type Expected } from '../../sources/verify.js'
import { columnPages, materialize, type ChunkBytes, type PageValues } from './column.js'
import { parseFileMeta, type ColumnChunkMeta, type FileMeta } from './metadata.js'

export interface ParquetReadOptions {
  columns?: readonly string[]
  filter?: CompiledFilter
  startRow: number
  verify: boolean
  expected: Expected
  /** Bytes fetched per request / buffered per file. Default 16 MiB. */
  readSize?: number
  signal: AbortSignal
  /**
   * Aggregations: each row goes to `each` as one reused object (valid only during the call) instead
   * of being yielded; nothing is yielded. A file that fails its MD5 check fails after its rows were
   * visited, so the caller discards what it aggregated.
   */
  each?: (row: InventoryRow) => void
}

const DEFAULT_PARQUET_READ_SIZE = 16 * 1024 * 1024
const TAIL_GUESS = 64 * 1024
const MAGIC = 0x31524150 // "PAR1" little-endian
/**
 * Rows per window (and per yielded batch). 4,096 kept ~50k rows alive across 4 files (queue, held and
 * window), and young-generation GC copied them: scavenges took 0.73 s of a 2M-row read; 1,024: 0.30 s.
 */
const BATCH = 1024

export async function* readParquetRows(source: ByteSource, ref: DataFileRef, o: ParquetReadOptions): AsyncGenerator<InventoryRow[]> {
  const { signal } = o
  const readSize = Math.max(64 * 1024, o.readSize ?? DEFAULT_PARQUET_READ_SIZE)
  const fail = (message: string, offset?: number, cause?: unknown, { code = 'PARQUET_CORRUPT', ...more }: ErrorContext & { code?: ErrorCode } = {}) =>
    new S3InventoryError(code, message, { ...more, bucket: ref.bucket, key: ref.key, offset, cause })
  // The tail (footer) and the object's real size in one request; the size is checked against the
  // manifest before anything is read at an offset computed from it.
  // A file the manifest says fits in one read is fetched whole by this one request.
  const hint = o.expected.size
  const end = await source.tail(hint !== undefined && hint <= readSize ? Math.max(hint, 12) : TAIL_GUESS, signal, hint)
  const size = end.size
  if (o.verify) checkEnd(ref, { size: o.expected.size }, size, undefined)
  if (size < 12) throw fail(`file is ${size} bytes, too small to be Parquet`, 0)

  // Small files: one read for everything (and the MD5 comes for free).
  const whole = size <= readSize ? (size <= end.bytes.length ? asBuffer(end.bytes) : asBuffer(await source.slice(0, size, signal))) : undefined
  if (whole && o.verify) checkEnd(source.ref, o.expected, whole.length, createHash('md5').update(whole).digest('hex'))
  const slice = async (start: number, stop: number): Promise<Buffer> =>
    whole ? whole.subarray(start, stop) : asBuffer(await source.slice(start, stop, signal))

  const tailStart = size - end.bytes.length
  const tail = asBuffer(end.bytes)
  if (tail.readUInt32LE(tail.length - 4) !== MAGIC) throw fail('missing PAR1 magic at the end of the file (not Parquet, or truncated)', size - 4)
  const footerLen = tail.readUInt32LE(tail.length - 8)
  const footerStart = size - 8 - footerLen
  if (footerLen <= 0 || footerStart < 4) throw fail(`footer length ${footerLen} does not fit in a ${size}-byte file`, size - 8)
  const footer = footerStart >= tailStart ? tail.subarray(footerStart - tailStart, tail.length - 8) : await slice(footerStart, size - 8)
  let meta: FileMeta
  try {
    meta = parseFileMeta(footer)
  } catch (err) {
    throw fail(`broken footer (${(err as Error).message})`, footerStart, err)
  }

  const leaves = meta.schema.slice(1)
  if (leaves.some((l) => (l.numChildren ?? 0) > 0 || l.repetition === 2)) {
    throw new S3InventoryError('UNSUPPORTED_FORMAT', 'nested Parquet schemas are not inventory files', { bucket: ref.bucket, key: ref.key })
  }
  const fields = leaves.map((l) => fieldForColumnName(l.name))
  const wanted = o.columns ? new Set(o.columns) : undefined
  const filter = o.filter
  const needed = fields.map((f) => !wanted || wanted.has(f.name) || (filter?.fields.has(f.name) ?? false))
  const neededIdx = needed.flatMap((n, i) => (n ? [i] : []))
  const outPlan: ColumnPlan[] = neededIdx.flatMap((leafIdx, j) => (!wanted || wanted.has(fields[leafIdx].name) ? [{ field: fields[leafIdx], index: j }] : []))
  const make = columnRowFactory(outPlan, ref)
  const each = o.each
  const fill = each && columnRowFiller(outPlan)
  const view = {} as InventoryRow
  const filterAt = (name: string) => (filter?.fields.has(name) ? neededIdx.findIndex((i) => fields[i].name === name) : -1)
  const [kJ, sJ, cJ, dJ, lJ, mJ] = FILTER_FIELDS.map(filterAt)
  const keyLeaf = fields.findIndex((f) => f.name === 'key')
  const input = emptyFilterInput()

  // MD5: when row groups fit the read size, each one is fetched whole, in file order, and hashed as it
  // arrives (the gaps between them too) — even with a projection or skipped row groups, whose bytes are
  // then read for the hash only. Otherwise a separate sequential read hashes the file. With verify off,
  // only the needed column chunks are fetched. See docs/reliability.md.
  const rgSpans = meta.rowGroups.map((rg) => span(rg.columns))
  const sequential = rgSpans.every(([a, b]) => b - a <= readSize)
  let hasher: SequentialHasher | undefined
  let sideHash: Promise<string> | undefined
  const sideAbort = new AbortController()
  const onAbort = () => sideAbort.abort(signal.reason)
  if (o.verify && !whole) {
    if (sequential) hasher = sequentialHasher(slice, readSize)
    else {
      signal.addEventListener('abort', onAbort, { once: true })
      sideHash = hashStream(source.stream(0, size, sideAbort.signal))
      sideHash.catch(() => {})
    }
  }

  try {
    let held: InventoryRow[] | undefined
    let firstRow = 0
    for (let g = 0; g < meta.rowGroups.length; g++) {
      const rg = meta.rowGroups[g]
      const rgFirst = firstRow
      firstRow += rg.numRows
      if (rg.columns.length !== leaves.length) throw fail(`row group ${g} has ${rg.columns.length} columns, schema has ${leaves.length}`, footerStart)
      if (firstRow <= o.startRow) continue
      if (filter?.prefixes && keyLeaf >= 0 && excludedByPrefix(rg.columns[keyLeaf], filter.prefixes)) continue

      const chunks = neededIdx.map((i) => rg.columns[i])
      for (const c of chunks) {
        const [a, b] = chunkRange(c)
        if (a < 4 || b > footerStart) throw fail(`column chunk ${c.path.join('.')} of row group ${g} lies outside the data area`, a)
      }
      let bytesFor: (j: number) => ChunkBytes
      if (hasher) {
        const [a, b] = rgSpans[g]
        const buf = await slice(a, b)
        await hasher.update(a, buf)
        bytesFor = (j) => preloaded(buf, a, chunkRange(chunks[j]))
      } else {
        bytesFor = await fetchChunks(chunks, readSize, slice)
      }
      const pages = chunks.map((c, j) => columnPages(bytesFor(j), leaves[neededIdx[j]], c, fields[neededIdx[j]], fail))
      const win: unknown[][] = chunks.map(() => new Array(BATCH))
      const zeros: number[] = chunks.map(() => 0)
      const page: (PageValues | undefined)[] = chunks.map(() => undefined)
      const offs: number[] = chunks.map(() => 0)
      let left = rg.numRows
      let r = rgFirst
      while (left > 0) {
        // Windows of at most BATCH rows: JS values (strings, numbers) exist only for the window being
        // built, and buffering limits apply at row granularity even when a writer puts a whole row
        // group in one page (DuckDB does).
        let n = Math.min(left, BATCH)
        for (let j = 0; j < chunks.length; j++) {
          const p = page[j]
          if (p === undefined || offs[j] >= p.n) {
            const next = await pages[j].next()
            if (!next) throw fail(`column ${chunks[j].path.join('.')} ends before row group ${g}'s ${rg.numRows} rows`, chunkRange(chunks[j])[0])
            page[j] = next
            offs[j] = 0
          }
          n = Math.min(n, page[j]!.n - offs[j])
        }
        // Rows before a resume cursor are not materialized at all.
        const skip = Math.min(n, Math.max(0, o.startRow - r))
        for (let j = 0; j < chunks.length; j++) materialize(page[j]!, offs[j] + skip, n - skip, win[j])
        r += skip
        const batch: InventoryRow[] = []
        for (let i = 0; i < n - skip; i++, r++) {
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
            each!(view)
          } else batch.push(make(win, zeros, i, r))
        }
        if (each) signal.throwIfAborted() // nothing is yielded, so check here
        for (let j = 0; j < chunks.length; j++) offs[j] += n
        left -= n
        if (batch.length > 0) {
          if (held) yield held
          held = batch
        }
      }
    }
    // Integrity before the last batch is released.
    if (hasher) checkEnd(source.ref, o.expected, size, await hasher.finish(size, tailStart, tail))
    if (sideHash) checkEnd(source.ref, o.expected, size, await sideHash)
    if (held) yield held
  } finally {
    signal.removeEventListener('abort', onAbort)
    sideAbort.abort()
    if (sideHash) await sideHash.catch(() => {})
  }
}

/** A Buffer view of the same memory (Buffer.from(uint8array) would copy). */
function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.length)
}

/** [start, end) of a column chunk: from its dictionary page if it has one. */
function chunkRange(c: ColumnChunkMeta): [number, number] {
  const d = c.dictionaryPageOffset
  // Some writers put 0 here when there is no dictionary.
  const start = d !== undefined && d > 0 && d < c.dataPageOffset ? d : c.dataPageOffset
  return [start, start + c.totalCompressedSize]
}

function span(columns: ColumnChunkMeta[]): [number, number] {
  let a = Infinity
  let b = 0
  columns.forEach((c) => {
    const [s, e] = chunkRange(c)
    a = Math.min(a, s)
    b = Math.max(b, e)
  })
  return [a === Infinity ? 0 : a, b]
}

/**
 * Byte access for each needed chunk. Adjacent chunks that together fit `readSize` are fetched in one
 * request; a chunk larger than its share of `readSize` is read in windows as its pages are consumed.
 */
async function fetchChunks(chunks: ColumnChunkMeta[], readSize: number, slice: (a: number, b: number) => Promise<Buffer>): Promise<(j: number) => ChunkBytes> {
  const ranges = chunks.map(chunkRange)
  const order = ranges.map((_, j) => j).sort((x, y) => ranges[x][0] - ranges[y][0])
  const window = Math.max(256 * 1024, Math.floor(readSize / Math.max(1, chunks.length)))
  const result: ((() => ChunkBytes) | undefined)[] = new Array(chunks.length)
  let k = 0
  while (k < order.length) {
    // Grow a run of chunks while they are (nearly) contiguous and the run fits the read size.
    const first = order[k]
    let [a, b] = ranges[first]
    const members = [first]
    while (k + 1 < order.length) {
      const [s, e] = ranges[order[k + 1]]
      if (s - b > 64 * 1024 || Math.max(b, e) - a > readSize) break
      b = Math.max(b, e)
      members.push(order[++k])
    }
    k++
    if (b - a <= readSize) {
      const buf = await slice(a, b)
      for (const j of members) result[j] = () => preloaded(buf, a, ranges[j])
    } else {
      for (const j of members) result[j] = () => windowed(slice, ranges[j], window)
    }
  }
  return (j) => result[j]!()
}

function preloaded(buf: Buffer, bufStart: number, [start, end]: [number, number]): ChunkBytes {
  let pos = start
  return {
    peek: async (n) => buf.subarray(pos - bufStart, Math.min(end, pos + n) - bufStart),
    skip: (n) => {
      pos += n
    },
    get remaining() {
      return end - pos
    },
    get offset() {
      return pos
    },
  }
}

function windowed(slice: (a: number, b: number) => Promise<Buffer>, [start, end]: [number, number], window: number): ChunkBytes {
  let pos = start
  let buf: Buffer = Buffer.alloc(0)
  let bufStart = start
  return {
    async peek(n) {
      const want = Math.min(end, pos + n)
      if (want > bufStart + buf.length) {
        const keep = buf.subarray(pos - bufStart)
        const more = await slice(bufStart + buf.length, Math.min(end, Math.max(want, pos + window)))
        buf = keep.length ? Buffer.concat([keep, more]) : more
        bufStart = pos
      }
      return buf.subarray(pos - bufStart, want - bufStart)
    },
    skip(n) {
      pos += n
      if (pos - bufStart >= buf.length) {
        // Drop consumed bytes as soon as possible.
        buf = Buffer.alloc(0)
        bufStart = pos
      }
    },
    get remaining() {
      return end - pos
    },
    get offset() {
      return pos
    },
  }
}

interface SequentialHasher {
  update(at: number, buf: Buffer): Promise<void>
  finish(size: number, tailStart: number, tail: Buffer): Promise<string>
}

/**
 * MD5 over bytes fetched in file order. Gaps (the magic, page indexes, row groups skipped by a cursor or
 * a prefix filter) are read here, in windows of at most `window` bytes.
 */
function sequentialHasher(slice: (a: number, b: number) => Promise<Buffer>, window: number): SequentialHasher {
  const hash: Hash = createHash('md5')
  let done = 0
  const fill = async (to: number) => {
    while (done < to) {
      const stop = Math.min(to, done + window)
      hash.update(await slice(done, stop))
      done = stop
    }
  }
  return {
    async update(at, buf) {
      await fill(at)
      if (at + buf.length > done) hash.update(buf.subarray(done - at))
      done = Math.max(done, at + buf.length)
    },
    async finish(size, tailStart, tail) {
      await fill(tailStart)
      if (size > done) hash.update(tail.subarray(done - tailStart))
      return hash.digest('hex')
    },
  }
}

async function hashStream(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('md5')
  for await (const c of chunks) hash.update(c)
  return hash.digest('hex')
}

/** True when the key column's min/max statistics prove no key in the row group starts with any prefix. */
function excludedByPrefix(keyChunk: ColumnChunkMeta, prefixes: readonly string[]): boolean {
  const min = keyChunk.statistics?.minValue
  const max = keyChunk.statistics?.maxValue
  if (!min && !max) return false
  return prefixes.every((p) => {
    const pb = Buffer.from(p, 'utf8')
    // max (an upper bound, or a truncated prefix of the true max): below P and not a prefix of P.
    if (max && Buffer.compare(max, pb) < 0 && !startsWith(pb, max)) return true
    // min (a lower bound): its first |P| bytes already sort after P.
    if (min && Buffer.compare(min.subarray(0, pb.length), pb) > 0) return true
    return false
  })
}

function startsWith(s: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > s.length) return false
  for (let i = 0; i < prefix.length; i++) if (s[i] !== prefix[i]) return false
  return true
}


/**
 * One column chunk, page by page: header → checks → decompress (capped at the declared size) →
 * definition levels → values (encoding.ts) → the column's JS values (values.ts), kept typed until a
 * window of rows needs them (`materialize`). Only one page of values per column is held at a time.
 * Every count a header declares is checked against the rows its row group has left and the
 * documented limits before anything is allocated from it.
 */
import { isAscii, isUtf8 } from 'node:buffer'
import type { FastBuffer } from '../../codecs/buffers.js'
import { decompress as decompressBlock, type CodecName } from '../../codecs/decompress.js'
import { DateRangeError, MAX_EPOCH_MS } from '../../schema/exact.js'
import type { FieldDef } from '../../schema/fields.js'
import type { ChunkBytes } from './chunks.js'
import { bitWidthOf, decodePlain, decodeValues, EncodingError, int32, plainInt32AsNumbers, plainInt64AsNumbers, readHybrid, type Physical, type Reader } from './encoding.js'
import { corrupt, decodeFailure, parquetError, SUPPORTED_CODECS, type FileId } from './errors.js'
import { PARQUET_LIMITS } from './limits.js'
import { Codec, CODEC_NAMES, Encoding, PageType, PhysicalType, parsePageHeader, type ColumnChunkMeta, type PageHeader } from './metadata.js'
import { ThriftError } from './thrift.js'
import { generalValue, inventoryValue, isTextColumn, NOT_UTF8, toMillis, type ColumnDesc, type ValueOf } from './values.js'

/**
 * One data page's values, kept in typed form (no JS string or number object per value): strings are
 * made for the rows actually built, by `materialize`. Nulls: NaN, -1, or a start of -1.
 */
export type PageValues =
  | { kind: 'num'; n: number; values: Float64Array }
  | { kind: 'bool'; n: number; values: Int8Array }
  | { kind: 'dict'; n: number; ids: Int32Array; dict: unknown[]; notUtf8: boolean }
  | { kind: 'bytes'; n: number; buf: Buffer; starts: Int32Array; ends: Int32Array; ascii: boolean; strict: boolean }
  | { kind: 'any'; n: number; values: unknown[] }

export interface ColumnPages {
  /** Values of the next data page, or undefined at the chunk's end. */
  next(): Promise<PageValues | undefined>
  /** Values read so far (the row group checks every column reached its row count). */
  readonly valuesRead: number
}

interface RawPage {
  header: PageHeader
  data: Buffer
  offset: number
}

/** How values are mapped: a known inventory field's row type, or the general mapping. */
export type ValueMode = { field: FieldDef } | { field?: undefined }

/**
 * Writes page values [from, from + count) into `out` as JS values (undefined for null). Returns -1,
 * or the index in `out` of the first value that is not UTF-8 where text must be (inventory fields).
 */
export function materialize(p: PageValues, from: number, count: number, out: unknown[]): number {
  switch (p.kind) {
    case 'num': {
      const v = p.values
      for (let i = 0; i < count; i++) {
        const x = v[from + i]
        out[i] = x === x ? x : undefined
      }
      return -1
    }
    case 'bool': {
      const v = p.values
      for (let i = 0; i < count; i++) {
        const x = v[from + i]
        out[i] = x === 1 ? true : x === 0 ? false : undefined
      }
      return -1
    }
    case 'dict': {
      const { ids, dict } = p
      for (let i = 0; i < count; i++) {
        const x = ids[from + i]
        out[i] = x < 0 ? undefined : dict[x]
      }
      if (p.notUtf8) for (let i = 0; i < count; i++) if (out[i] === NOT_UTF8) return i
      return -1
    }
    case 'bytes': {
      const { starts, ends } = p
      const b = p.buf as FastBuffer
      if (p.ascii) {
        for (let i = 0; i < count; i++) {
          const s = starts[from + i]
          out[i] = s < 0 ? undefined : b.latin1Slice(s, ends[from + i])
        }
      } else {
        // Only pages with non-ASCII bytes pay for the check, and only values that decode with a U+FFFD in them
        // (the decoder's mark for bad bytes, or a real U+FFFD) are checked byte by byte: a Buffer view per
        // value made Parquet rows 15% slower on realistic keys.
        for (let i = 0; i < count; i++) {
          const s = starts[from + i]
          if (s < 0) {
            out[i] = undefined
            continue
          }
          const v = b.utf8Slice(s, ends[from + i])
          if (p.strict && v.includes('\uFFFD') && !isUtf8(b.subarray(s, ends[from + i]))) return i
          out[i] = v
        }
      }
      return -1
    }
    default:
      for (let i = 0; i < count; i++) out[i] = p.values[from + i]
      return -1
  }
}

const CODECS: Record<number, CodecName> = {
  [Codec.UNCOMPRESSED]: 'UNCOMPRESSED',
  [Codec.SNAPPY]: 'SNAPPY',
  [Codec.GZIP]: 'GZIP',
  [Codec.BROTLI]: 'BROTLI',
  [Codec.LZ4]: 'LZ4_HADOOP',
  [Codec.ZSTD]: 'ZSTD',
  [Codec.LZ4_RAW]: 'LZ4_RAW',
}

/**
 * The pages of one column chunk. `rows`: the row group's row count (a flat column has one value per
 * row, so no page may hold more values than the rows left).
 */
export function columnPages(bytes: ChunkBytes, col: ColumnDesc, chunk: ColumnChunkMeta, rows: number, mode: ValueMode, file: FileId): ColumnPages {
  const maxDef = col.maxDef
  const type = col.type
  const field = mode.field
  const column = field?.name ?? col.name
  const codec = CODECS[chunk.codec]
  if (codec === undefined) {
    const name = CODEC_NAMES[chunk.codec] ?? `codec ${chunk.codec}`
    throw parquetError(file, 'UNSUPPORTED_CODEC', 'The column is compressed with a codec this reader does not decode.', { column, offset: chunk.dataPageOffset, expected: SUPPORTED_CODECS, actual: name })
  }
  const valueOf: ValueOf = field ? inventoryValue(col, field) : generalValue(col)
  const keepBytes = field ? field.type === 'string' || field.type === 'key' : isTextColumn(col)
  const toMs = field?.type === 'date' ? toMillis(col) : undefined
  let dictionary: unknown[] | undefined
  let dictionaryNotUtf8 = false
  let valuesRead = 0
  let scratch: Uint8Array | undefined

  function inflate(data: Buffer, size: number): Buffer {
    // Pages of one column are consumed in order: the previous page's buffer can be reused (Snappy).
    const out = decompressBlock(codec, data, size, true, codec === 'SNAPPY' ? scratch : undefined)
    if (codec === 'SNAPPY' && out.buffer !== scratch?.buffer) scratch = new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
    return Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength)
  }

  async function next(): Promise<PageValues | undefined> {
    for (;;) {
      const page = await readPage(bytes, rows - valuesRead, file, column)
      if (!page) return undefined
      const { header, data, offset } = page
      try {
        if (header.type === PageType.DICTIONARY_PAGE) {
          const plain = inflate(data, header.uncompressedSize)
          const r: Reader = { buf: plain, pos: 0, end: plain.length }
          const values = decodePlain(r, type, header.numValues, col.typeLength)
          const dict: unknown[] = new Array(header.numValues)
          dictionaryNotUtf8 = false
          for (let i = 0; i < dict.length; i++) if ((dict[i] = valueOf(values, i)) === NOT_UTF8) dictionaryNotUtf8 = true
          dictionary = dict
          continue
        }
        if (header.type === PageType.DATA_PAGE) {
          const plain = inflate(data, header.uncompressedSize)
          const r: Reader = { buf: plain, pos: 0, end: plain.length }
          const n = header.numValues
          let defs: Uint8Array | undefined
          if (maxDef > 0) {
            defs = new Uint8Array(n)
            if (header.defEncoding === Encoding.BIT_PACKED) readBitPackedLevels(r, n, defs)
            else {
              const len = int32(r)
              if (len < 0 || len > r.end - r.pos) throw new EncodingError('definition levels run past the end of the page')
              readHybrid({ buf: r.buf, pos: r.pos, end: r.pos + len }, bitWidthOf(maxDef), n, defs)
              r.pos += len
            }
          }
          valuesRead += n
          return pageValues(r, header.encoding, n, defs, { col, field, dictionary, dictionaryNotUtf8, valueOf, keepBytes, toMs })
        }
        if (header.type === PageType.DATA_PAGE_V2) {
          const n = header.numValues
          const repLen = header.repLevelsLength ?? 0
          const defLen = header.defLevelsLength ?? 0
          if (repLen + defLen > data.length || repLen + defLen > header.uncompressedSize) throw new EncodingError('page levels longer than the page')
          if ((header.numRows ?? n) !== n) throw new EncodingError(`a flat column's page has ${n} values but ${header.numRows} rows`)
          let defs: Uint8Array | undefined
          if (maxDef > 0) {
            defs = new Uint8Array(n)
            readHybrid({ buf: data, pos: repLen, end: repLen + defLen }, bitWidthOf(maxDef), n, defs)
            let nulls = 0
            for (let i = 0; i < n; i++) if (defs[i] !== maxDef) nulls++
            if (header.numNulls !== undefined && nulls !== header.numNulls) throw new EncodingError(`page says ${header.numNulls} nulls, its levels hold ${nulls}`)
          }
          const body = data.subarray(repLen + defLen)
          const plain = header.isCompressed === false ? body : inflate(body, header.uncompressedSize - repLen - defLen)
          valuesRead += n
          return pageValues({ buf: plain, pos: 0, end: plain.length }, header.encoding, n, defs, { col, field, dictionary, dictionaryNotUtf8, valueOf, keepBytes, toMs })
        }
        // INDEX_PAGE and unknown page types carry no values.
      } catch (err) {
        throw decodeFailure(err, file, 'page', { column, offset })
      }
    }
  }

  return {
    next,
    get valuesRead() {
      return valuesRead
    },
  }
}

/**
 * The next page of a chunk, its header checked: within the chunk, a declared size within the limit, and
 * (data pages) no more values than the `left` rows of its row group, or the limit.
 */
async function readPage(bytes: ChunkBytes, left: number, file: FileId, column: string): Promise<RawPage | undefined> {
  if (bytes.remaining <= 0 || left <= 0) return undefined
  const offset = bytes.offset
  let want = Math.min(bytes.remaining, 256)
  let parsed: ReturnType<typeof parsePageHeader>
  for (;;) {
    const b = await bytes.peek(want)
    try {
      parsed = parsePageHeader(b, 0)
      break
    } catch (err) {
      if (err instanceof ThriftError && err.truncated && want < bytes.remaining) {
        if (want >= PARQUET_LIMITS.pageHeaderBytes) throw parquetError(file, 'LIMIT_EXCEEDED', 'A page header is longer than the documented limit.', { column, offset, expected: `at most ${PARQUET_LIMITS.pageHeaderBytes} bytes` })
        want = Math.min(bytes.remaining, want * 4, PARQUET_LIMITS.pageHeaderBytes)
        continue
      }
      throw decodeFailure(err, file, 'page header', { column, offset })
    }
  }
  bytes.skip(parsed.end)
  const { header } = parsed
  if (header.compressedSize > bytes.remaining) throw corrupt(file, 'A page runs past the end of its column chunk.', { column, offset, expected: `at most ${bytes.remaining} bytes`, actual: `${header.compressedSize} bytes` })
  if (header.uncompressedSize > PARQUET_LIMITS.pageBytes) {
    throw parquetError(file, 'LIMIT_EXCEEDED', 'A page declares an uncompressed size over the documented limit.', { column, offset, expected: `at most ${PARQUET_LIMITS.pageBytes} bytes`, actual: `${header.uncompressedSize} bytes` })
  }
  if (header.type === PageType.DATA_PAGE || header.type === PageType.DATA_PAGE_V2) {
    if (header.numValues > left) throw corrupt(file, 'A page holds more values than its row group has rows left.', { column, offset, expected: `at most ${left} values`, actual: `${header.numValues} values` })
    if (header.numValues > PARQUET_LIMITS.pageValues) throw parquetError(file, 'LIMIT_EXCEEDED', 'A page holds more values than the documented limit.', { column, offset, expected: `at most ${PARQUET_LIMITS.pageValues}`, actual: String(header.numValues) })
  }
  const raw = await bytes.peek(header.compressedSize)
  const data = raw.length === header.compressedSize ? raw : raw.subarray(0, header.compressedSize)
  bytes.skip(header.compressedSize)
  return { header, data, offset }
}

/** How a column's page values are decoded and mapped (fixed per chunk, but the dictionary). */
interface Decode {
  col: ColumnDesc
  field?: FieldDef
  dictionary?: unknown[]
  /** Some dictionary entry is NOT_UTF8. */
  dictionaryNotUtf8: boolean
  valueOf: ValueOf
  /** Keep BYTE_ARRAY values as spans, strings made per window (text columns). */
  keepBytes: boolean
  toMs?: (v: number) => number
}

/** A data page's values (after its levels) as PageValues: typed fast paths, else value by value. */
function pageValues(r: Reader, enc: number, n: number, defs: Uint8Array | undefined, d: Decode): PageValues {
  const { col, field, dictionary, dictionaryNotUtf8, valueOf, keepBytes, toMs } = d
  const maxDef = col.maxDef
  const type = col.type
  let nonNull = n
  if (defs) {
    nonNull = 0
    for (let i = 0; i < n; i++) if (defs[i] === maxDef) nonNull++
  }
  if (enc === Encoding.PLAIN_DICTIONARY || enc === Encoding.RLE_DICTIONARY) {
    if (!dictionary) throw new EncodingError('dictionary-encoded page without a dictionary page')
    const dense = new Int32Array(nonNull)
    if (nonNull > 0) {
      if (r.pos >= r.end) throw new EncodingError('dictionary indices past end of page')
      const width = r.buf[r.pos++]
      readHybrid(r, width, nonNull, dense)
      const size = dictionary.length
      for (let i = 0; i < nonNull; i++) if (dense[i] >= size || dense[i] < 0) throw new EncodingError(`dictionary index ${dense[i]} out of range (${size} entries)`)
    }
    return { kind: 'dict', n, ids: spread(dense, defs, n, -1, maxDef), dict: dictionary, notUtf8: dictionaryNotUtf8 }
  }
  // Typed fast paths for what inventories contain (and text anywhere); everything else value by value.
  if (field && enc === Encoding.PLAIN && (type === PhysicalType.INT64 || type === PhysicalType.INT32) && (field.type === 'number' || (field.type === 'date' && col.logical?.type === 'TIMESTAMP'))) {
    const dense = type === PhysicalType.INT64 ? plainInt64AsNumbers(r, nonNull) : plainInt32AsNumbers(r, nonNull)
    if (toMs) for (let i = 0; i < nonNull; i++) dense[i] = toMs(dense[i])
    // Milliseconds a Date cannot hold would become Invalid Dates in the rows.
    if (field.type === 'date') for (let i = 0; i < nonNull; i++) if (!(Math.abs(dense[i]) <= MAX_EPOCH_MS)) throw new DateRangeError('timestamp', `${dense[i]} ms since 1970`)
    return { kind: 'num', n, values: spread(dense, defs, n, NaN, maxDef) }
  }
  const phys = decodeValues(r, type, enc, nonNull, col.typeLength)
  if (keepBytes && phys.kind === 'bytes') {
    const ascii = nonNull === 0 || isAscii(phys.buf.subarray(phys.starts[0], phys.ends[nonNull - 1]))
    return { kind: 'bytes', n, buf: phys.buf, starts: spread(phys.starts, defs, n, -1, maxDef), ends: spread(phys.ends, defs, n, -1, maxDef), ascii, strict: field !== undefined }
  }
  if (phys.kind === 'boolean' && (!field || field.type === 'boolean')) {
    const dense = new Int8Array(phys.values.buffer, phys.values.byteOffset, phys.values.length)
    return { kind: 'bool', n, values: spread(dense, defs, n, -1, maxDef) }
  }
  const out: unknown[] = new Array(n)
  let j = 0
  for (let i = 0; i < n; i++) out[i] = !defs || defs[i] === maxDef ? valueOf(phys, j++) : undefined
  return { kind: 'any', n, values: out }
}

/** Dense values → one per row, with `none` where the definition level says null. */
function spread<T extends Int32Array | Float64Array | Int8Array>(dense: T, defs: Uint8Array | undefined, n: number, none: number, maxDef: number): T {
  if (!defs) return dense
  const out = new (dense.constructor as new (n: number) => T)(n)
  let j = 0
  for (let i = 0; i < n; i++) out[i] = defs[i] === maxDef ? dense[j++] : none
  return out
}

function readBitPackedLevels(r: Reader, n: number, out: Uint8Array): void {
  // Deprecated BIT_PACKED levels (bit width 1 for flat optional columns), most significant bit first.
  const bytes = Math.ceil(n / 8)
  if (r.pos + bytes > r.end) throw new EncodingError('definition levels run past the end of the page')
  for (let i = 0; i < n; i++) out[i] = (r.buf[r.pos + (i >> 3)] >> (7 - (i & 7))) & 1
  r.pos += bytes
}

/**
 * One column chunk, page by page: header → decompress → definition levels → values, converted to
 * the row field's type. Only one page of values per column is held at a time.
 */
import type { FastBuffer } from '../../codecs/buffers.js'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { snappyUncompress } from '../../codecs/snappy.js'
import { S3InventoryError, type ErrorCode, type ErrorContext } from '../../errors.js'
import type { FieldDef } from '../../schema/fields.js'
import { parseBoolean, parseDateMs, parseSize, ValueError } from '../../schema/values.js'
import { isAscii } from 'node:buffer'
import { bitWidthOf, decodePlain, decodeValues, EncodingError, int32, readHybrid, type Reader } from './encoding.js'
import { Codec, CODEC_NAMES, Encoding, PageType, PhysicalType, type ColumnChunkMeta, type PageHeader, type SchemaElement } from './metadata.js'
import { parsePageHeader } from './metadata.js'
import { ThriftError } from './thrift.js'

/** Sequential access to the bytes of one column chunk (preloaded, or fetched in windows). */
export interface ChunkBytes {
  /** At least `n` bytes from the current position (fewer only at the chunk's end). */
  peek(n: number): Promise<Buffer>
  skip(n: number): void
  readonly remaining: number
  /** File offset of the current position (for error messages). */
  readonly offset: number
}

/**
 * One data page's values, kept in typed form (no JS string or number object per value): strings are
 * made for the rows actually built, by `materialize`. Nulls: NaN, -1, or a start of -1.
 */
export type PageValues =
  | { kind: 'num'; n: number; values: Float64Array }
  | { kind: 'bool'; n: number; values: Int8Array }
  | { kind: 'dict'; n: number; ids: Int32Array; dict: unknown[] }
  | { kind: 'bytes'; n: number; buf: Buffer; starts: Int32Array; ends: Int32Array; ascii: boolean }
  | { kind: 'any'; n: number; values: unknown[] }

export interface ColumnPages {
  /** Values of the next data page, or undefined at the chunk's end. */
  next(): Promise<PageValues | undefined>
}

/** Writes page values [from, from + count) into `out` as JS values (undefined for null). */
export function materialize(p: PageValues, from: number, count: number, out: unknown[]): void {
  switch (p.kind) {
    case 'num': {
      const v = p.values
      for (let i = 0; i < count; i++) {
        const x = v[from + i]
        out[i] = x === x ? x : undefined
      }
      return
    }
    case 'bool': {
      const v = p.values
      for (let i = 0; i < count; i++) {
        const x = v[from + i]
        out[i] = x === 1 ? true : x === 0 ? false : undefined
      }
      return
    }
    case 'dict': {
      const { ids, dict } = p
      for (let i = 0; i < count; i++) {
        const x = ids[from + i]
        out[i] = x < 0 ? undefined : dict[x]
      }
      return
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
        for (let i = 0; i < count; i++) {
          const s = starts[from + i]
          out[i] = s < 0 ? undefined : b.utf8Slice(s, ends[from + i])
        }
      }
      return
    }
    default:
      for (let i = 0; i < count; i++) out[i] = p.values[from + i]
  }
}


export function columnPages(
  bytes: ChunkBytes,
  leaf: SchemaElement,
  chunk: ColumnChunkMeta,
  field: FieldDef,
  fail: (message: string, offset: number, cause?: unknown, more?: ErrorContext & { code?: ErrorCode }) => S3InventoryError,
): ColumnPages {
  const maxDef = leaf.repetition === 1 ? 1 : 0
  const type = chunk.type
  const convert = converter(leaf, field)
  let dictionary: unknown[] | undefined
  let valuesSeen = 0
  let scratch: Uint8Array | undefined

  async function readPage(): Promise<{ header: PageHeader; data: Buffer; offset: number } | undefined> {
    if (bytes.remaining <= 0 || valuesSeen >= chunk.numValues) return undefined
    const offset = bytes.offset
    let want = Math.min(bytes.remaining, 256)
    let parsed: ReturnType<typeof parsePageHeader>
    for (;;) {
      const b = await bytes.peek(want)
      try {
        parsed = parsePageHeader(b, 0)
        break
      } catch (err) {
        if (err instanceof ThriftError && /ends early/.test(err.message) && want < bytes.remaining && want < 16 * 1024 * 1024) {
          want = Math.min(bytes.remaining, want * 4)
          continue
        }
        throw fail(`cannot read page header (${(err as Error).message})`, offset, err)
      }
    }
    bytes.skip(parsed.end)
    const { header } = parsed
    if (header.compressedSize > bytes.remaining) throw fail('page runs past the end of its column chunk', offset)
    const raw = await bytes.peek(header.compressedSize)
    const data = raw.length === header.compressedSize ? raw : raw.subarray(0, header.compressedSize)
    bytes.skip(header.compressedSize)
    return { header, data, offset }
  }

  function decompress(data: Buffer, size: number, offset: number): Buffer {
    try {
      switch (chunk.codec) {
        case Codec.UNCOMPRESSED:
          return data
        case Codec.SNAPPY: {
          // Pages of one column are consumed in order: the previous page's buffer can be reused.
          const out = snappyUncompress(data, size, scratch)
          if (out.buffer !== scratch?.buffer) scratch = new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
          return out
        }
        case Codec.GZIP:
          return gunzipSync(data)
        case Codec.BROTLI:
          return brotliDecompressSync(data)
        default:
          throw fail(`Parquet codec ${CODEC_NAMES[chunk.codec] ?? chunk.codec} is not supported`, offset, undefined, {
            code: 'UNSUPPORTED_CODEC',
            column: field.name,
            expected: 'UNCOMPRESSED, SNAPPY, GZIP or BROTLI',
            actual: CODEC_NAMES[chunk.codec] ?? String(chunk.codec),
          })
      }
    } catch (err) {
      if (err instanceof S3InventoryError) throw err
      throw fail(`cannot decompress page (${(err as Error).message})`, offset, err)
    }
  }

  async function next(): Promise<PageValues | undefined> {
    for (;;) {
      const page = await readPage()
      if (!page) return undefined
      const { header, data, offset } = page
      try {
        if (header.type === PageType.DICTIONARY_PAGE) {
          const plain = decompress(data, header.uncompressedSize, offset)
          const r: Reader = { buf: plain, pos: 0, end: plain.length }
          const values = decodePlain(r, type, header.numValues, leaf.typeLength)
          dictionary = convert ? values.map(convert) : values
          continue
        }
        if (header.type === PageType.DATA_PAGE) {
          const plain = decompress(data, header.uncompressedSize, offset)
          const r: Reader = { buf: plain, pos: 0, end: plain.length }
          const n = header.numValues
          let defs: Int32Array | undefined
          if (maxDef > 0) {
            defs = new Int32Array(n)
            if (header.defEncoding === Encoding.BIT_PACKED) readBitPackedLevels(r, n, defs)
            else {
              const len = int32(r)
              const sub: Reader = { buf: r.buf, pos: r.pos, end: Math.min(r.end, r.pos + len) }
              readHybrid(sub, bitWidthOf(maxDef), n, defs)
              r.pos += len
            }
          }
          valuesSeen += n
          return expand(r, header, n, defs)
        }
        if (header.type === PageType.DATA_PAGE_V2) {
          const n = header.numValues
          const levelsLen = (header.repLevelsLength ?? 0) + (header.defLevelsLength ?? 0)
          if (levelsLen > data.length) throw fail('page levels longer than the page', offset)
          let defs: Int32Array | undefined
          if (maxDef > 0) {
            defs = new Int32Array(n)
            const start = header.repLevelsLength ?? 0
            readHybrid({ buf: data, pos: start, end: start + (header.defLevelsLength ?? 0) }, bitWidthOf(maxDef), n, defs)
          }
          const body = data.subarray(levelsLen)
          const plain = header.isCompressed === false ? body : decompress(body, header.uncompressedSize - levelsLen, offset)
          valuesSeen += n
          return expand({ buf: plain, pos: 0, end: plain.length }, header, n, defs)
        }
        // INDEX_PAGE and unknown page types carry no values.
      } catch (err) {
        if (err instanceof S3InventoryError) throw err
        // A value the schema cannot hold (an impossible date, a negative size): name the column and the page.
        if (err instanceof ValueError) throw fail(`cannot read ${leaf.name}`, offset, undefined, { code: err.code, column: field.name, expected: err.expected, actual: err.actual })
        throw fail(`cannot decode page of column ${leaf.name} (${(err as Error).message})`, offset, err)
      }
    }
  }

  function expand(r: Reader, header: PageHeader, n: number, defs: Int32Array | undefined): PageValues {
    let nonNull = n
    if (defs) {
      nonNull = 0
      for (let i = 0; i < n; i++) if (defs[i] === maxDef) nonNull++
    }
    const enc = header.encoding
    const dictionaryEncoded = enc === Encoding.PLAIN_DICTIONARY || enc === Encoding.RLE_DICTIONARY
    // Typed fast paths for what inventories contain; everything else through the generic decoder.
    if (dictionaryEncoded && dictionary) {
      const dense = new Int32Array(nonNull)
      if (nonNull > 0) {
        if (r.pos >= r.end) throw new EncodingError('dictionary indices past end of page')
        const width = r.buf[r.pos++]
        readHybrid(r, width, nonNull, dense)
        for (let i = 0; i < nonNull; i++) if (dense[i] >= dictionary.length) throw new EncodingError(`dictionary index ${dense[i]} out of range (${dictionary.length} entries)`)
      }
      return { kind: 'dict', n, ids: spread(dense, defs, n, -1), dict: dictionary }
    }
    if (enc === Encoding.PLAIN && type === PhysicalType.BYTE_ARRAY && (field.type === 'string' || field.type === 'key')) {
      const starts = new Int32Array(nonNull)
      const ends = new Int32Array(nonNull)
      const buf = r.buf
      let p = r.pos
      for (let i = 0; i < nonNull; i++) {
        if (p + 4 > r.end) throw new EncodingError('byte array length past end of page')
        const len = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)
        p += 4
        if (len < 0 || p + len > r.end) throw new EncodingError('byte array past end of page')
        starts[i] = p
        ends[i] = p + len
        p += len
      }
      const ascii = isAscii(buf.subarray(r.pos, p))
      r.pos = p
      return { kind: 'bytes', n, buf, starts: spread(starts, defs, n, -1), ends: spread(ends, defs, n, -1), ascii }
    }
    if (enc === Encoding.PLAIN && (type === PhysicalType.INT64 || type === PhysicalType.INT32) && (field.type === 'number' || field.type === 'date')) {
      const dense = new Float64Array(nonNull)
      const buf = r.buf
      let p = r.pos
      if (type === PhysicalType.INT64) {
        if (p + 8 * nonNull > r.end) throw new EncodingError('INT64 values past end of page')
        for (let i = 0; i < nonNull; i++) {
          const lo = (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16)) + buf[p + 3] * 0x1000000
          const hi = buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | (buf[p + 7] << 24)
          dense[i] = hi * 4294967296 + lo
          p += 8
        }
      } else {
        if (p + 4 * nonNull > r.end) throw new EncodingError('INT32 values past end of page')
        for (let i = 0; i < nonNull; i++) {
          dense[i] = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)
          p += 4
        }
      }
      r.pos = p
      if (convert) for (let i = 0; i < nonNull; i++) dense[i] = convert(dense[i]) as number
      return { kind: 'num', n, values: spread(dense, defs, n, NaN) }
    }
    if (type === PhysicalType.BOOLEAN && field.type === 'boolean' && (enc === Encoding.PLAIN || enc === Encoding.RLE)) {
      const dense = new Int8Array(nonNull)
      if (enc === Encoding.PLAIN) {
        const bytes = Math.ceil(nonNull / 8)
        if (r.pos + bytes > r.end) throw new EncodingError('BOOLEAN values past end of page')
        for (let i = 0; i < nonNull; i++) dense[i] = (r.buf[r.pos + (i >> 3)] >> (i & 7)) & 1
        r.pos += bytes
      } else {
        const len = int32(r)
        const bits = new Int32Array(nonNull)
        readHybrid({ buf: r.buf, pos: r.pos, end: Math.min(r.end, r.pos + len) }, 1, nonNull, bits)
        r.pos += len
        for (let i = 0; i < nonNull; i++) dense[i] = bits[i]
      }
      return { kind: 'bool', n, values: spread(dense, defs, n, -1) }
    }
    const dense = decodeValues(r, type, enc, nonNull, leaf.typeLength)
    const conv = convert
    const out: unknown[] = new Array(n)
    let j = 0
    for (let i = 0; i < n; i++) {
      if (!defs || defs[i] === maxDef) {
        const v = dense[j++]
        out[i] = conv ? conv(v) : v
      } else out[i] = undefined
    }
    return { kind: 'any', n, values: out }
  }

  /** Dense values → one per row, with `none` where the definition level says null. */
  function spread<T extends Int32Array | Float64Array | Int8Array>(dense: T, defs: Int32Array | undefined, n: number, none: number): T {
    if (!defs) return dense
    const out = new (dense.constructor as new (n: number) => T)(n)
    let j = 0
    for (let i = 0; i < n; i++) out[i] = defs[i] === maxDef ? dense[j++] : none
    return out
  }

  return { next }
}

function readBitPackedLevels(r: Reader, n: number, out: Int32Array): void {
  // Deprecated BIT_PACKED levels (bit width 1 for flat optional columns), most significant bit first.
  const bytes = Math.ceil(n / 8)
  for (let i = 0; i < n; i++) out[i] = (r.buf[r.pos + (i >> 3)] >> (7 - (i & 7))) & 1
  r.pos += bytes
}

/** Conversion from the decoded physical value to the row field's type (undefined = none needed). */
function converter(leaf: SchemaElement, field: FieldDef): ((v: unknown) => unknown) | undefined {
  const t = leaf.type
  const unit = leaf.timestampUnit ?? (t === PhysicalType.INT96 ? 'MILLIS' : undefined)
  const toMs = unit === 'MICROS' ? (v: number) => Math.floor(v / 1000) : unit === 'NANOS' ? (v: number) => Math.floor(v / 1e6) : undefined
  switch (field.type) {
    case 'date':
      // Epoch ms; the Date object is made when the row is (rows.ts), so pages hold plain numbers.
      if (t === PhysicalType.BYTE_ARRAY) return (v) => parseDateMs(v as string)
      return toMs ? (v) => toMs(v as number) : undefined
    case 'number':
      return t === PhysicalType.BYTE_ARRAY ? (v) => parseSize(v as string) : undefined
    case 'boolean':
      return t === PhysicalType.BYTE_ARRAY ? (v) => parseBoolean(v as string) : undefined
    default:
      // Strings (known string fields and every unknown column): the CSV text form.
      if (t === PhysicalType.BYTE_ARRAY || t === PhysicalType.FIXED_LEN_BYTE_ARRAY) return undefined
      if (unit) return (v) => new Date(toMs ? toMs(v as number) : (v as number)).toISOString()
      return (v) => String(v)
  }
}

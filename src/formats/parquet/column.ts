/**
 * One column chunk, page by page: header → decompress → definition levels → values, converted to
 * the row field's type. Only one page of values per column is held at a time.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { snappyUncompress } from '../../codecs/snappy.js'
import { S3InventoryError } from '../../errors.js'
import type { FieldDef } from '../../schema/fields.js'
import { parseBoolean, parseDateMs, parseSize } from '../../schema/values.js'
import { bitWidthOf, decodePlain, decodeValues, readHybrid, type Reader } from './encoding.js'
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

export interface ColumnPages {
  /** Values of the next data page (undefined for nulls), or undefined at the chunk's end. */
  next(): Promise<unknown[] | undefined>
}

export function columnPages(
  bytes: ChunkBytes,
  leaf: SchemaElement,
  chunk: ColumnChunkMeta,
  field: FieldDef,
  fail: (message: string, offset: number, cause?: unknown) => S3InventoryError,
): ColumnPages {
  const maxDef = leaf.repetition === 1 ? 1 : 0
  const type = chunk.type
  const convert = converter(leaf, field)
  // Values that need a new object per row (Dates) are kept raw in the dictionary and converted per row.
  const perRow = convert !== undefined && field.type === 'date'
  let dictionary: unknown[] | undefined
  let valuesSeen = 0

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
        case Codec.SNAPPY:
          return snappyUncompress(data, size)
        case Codec.GZIP:
          return gunzipSync(data)
        case Codec.BROTLI:
          return brotliDecompressSync(data)
        default:
          throw new S3InventoryError('UNSUPPORTED_CODEC', `Parquet codec ${CODEC_NAMES[chunk.codec] ?? chunk.codec} is not supported`, {
            expected: 'UNCOMPRESSED, SNAPPY, GZIP or BROTLI',
            actual: CODEC_NAMES[chunk.codec] ?? String(chunk.codec),
          })
      }
    } catch (err) {
      if (err instanceof S3InventoryError) throw err
      throw fail(`cannot decompress page (${(err as Error).message})`, offset, err)
    }
  }

  async function next(): Promise<unknown[] | undefined> {
    for (;;) {
      const page = await readPage()
      if (!page) return undefined
      const { header, data, offset } = page
      try {
        if (header.type === PageType.DICTIONARY_PAGE) {
          const plain = decompress(data, header.uncompressedSize, offset)
          const r: Reader = { buf: plain, pos: 0, end: plain.length }
          const values = decodePlain(r, type, header.numValues, leaf.typeLength)
          dictionary = convert && !perRow ? values.map(convert) : values
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
              const len = r.buf.readInt32LE(r.pos)
              r.pos += 4
              const sub: Reader = { buf: r.buf, pos: r.pos, end: r.pos + len }
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
        throw fail(`cannot decode page (${(err as Error).message})`, offset, err)
      }
    }
  }

  function expand(r: Reader, header: PageHeader, n: number, defs: Int32Array | undefined): unknown[] {
    let nonNull = n
    if (defs) {
      nonNull = 0
      for (let i = 0; i < n; i++) if (defs[i] === maxDef) nonNull++
    }
    const dense = decodeValues(r, type, header.encoding, nonNull, leaf.typeLength, dictionary)
    const dictionaryEncoded = header.encoding === Encoding.PLAIN_DICTIONARY || header.encoding === Encoding.RLE_DICTIONARY
    const conv = convert && (perRow || !dictionaryEncoded) ? convert : undefined
    if (!defs) {
      if (conv) for (let i = 0; i < n; i++) dense[i] = conv(dense[i])
      return dense
    }
    const out: unknown[] = new Array(n)
    let j = 0
    for (let i = 0; i < n; i++) {
      if (defs[i] === maxDef) {
        const v = dense[j++]
        out[i] = conv ? conv(v) : v
      } else out[i] = undefined
    }
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
      if (t === PhysicalType.BYTE_ARRAY) return (v) => new Date(parseDateMs(v as string))
      return toMs ? (v) => new Date(toMs(v as number)) : (v) => new Date(v as number)
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
